// Replay of what the Microsoft Entra ID provisioning service sends (../shared/idp-clients.md, "Microsoft Entra ID"),
// step by step. The steps share one server and run in sequence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  GROUP_SCHEMA,
  LIST_RESPONSE,
  PATCH_OP,
  USER_SCHEMA,
  expectError,
  expectList,
  expectResource,
  expectStatus,
  sorted,
} from '../http/helpers.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const MANAGER_PATH = `${ENTERPRISE}:manager`;
const MS_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
/** Entra's filters arrive URL-encoded; the readable form is what idp-clients.md shows. */
const filter = (f: string) => `filter=${encodeURIComponent(f)}`;
const entra = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => roster.scim(method, path, body, headers);
const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

async function getUser(id: string): Promise<any> {
  const res = await entra('GET', `/Users/${id}`);
  expectStatus(res, 200);
  return res.body;
}
async function patchUser(id: string, query: string, ...ops: unknown[]): Promise<any> {
  const res = await entra('PATCH', `/Users/${id}${query}`, patchOp(...ops));
  expectStatus(res, 200);
  expect(res.body.id).toBe(id);
  return res.body;
}
async function memberIds(groupId: string): Promise<string[]> {
  const res = await entra('GET', `/Groups/${groupId}`);
  expectStatus(res, 200);
  return sorted((res.body.members ?? []).map((m: any) => m.value));
}

const s: { joy?: any; manager?: any; manager2?: any; members: any[]; group?: any } = { members: [] };

describe('Entra ID', () => {
  describe('Test connection and schema discovery', () => {
    it('a userName filter with a random GUID answers 200 with an empty ListResponse, not 404', async () => {
      const res = await entra('GET', `/Users?${filter(`userName eq "${randomUUID()}"`)}`);
      expect(expectList(res)).toEqual([]);
      expect(res.body.schemas).toEqual([LIST_RESPONSE]);
      expect(res.body.totalResults).toBe(0);
    });

    it('GET /Schemas answers RFC-shaped schemas', async () => {
      const res = await entra('GET', '/Schemas');
      const list = expectList(res);
      expect(list.map((x) => x.id)).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE, GROUP_SCHEMA]));
    });
  });

  describe('Create and match users', () => {
    it('match by userName and externalId finds nothing before the create', async () => {
      for (const f of ['userName eq "JYoung@contoso.onmicrosoft.com"', 'externalId eq "jyoung"']) {
        const res = await entra('GET', `/Users?${filter(f)}`);
        expectList(res);
        expect(res.body.totalResults, f).toBe(0);
      }
    });

    it('creates the manager first', async () => {
      const res = await entra('POST', '/Users', {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: 'pmorgan',
        userName: 'PMorgan@contoso.onmicrosoft.com',
        active: true,
        displayName: 'Pat Morgan',
        name: { familyName: 'Morgan', givenName: 'Pat' },
        [ENTERPRISE]: { department: 'Engineering' },
      });
      s.manager = expectResource(res, 201, 'User');
      const res2 = await entra('POST', '/Users', { schemas: [USER_SCHEMA], externalId: 'rlee', userName: 'RLee@contoso.onmicrosoft.com', active: true });
      s.manager2 = expectResource(res2, 201, 'User');
    });

    it('create with null complex attributes and string-boolean roles answers 201', async () => {
      const res = await entra('POST', '/Users', {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: 'jyoung',
        userName: 'JYoung@contoso.onmicrosoft.com',
        active: true,
        addresses: null,
        displayName: 'Joy Young',
        emails: null,
        meta: { resourceType: 'User' },
        name: { formatted: 'Joy Young', familyName: 'Young', givenName: 'Joy' },
        phoneNumbers: null,
        roles: [{ primary: 'False', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }],
        title: 'Engineer',
        [ENTERPRISE]: { employeeNumber: '42', department: 'Research', manager: null },
      });
      const joy = expectResource(res, 201, 'User');
      expect(joy).toMatchObject({
        externalId: 'jyoung',
        userName: 'JYoung@contoso.onmicrosoft.com',
        active: true,
        displayName: 'Joy Young',
        name: { formatted: 'Joy Young', familyName: 'Young', givenName: 'Joy' },
        title: 'Engineer',
        [ENTERPRISE]: { employeeNumber: '42', department: 'Research' },
      });
      expect(joy.roles).toEqual([{ primary: false, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }]);
      for (const key of ['addresses', 'emails', 'phoneNumbers']) expect(joy[key] ?? [], key).toEqual([]);
      expect(joy[ENTERPRISE].manager ?? null).toBeNull();
      s.joy = joy;
    });

    it.each([
      ['userName, another case', 'userName eq "jyoung@contoso.onmicrosoft.com"'],
      ['externalId', 'externalId eq "jyoung"'],
      ['externalId unquoted (old tenants)', 'externalId eq jyoung'],
    ])('match by %s finds her', async (_label, f) => {
      const res = await entra('GET', `/Users?${filter(f)}`);
      expect(expectList(res).map((u) => u.id)).toEqual([s.joy.id]);
    });

    it('externalId is case-exact: a different case finds nothing', async () => {
      const res = await entra('GET', `/Users?${filter('externalId eq "JYOUNG"')}`);
      expect(expectList(res)).toEqual([]);
    });
  });

  describe('PATCH, default behaviour: capitalised ops, string booleans, one op per attribute', () => {
    it.each([
      ['False', false],
      ['True', true],
      ['false', false],
      ['TRUE', true],
    ])('Replace active with "%s" stores the boolean %s', async (text, expected) => {
      const user = await patchUser(s.joy.id, '', { op: 'Replace', path: 'active', value: text });
      expect(user.active).toBe(expected);
      expect((await getUser(s.joy.id)).active).toBe(expected);
    });

    it('a string boolean on a string attribute stays a string', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Replace', path: 'nickName', value: 'False' });
      expect(user.nickName).toBe('False');
    });

    it('Replace ops on several attributes, one op each', async () => {
      const user = await patchUser(
        s.joy.id,
        '',
        { op: 'Replace', path: 'displayName', value: 'Joy Y.' },
        { op: 'Replace', path: 'name.givenName', value: 'Joyce' },
        { op: 'Replace', path: 'title', value: 'Senior Engineer' },
      );
      expect(user).toMatchObject({ displayName: 'Joy Y.', name: { givenName: 'Joyce', familyName: 'Young' }, title: 'Senior Engineer' });
    });
  });

  describe('PATCH, newer behaviour (?aadOptscim062020): dotted and URN keys in a no-path replace', () => {
    it('replaces displayName, name.givenName and the enterprise employeeNumber, leaving siblings alone', async () => {
      const user = await patchUser(s.joy.id, '?aadOptscim062020', {
        op: 'replace',
        value: { displayName: 'x', 'name.givenName': 'y', [`${ENTERPRISE}:employeeNumber`]: '7' },
      });
      expect(user.displayName).toBe('x');
      expect(user.name).toMatchObject({ givenName: 'y', familyName: 'Young', formatted: 'Joy Young' });
      expect(user[ENTERPRISE]).toMatchObject({ employeeNumber: '7', department: 'Research' });
      expect(user).not.toHaveProperty(['name.givenName']);
      expect(user).not.toHaveProperty([`${ENTERPRISE}:employeeNumber`]);
      const fetched = await getUser(s.joy.id);
      expect(fetched).toEqual(user);
    });

    it('takes real booleans and lower-case ops', async () => {
      let user = await patchUser(s.joy.id, '?aadOptscim062020', { op: 'replace', path: 'active', value: false });
      expect(user.active).toBe(false);
      user = await patchUser(s.joy.id, '?aadOptscim062020', { op: 'replace', value: { active: true } });
      expect(user.active).toBe(true);
    });
  });

  describe('Value-path targets that match no element create it', () => {
    it('Add emails[type eq "work"].value on a user with no emails creates {type:"work", value}', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Add', path: 'emails[type eq "work"].value', value: 'JYoung@contoso.com' });
      expect(user.emails).toEqual([expect.objectContaining({ type: 'work', value: 'JYoung@contoso.com' })]);
      expect(user.emails).toHaveLength(1);
    });

    it('a later Replace on the same path changes that element, adding none', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Replace', path: 'emails[type eq "work"].value', value: 'Joy.Young@contoso.com' });
      expect(user.emails).toEqual([expect.objectContaining({ type: 'work', value: 'Joy.Young@contoso.com' })]);
    });

    it('match by emails[type eq "work"].value finds her, case-insensitively', async () => {
      const res = await entra('GET', `/Users?${filter('emails[type eq "work"].value eq "joy.young@contoso.com"')}`);
      expect(expectList(res).map((u) => u.id)).toEqual([s.joy.id]);
      const none = await entra('GET', `/Users?${filter('emails[type eq "home"].value eq "joy.young@contoso.com"')}`);
      expect(expectList(none)).toEqual([]);
    });

    it('addresses[type eq "work"].formatted and .streetAddress build one work address', async () => {
      const user = await patchUser(
        s.joy.id,
        '',
        { op: 'Add', path: 'addresses[type eq "work"].formatted', value: '1 Microsoft Way, Redmond' },
        { op: 'Replace', path: 'addresses[type eq "work"].streetAddress', value: '1 Microsoft Way' },
        { op: 'Replace', path: 'addresses[type eq "work"].locality', value: 'Redmond' },
      );
      expect(user.addresses).toEqual([
        expect.objectContaining({ type: 'work', formatted: '1 Microsoft Way, Redmond', streetAddress: '1 Microsoft Way', locality: 'Redmond' }),
      ]);
    });

    it('phoneNumbers[type eq "mobile"].value and [type eq "fax"].value create two numbers', async () => {
      const user = await patchUser(
        s.joy.id,
        '',
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
        { op: 'Replace', path: 'phoneNumbers[type eq "fax"].value', value: '+1 555 0199' },
      );
      expect(user.phoneNumbers).toHaveLength(2);
      expect(user.phoneNumbers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'mobile', value: '+1 555 0100' }),
          expect.objectContaining({ type: 'fax', value: '+1 555 0199' }),
        ]),
      );
      const again = await patchUser(s.joy.id, '', { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0101' });
      expect(again.phoneNumbers).toHaveLength(2);
      expect(again.phoneNumbers).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'mobile', value: '+1 555 0101' })]));
    });
  });

  describe('Manager in its three shapes', () => {
    const managerOf = (user: any) => user[ENTERPRISE]?.manager?.value;

    it('Add with a bare id string', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Add', path: MANAGER_PATH, value: s.manager.id });
      expect(managerOf(user)).toBe(s.manager.id);
      expect(managerOf(await getUser(s.joy.id))).toBe(s.manager.id);
      expect(user[ENTERPRISE].employeeNumber).toBe('7');
    });

    it('Remove with the URN path', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Remove', path: MANAGER_PATH });
      expect(user[ENTERPRISE]?.manager).toBeUndefined();
      expect((await getUser(s.joy.id))[ENTERPRISE]?.manager).toBeUndefined();
      expect(user[ENTERPRISE].employeeNumber).toBe('7');
    });

    it('Add with {"value": id}', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Add', path: MANAGER_PATH, value: { value: s.manager2.id } });
      expect(managerOf(user)).toBe(s.manager2.id);
    });

    it('Replace with [{"$ref": null, "value": id}]', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Replace', path: MANAGER_PATH, value: [{ $ref: null, value: s.manager.id }] });
      expect(managerOf(user)).toBe(s.manager.id);
      expect(managerOf(await getUser(s.joy.id))).toBe(s.manager.id);
    });

    it('a reference check `id eq "a" and manager eq "b"` with attributes=id finds her', async () => {
      const res = await entra('GET', `/Users?${filter(`id eq "${s.joy.id}" and manager eq "${s.manager.id}"`)}&attributes=id`);
      const list = expectList(res);
      expect(list.map((u) => u.id)).toEqual([s.joy.id]);
      expect(list[0]).not.toHaveProperty('userName');
      expect(list[0]).not.toHaveProperty('emails');
    });

    it('the same reference check with another manager finds nothing', async () => {
      const res = await entra('GET', `/Users?${filter(`id eq "${s.joy.id}" and manager eq "${s.manager2.id}"`)}&attributes=id`);
      expect(expectList(res)).toEqual([]);
    });

    it('the manager is found by its URN value path too', async () => {
      const res = await entra('GET', `/Users?${filter(`${ENTERPRISE}:manager.value eq "${s.manager.id}"`)}`);
      expect(expectList(res).map((u) => u.id)).toEqual([s.joy.id]);
    });
  });

  describe('Roles via PATCH', () => {
    it('stores a role whose value is JSON inside a string, exactly', async () => {
      const roleJson = '{"id":"7b6c45b2-0a4b-4bd2-b66b-1f1b8e6b0a11","value":"Admin","displayName":"Admin"}';
      const user = await patchUser(s.joy.id, '', { op: 'Add', path: 'roles', value: [{ value: roleJson }] });
      expect(user.roles).toEqual(expect.arrayContaining([expect.objectContaining({ value: roleJson })]));
      expect((await getUser(s.joy.id)).roles).toEqual(expect.arrayContaining([expect.objectContaining({ value: roleJson })]));
    });
  });

  describe('Groups', () => {
    it('group lookup with excludedAttributes=members finds nothing before the create', async () => {
      const res = await entra('GET', `/Groups?excludedAttributes=members&${filter('displayName eq "Group1DisplayName"')}`);
      expectList(res);
      expect(res.body.totalResults).toBe(0);
    });

    it('create with the Microsoft schema URI, externalId and empty members answers 201', async () => {
      const res = await entra('POST', '/Groups', {
        schemas: [GROUP_SCHEMA, MS_GROUP_SCHEMA],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'Group1DisplayName',
        meta: { resourceType: 'Group' },
        members: [],
      });
      s.group = expectResource(res, 201, 'Group');
      expect(s.group).toMatchObject({ externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'Group1DisplayName' });
    });

    it('group lookup with excludedAttributes=members finds it, with no members key', async () => {
      const res = await entra('GET', `/Groups?excludedAttributes=members&${filter('displayName eq "Group1DisplayName"')}`);
      const list = expectList(res);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ id: s.group.id, displayName: 'Group1DisplayName', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159' });
      expect(list[0]).not.toHaveProperty('members');
    });

    it('GET /Groups/{id}?excludedAttributes=members has no members key', async () => {
      const res = await entra('GET', `/Groups/${s.group.id}?excludedAttributes=members`);
      expectStatus(res, 200);
      expect(res.body).not.toHaveProperty('members');
      expect(res.body.displayName).toBe('Group1DisplayName');
    });

    it('a second group with the same displayName in another case answers 409', async () => {
      expectError(await entra('POST', '/Groups', { schemas: [GROUP_SCHEMA, MS_GROUP_SCHEMA], externalId: 'other', displayName: 'group1displayname', members: [] }), 409, 'uniqueness');
    });

    it('member add: {"op":"Add","path":"members","value":[{"value":id}]} answers 204', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await entra('POST', '/Users', { schemas: [USER_SCHEMA], userName: `member${i}@contoso.onmicrosoft.com`, externalId: `member${i}`, active: true });
        s.members.push(expectResource(res, 201, 'User'));
      }
      for (const member of [s.joy, ...s.members]) {
        const res = await entra('PATCH', `/Groups/${s.group.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: member.id }] }));
        expectStatus(res, 204);
        expect(res.text).toBe('');
      }
      expect(await memberIds(s.group.id)).toEqual(sorted([s.joy.id, ...s.members.map((m) => m.id)]));
    });

    it('member removal by value list removes only the listed members', async () => {
      const [m0, m1, m2] = s.members;
      const res = await entra('PATCH', `/Groups/${s.group.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: m0.id }, { value: m1.id }] }));
      expectStatus(res, 204);
      expect(await memberIds(s.group.id)).toEqual(sorted([s.joy.id, m2.id]));
    });

    it('member removal by members[value eq "id"] removes that member', async () => {
      const [, , m2] = s.members;
      const res = await entra('PATCH', `/Groups/${s.group.id}`, patchOp({ op: 'remove', path: `members[value eq "${m2.id}"]` }));
      expectStatus(res, 204);
      expect(await memberIds(s.group.id)).toEqual([s.joy.id]);
    });

    it('a displayName Replace answers 204', async () => {
      const res = await entra('PATCH', `/Groups/${s.group.id}`, patchOp({ op: 'Replace', path: 'displayName', value: 'Group1 Renamed' }));
      expectStatus(res, 204);
      const group = (await entra('GET', `/Groups/${s.group.id}`)).body;
      expect(group.displayName).toBe('Group1 Renamed');
      expect(group.members.map((m: any) => m.value)).toEqual([s.joy.id]);
    });

    it("the member's groups list the group as direct", async () => {
      const user = await getUser(s.joy.id);
      expect(user.groups).toEqual([expect.objectContaining({ value: s.group.id, type: 'direct' })]);
    });
  });

  describe('Deprovision', () => {
    it('soft delete: Replace active "False"', async () => {
      const user = await patchUser(s.joy.id, '', { op: 'Replace', path: 'active', value: 'False' });
      expect(user.active).toBe(false);
    });

    it('hard delete: DELETE /Users/{id} answers 204, then 404 with status "404" as a string', async () => {
      const res = await entra('DELETE', `/Users/${s.joy.id}`);
      expectStatus(res, 204);
      expect(res.text).toBe('');
      const gone = await entra('GET', `/Users/${s.joy.id}`);
      expectError(gone, 404);
      expect(gone.body.status).toBe('404');
    });

    it('the deleted user is no longer a member of the group', async () => {
      expect(await memberIds(s.group.id)).toEqual([]);
    });

    it('a PATCH on the deleted user answers 404 with a string status', async () => {
      const res = await entra('PATCH', `/Users/${s.joy.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
      expectError(res, 404);
    });

    it('an error answer carries status as a string (a 400 example)', async () => {
      const res = await entra('GET', `/Users?${filter('shoeSize eq "42"')}`);
      expectError(res, 400, 'invalidFilter');
      expect(typeof res.body.status).toBe('string');
    });
  });
});
