// Replay of what Okta's SCIM client sends (../shared/idp-clients.md, "Okta"), step by step, in Okta's order.
// The steps share one server and run in sequence: each builds on the state the previous one left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  LIST_RESPONSE,
  PATCH_OP,
  USER_SCHEMA,
  expectError,
  expectList,
  expectResource,
  expectScimJson,
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

/** Okta's headers on every request; the harness adds `Authorization` and, with a body, `Content-Type: application/scim+json`. */
const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0', accept: 'application/scim+json' };
const okta = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  roster.scim(method, path, body, { ...OKTA, ...headers });

/** The body Okta posts for a new user, with the random placeholder password it sends even when sync is off. */
const oktaUser = (userName: string, givenName: string, familyName: string, externalId: string) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName, familyName },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: `${givenName} ${familyName}`,
  locale: 'en-US',
  externalId,
  groups: [],
  password: 'tG7#kQ2!placeholder-9fD1',
  active: true,
});

const state: { jane?: any; janeGet?: any; others: any[]; groupId?: string } = { others: [] };

describe('Okta', () => {
  describe('Test API credentials', () => {
    it('GET /Users?startIndex=1&count=2 answers a ListResponse with integer counters', async () => {
      const res = await okta('GET', '/Users?startIndex=1&count=2');
      const list = expectList(res);
      expect(res.body.schemas).toEqual([LIST_RESPONSE]);
      expect(res.body.totalResults).toBe(0);
      expect(res.body.startIndex).toBe(1);
      expect(list).toEqual([]);
    });

    it('GET /Groups?startIndex=1&count=100 answers a ListResponse', async () => {
      const res = await okta('GET', '/Groups?startIndex=1&count=100');
      expectList(res);
      expect(res.body.totalResults).toBe(0);
    });

    it('a wrong token answers 401 with a SCIM Error body', async () => {
      const res = await okta('GET', '/Users?startIndex=1&count=2', undefined, { authorization: 'Bearer 0kta-wr0ng-t0ken' });
      expectError(res, 401);
      expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
      expect(res.body.status).toBe('401');
    });
  });

  describe('Create user with lookup', () => {
    it('step 1: the userName lookup finds nothing: 200, totalResults 0 as an integer', async () => {
      const res = await okta('GET', '/Users?filter=userName%20eq%20%22jane%40example.com%22&startIndex=1&count=100');
      expectList(res);
      expect(res.body.totalResults).toBe(0);
      expect(res.text).toMatch(/"totalResults":\s*0/);
    });

    it('step 2: POST /Users answers 201 with the full resource and no password', async () => {
      const body = oktaUser('jane@example.com', 'Jane', 'Doe', '00ujl29u0le5T6Aj10h7');
      const res = await okta('POST', '/Users', body);
      const jane = expectResource(res, 201, 'User');
      expect(jane).toMatchObject({
        userName: 'jane@example.com',
        name: { givenName: 'Jane', familyName: 'Doe' },
        emails: [{ primary: true, value: 'jane@example.com', type: 'work' }],
        displayName: 'Jane Doe',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
      });
      expect(jane.groups ?? []).toEqual([]);
      expect(res.text).not.toContain('placeholder');
      state.jane = jane;
    });

    it('a repeated lookup now finds Jane, so Okta links to her', async () => {
      const res = await okta('GET', '/Users?filter=userName%20eq%20%22jane%40example.com%22&startIndex=1&count=100');
      const list = expectList(res);
      expect(res.body.totalResults).toBe(1);
      expect(list.map((u) => u.id)).toEqual([state.jane.id]);
      expect(res.text).not.toContain('placeholder');
    });

    it('a lookup in another case still finds her (userName is case-insensitive)', async () => {
      const res = await okta('GET', '/Users?filter=userName%20eq%20%22JANE%40EXAMPLE.COM%22&startIndex=1&count=100');
      expect(expectList(res).map((u) => u.id)).toEqual([state.jane.id]);
    });

    it('a duplicate POST answers 409 with an Error body', async () => {
      const res = await okta('POST', '/Users', oktaUser('jane@example.com', 'Jane', 'Doe', '00uOTHER0000000000h7'));
      expectError(res, 409, 'uniqueness');
    });
  });

  describe('Profile update', () => {
    it('GET /Users/{id} answers the resource', async () => {
      const res = await okta('GET', `/Users/${state.jane.id}`);
      state.janeGet = expectResource(res, 200, 'User');
      expect(state.janeGet.userName).toBe('jane@example.com');
    });

    it('PUT /Users/{id} with the whole object, changed attributes edited in, answers 200', async () => {
      const body = {
        ...state.janeGet,
        name: { givenName: 'Jane', familyName: 'Smith' },
        displayName: 'Jane Smith',
        emails: [{ primary: true, value: 'jane@example.com', type: 'work' }],
        title: 'Staff Engineer',
      };
      const res = await okta('PUT', `/Users/${state.jane.id}`, body);
      const user = expectResource(res, 200, 'User');
      expect(user).toMatchObject({ id: state.jane.id, name: { givenName: 'Jane', familyName: 'Smith' }, displayName: 'Jane Smith', title: 'Staff Engineer', locale: 'en-US', externalId: '00ujl29u0le5T6Aj10h7', active: true });
      expect(user.meta.created).toBe(state.jane.meta.created);
      const again = await okta('GET', `/Users/${state.jane.id}`);
      expect(again.body).toEqual(user);
    });
  });

  describe('Deactivate and reactivate', () => {
    it('a no-path replace of {active:false} deactivates: 200 with the resource', async () => {
      const res = await okta('PATCH', `/Users/${state.jane.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
      const user = expectResource(res, 200, 'User');
      expect(user.active).toBe(false);
      expect(user.displayName).toBe('Jane Smith');
      expect((await okta('GET', `/Users/${state.jane.id}`)).body.active).toBe(false);
    });

    it('the user is still there (Okta never deletes users)', async () => {
      const res = await okta('GET', '/Users?filter=userName%20eq%20%22jane%40example.com%22&startIndex=1&count=100');
      expect(expectList(res)[0].active).toBe(false);
    });

    it('a no-path replace of {active:true} reactivates', async () => {
      const res = await okta('PATCH', `/Users/${state.jane.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
      expect(expectResource(res, 200, 'User').active).toBe(true);
      expect((await okta('GET', `/Users/${state.jane.id}`)).body.active).toBe(true);
    });
  });

  describe('Password change', () => {
    it('a no-path replace carrying {password} answers 200 without the password', async () => {
      const res = await okta('PATCH', `/Users/${state.jane.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { password: 'N3w-Pa55word!' } }] });
      expectResource(res, 200, 'User');
      expect(res.text).not.toContain('N3w-Pa55word!');
      expect(res.body).not.toHaveProperty('password');
    });

    it('an App Integration Wizard PUT with password answers 200 without the password', async () => {
      const current = (await okta('GET', `/Users/${state.jane.id}`)).body;
      const res = await okta('PUT', `/Users/${state.jane.id}`, { ...current, password: 'An0ther-Pa55word!' });
      const user = expectResource(res, 200, 'User');
      expect(res.text).not.toContain('An0ther-Pa55word!');
      expect(user.displayName).toBe('Jane Smith');
    });

    it('GET never shows a password', async () => {
      const res = await okta('GET', `/Users/${state.jane.id}`);
      expect(res.text.toLowerCase()).not.toContain('"password"');
    });
  });

  describe('Import users', () => {
    it('creates more users the Okta way', async () => {
      const people = [
        ['amy@example.com', 'Amy', 'Adams', '00u000000000000000a1'],
        ['ben@example.com', 'Ben', 'Brown', '00u000000000000000b2'],
        ['cat@example.com', 'Cat', 'Chen', '00u000000000000000c3'],
        ['dan@example.com', 'Dan', 'Diaz', '00u000000000000000d4'],
        ['eve@example.com', 'Eve', 'Evans', '00u000000000000000e5'],
      ] as const;
      for (const [userName, given, family, ext] of people) {
        const lookup = await okta('GET', `/Users?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`);
        expect(lookup.body.totalResults).toBe(0);
        const res = await okta('POST', '/Users', oktaUser(userName, given, family, ext));
        state.others.push(expectResource(res, 201, 'User'));
      }
    });

    it('GET /Users?startIndex=1&count=100 returns everyone with integer counters', async () => {
      const res = await okta('GET', '/Users?startIndex=1&count=100');
      const list = expectList(res);
      expect(res.body).toMatchObject({ totalResults: 6, itemsPerPage: 6, startIndex: 1 });
      expect(list.map((u) => u.userName)).toEqual(['jane@example.com', ...state.others.map((u) => u.userName)]);
      expect(res.text.toLowerCase()).not.toContain('"password"');
    });

    it('pages of 2 cover everyone once, in a stable order', async () => {
      const seen: string[] = [];
      let startIndex = 1;
      for (;;) {
        const res = await okta('GET', `/Users?startIndex=${startIndex}&count=2`);
        const page = expectList(res);
        expect(res.body.totalResults).toBe(6);
        expect(res.body.startIndex).toBe(startIndex);
        expect(res.body.itemsPerPage).toBe(page.length);
        if (page.length === 0) break;
        seen.push(...page.map((u) => u.id));
        startIndex += page.length;
      }
      expect(seen).toEqual([state.jane.id, ...state.others.map((u) => u.id)]);
      expect(new Set(seen).size).toBe(6);
    });
  });

  describe('Push groups', () => {
    it('find: GET /Groups by displayName finds nothing yet', async () => {
      const res = await okta('GET', '/Groups?filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100');
      expectList(res);
      expect(res.body.totalResults).toBe(0);
    });

    it('create: POST /Groups with empty members answers 201 with an id', async () => {
      const res = await okta('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] });
      const group = expectResource(res, 201, 'Group');
      expect(group.displayName).toBe('Engineering');
      expect(group.members ?? []).toEqual([]);
      state.groupId = group.id;
    });

    it('find: GET /Groups by displayName answers the group', async () => {
      const res = await okta('GET', '/Groups?filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100');
      const list = expectList(res);
      expect(res.body.totalResults).toBe(1);
      expect(list[0]).toMatchObject({ id: state.groupId, displayName: 'Engineering' });
    });

    it('a second create of the same name answers 409', async () => {
      expectError(await okta('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] }), 409, 'uniqueness');
    });

    it('rename: a no-path replace carrying id and displayName answers 204', async () => {
      const res = await okta('PATCH', `/Groups/${state.groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { id: state.groupId, displayName: 'Engineering Team' } }],
      });
      expectStatus(res, 204);
      expect(res.text).toBe('');
      const group = (await okta('GET', `/Groups/${state.groupId}`)).body;
      expect(group.id).toBe(state.groupId);
      expect(group.displayName).toBe('Engineering Team');
    });

    it('membership: add with value and display (no type) answers 204', async () => {
      const [amy] = state.others;
      const res = await okta('PATCH', `/Groups/${state.groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: amy.id, display: amy.userName }] }],
      });
      expectStatus(res, 204);
      const group = (await okta('GET', `/Groups/${state.groupId}`)).body;
      expect(group.members).toEqual([expect.objectContaining({ value: amy.id, type: 'User' })]);
    });

    it('membership: one PATCH with rename, a filtered remove and an add answers 204 and does all three', async () => {
      const [amy] = state.others;
      const jane = state.jane;
      const res = await okta('PATCH', `/Groups/${state.groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', value: { id: state.groupId, displayName: 'Engineering' } },
          { op: 'remove', path: `members[value eq "${amy.id}"]` },
          { op: 'add', path: 'members', value: [{ value: jane.id, display: 'jane@example.com' }] },
        ],
      });
      expectStatus(res, 204);
      const group = (await okta('GET', `/Groups/${state.groupId}`)).body;
      expect(group.displayName).toBe('Engineering');
      expect(group.members.map((m: any) => m.value)).toEqual([jane.id]);
      expect(group.members[0].type).toBe('User');
      const janeNow = (await okta('GET', `/Users/${jane.id}`)).body;
      expect(janeNow.groups).toEqual([expect.objectContaining({ value: state.groupId, display: 'Engineering', type: 'direct' })]);
      expect((await okta('GET', `/Users/${amy.id}`)).body.groups ?? []).toEqual([]);
    });

    it('membership: a replace of members with the full list answers 204', async () => {
      const [, ben, cat] = state.others;
      const res = await okta('PATCH', `/Groups/${state.groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'members', value: [{ value: ben.id, display: ben.userName }, { value: cat.id, display: cat.userName }] }],
      });
      expectStatus(res, 204);
      const group = (await okta('GET', `/Groups/${state.groupId}`)).body;
      expect(sorted(group.members.map((m: any) => m.value))).toEqual(sorted([ben.id, cat.id]));
    });

    it('AIW apps: PUT /Groups/{id} with the full members list answers 200', async () => {
      const [, , cat, dan, eve] = state.others;
      const res = await okta('PUT', `/Groups/${state.groupId}`, {
        schemas: [GROUP_SCHEMA],
        id: state.groupId,
        displayName: 'Engineering',
        members: [
          { value: cat.id, display: cat.userName },
          { value: dan.id, display: dan.userName },
          { value: eve.id, display: eve.userName },
        ],
      });
      const group = expectResource(res, 200, 'Group');
      expect(sorted(group.members.map((m: any) => m.value))).toEqual(sorted([cat.id, dan.id, eve.id]));
      expect(sorted((await okta('GET', `/Groups/${state.groupId}`)).body.members.map((m: any) => m.value))).toEqual(sorted([cat.id, dan.id, eve.id]));
    });

    it('a deactivated member stays a member (deactivation is not deletion)', async () => {
      const [, , cat] = state.others;
      const res = await okta('PATCH', `/Users/${cat.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
      expectStatus(res, 200);
      expect(res.body.groups.map((g: any) => g.value)).toEqual([state.groupId]);
    });

    it('"delete in target app": DELETE /Groups/{id} answers 204, then GET answers 404', async () => {
      const res = await okta('DELETE', `/Groups/${state.groupId}`);
      expectStatus(res, 204);
      expect(res.text).toBe('');
      const gone = await okta('GET', `/Groups/${state.groupId}`);
      expectError(gone, 404);
      expectScimJson(gone);
      const [, , cat] = state.others;
      expect((await okta('GET', `/Users/${cat.id}`)).body.groups ?? []).toEqual([]);
      const lookup = await okta('GET', '/Groups?filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100');
      expect(lookup.body.totalResults).toBe(0);
    });
  });
});
