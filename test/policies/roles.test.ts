// Roles (issue 3): each user's effective roles (IdP-sent roles, mapped groups reached directly or through nested
// groups, attribute rules) follow every kind of change at once, and applications read and filter them over SCIM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  GROUP_SCHEMA,
  USER_SCHEMA,
  createGroup,
  createUser,
  expectError,
  expectList,
  expectStatus,
  patch,
  q,
  unique,
} from '../http/helpers.js';
import { ENTRA_UA, ROLES_EXT, addMembers, idsFor, newDirectory, removeMember, rolesOf, type TestDirectory } from './support.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const DEPT = `${ENTERPRISE}:department`;

async function mapGroup(dir: TestDirectory, group: string, roles: string[]) {
  return roster.service.roles.mapGroup(await dir.adminScope(), group, roles);
}
async function addRule(dir: TestDirectory, filter: string, role: string) {
  return roster.service.roles.addRule(await dir.adminScope(), filter, role);
}

/** The stored effective roles straight from user_roles, to catch stale rows that SCIM reads might hide. */
async function storedRoles(dir: TestDirectory, userId: string): Promise<string[]> {
  const rows = await roster.storage.db
    .selectFrom('user_roles')
    .select('role')
    .distinct()
    .where('directory_id', '=', (await dir.row()).id)
    .where('user_id', '=', userId)
    .execute();
  return rows.map((r) => r.role).sort();
}

async function expectRoles(dir: TestDirectory, userId: string, roles: string[]) {
  expect(await rolesOf(dir, userId)).toEqual([...roles].sort());
  expect(await storedRoles(dir, userId)).toEqual([...roles].sort());
}

describe('group mapping', () => {
  it('member added and removed by PATCH (Okta and Entra forms)', async () => {
    const dir = await newDirectory(roster);
    const group = await createGroup(dir, { displayName: 'Eng-All' });
    await mapGroup(dir, 'Eng-All', ['engineer']);
    const user = await createUser(dir);
    await expectRoles(dir, user.id, []);

    expectStatus(await addMembers(dir, group.id, user.id), 204);
    await expectRoles(dir, user.id, ['engineer']);
    expectStatus(await removeMember(dir, group.id, user.id), 204);
    await expectRoles(dir, user.id, []);

    // Entra: add with a value list, remove with a value list.
    expectStatus(await dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'Add', path: 'members', value: [{ value: user.id }] }), ENTRA_UA), 204);
    await expectRoles(dir, user.id, ['engineer']);
    expectStatus(await dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'Remove', path: 'members', value: [{ value: user.id }] }), ENTRA_UA), 204);
    await expectRoles(dir, user.id, []);

    // Okta's full-list replace.
    expectStatus(await dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: 'members', value: [{ value: user.id }] })), 204);
    await expectRoles(dir, user.id, ['engineer']);
    expectStatus(await dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'remove', path: 'members' })), 204);
    await expectRoles(dir, user.id, []);
  });

  it('PUT of the group with a new member list', async () => {
    const dir = await newDirectory(roster);
    const a = await createUser(dir);
    const b = await createUser(dir);
    const group = await createGroup(dir, { displayName: 'Ops', members: [{ value: a.id }] });
    await mapGroup(dir, group.id, ['operator']);
    await expectRoles(dir, a.id, ['operator']);
    await expectRoles(dir, b.id, []);
    expectStatus(await dir.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Ops', members: [{ value: b.id }] }), 200);
    await expectRoles(dir, a.id, []);
    await expectRoles(dir, b.id, ['operator']);
    expectStatus(await dir.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Ops renamed', members: [{ value: a.id }, { value: b.id }] }), 200);
    await expectRoles(dir, a.id, ['operator']);
    await expectRoles(dir, b.id, ['operator']);
  });

  it('group deleted: its members lose its roles', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const group = await createGroup(dir, { members: [{ value: user.id }] });
    await mapGroup(dir, group.id, ['doomed', 'also-doomed']);
    await expectRoles(dir, user.id, ['also-doomed', 'doomed']);
    expectStatus(await dir.scim('DELETE', `/Groups/${group.id}`), 204);
    await expectRoles(dir, user.id, []);
    expect(await roster.service.roles.listMappings(await dir.row())).toEqual([]);
  });

  it('mapping added, changed and removed: members follow at once', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const group = await createGroup(dir, { displayName: unique('Sales '), members: [{ value: user.id }] });
    await expectRoles(dir, user.id, []);
    const mapped = await mapGroup(dir, group.displayName.toUpperCase(), ['sales', ' sales ', 'crm']);
    expect(mapped).toEqual({ groupId: group.id, roles: ['sales', 'crm'] });
    await expectRoles(dir, user.id, ['crm', 'sales']);
    await mapGroup(dir, group.id, ['crm']);
    await expectRoles(dir, user.id, ['crm']);
    await mapGroup(dir, group.id, []);
    await expectRoles(dir, user.id, []);
    await expect(mapGroup(dir, 'no such group', ['x'])).rejects.toMatchObject({ status: 404 });
  });

  it('renaming a mapped group keeps the mapping', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const group = await createGroup(dir, { displayName: 'Before', members: [{ value: user.id }] });
    await mapGroup(dir, group.id, ['kept']);
    expectStatus(await dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', value: { id: group.id, displayName: 'After' } })), 204);
    await expectRoles(dir, user.id, ['kept']);
    expect((await roster.service.roles.listMappings(await dir.row()))[0]).toMatchObject({ groupId: group.id, displayName: 'After', roles: ['kept'] });
  });

  it('a group created with members, then mapped', async () => {
    const dir = await newDirectory(roster);
    const users = [await createUser(dir), await createUser(dir), await createUser(dir)];
    const group = await createGroup(dir, { members: users.map((u) => ({ value: u.id })) });
    await mapGroup(dir, group.id, ['many']);
    for (const u of users) await expectRoles(dir, u.id, ['many']);
  });
});

describe('nested groups', () => {
  it('user in the inner group, outer group mapped: adding and removing the inner group', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const inner = await createGroup(dir, { displayName: 'Inner', members: [{ value: user.id }] });
    const outer = await createGroup(dir, { displayName: 'Outer' });
    await mapGroup(dir, outer.id, ['staff']);
    await expectRoles(dir, user.id, []);

    expectStatus(await addMembers(dir, outer.id, inner.id), 204);
    await expectRoles(dir, user.id, ['staff']);
    expectStatus(await removeMember(dir, outer.id, inner.id), 204);
    await expectRoles(dir, user.id, []);

    // By PUT of the outer group.
    expectStatus(await dir.scim('PUT', `/Groups/${outer.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Outer', members: [{ value: inner.id, type: 'Group' }] }), 200);
    await expectRoles(dir, user.id, ['staff']);
    expectStatus(await dir.scim('PUT', `/Groups/${outer.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Outer', members: [] }), 200);
    await expectRoles(dir, user.id, []);
  });

  it('user added to and removed from an inner group that already sits in a mapped one', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const inner = await createGroup(dir);
    const outer = await createGroup(dir, { members: [{ value: inner.id }] });
    await mapGroup(dir, outer.id, ['staff']);
    expectStatus(await addMembers(dir, inner.id, user.id), 204);
    await expectRoles(dir, user.id, ['staff']);
    expectStatus(await removeMember(dir, inner.id, user.id), 204);
    await expectRoles(dir, user.id, []);
  });

  it('three levels: roles from every mapped ancestor; deleting the middle group cuts the chain', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const leaf = await createGroup(dir, { members: [{ value: user.id }] });
    const middle = await createGroup(dir, { members: [{ value: leaf.id }] });
    const top = await createGroup(dir, { members: [{ value: middle.id }] });
    await mapGroup(dir, top.id, ['top-role']);
    await mapGroup(dir, leaf.id, ['leaf-role']);
    await expectRoles(dir, user.id, ['leaf-role', 'top-role']);
    expectStatus(await dir.scim('DELETE', `/Groups/${middle.id}`), 204);
    await expectRoles(dir, user.id, ['leaf-role']);
  });

  it('deleting the inner group removes what the outer one granted through it', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const inner = await createGroup(dir, { members: [{ value: user.id }] });
    const outer = await createGroup(dir, { members: [{ value: inner.id }] });
    await mapGroup(dir, outer.id, ['staff']);
    await expectRoles(dir, user.id, ['staff']);
    expectStatus(await dir.scim('DELETE', `/Groups/${inner.id}`), 204);
    await expectRoles(dir, user.id, []);
  });

  it('mapping the outer group reaches users of nested groups', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const inner = await createGroup(dir, { members: [{ value: user.id }] });
    const outer = await createGroup(dir, { members: [{ value: inner.id }] });
    await mapGroup(dir, outer.id, ['late']);
    await expectRoles(dir, user.id, ['late']);
    await mapGroup(dir, outer.id, []);
    await expectRoles(dir, user.id, []);
  });

  it('adding a group that itself holds a nested group reaches the users two levels down', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const leaf = await createGroup(dir, { members: [{ value: user.id }] });
    const middle = await createGroup(dir, { members: [{ value: leaf.id }] });
    const top = await createGroup(dir);
    await mapGroup(dir, top.id, ['deep']);
    expectStatus(await addMembers(dir, top.id, middle.id), 204);
    await expectRoles(dir, user.id, ['deep']);
    expectStatus(await removeMember(dir, top.id, middle.id), 204);
    await expectRoles(dir, user.id, []);
  });

  it('a membership cycle neither hangs nor breaks roles', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const a = await createGroup(dir, { members: [{ value: user.id }] });
    const b = await createGroup(dir, { members: [{ value: a.id }] });
    await mapGroup(dir, b.id, ['cyclic']);
    const closing = await addMembers(dir, a.id, b.id);
    expect([204, 400]).toContain(closing.status);
    await expectRoles(dir, user.id, ['cyclic']);
    await mapGroup(dir, a.id, ['inner']);
    await expectRoles(dir, user.id, ['cyclic', 'inner']);
    expectStatus(await removeMember(dir, a.id, user.id), 204);
    await expectRoles(dir, user.id, []);
  });

  it('a role reached two ways stays while one way remains', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const inner = await createGroup(dir, { members: [{ value: user.id }] });
    const outer = await createGroup(dir, { members: [{ value: inner.id }, { value: user.id }] });
    await mapGroup(dir, outer.id, ['staff']);
    await expectRoles(dir, user.id, ['staff']);
    expectStatus(await removeMember(dir, outer.id, user.id), 204);
    await expectRoles(dir, user.id, ['staff']);
    expectStatus(await removeMember(dir, outer.id, inner.id), 204);
    await expectRoles(dir, user.id, []);
  });
});

describe('attribute rules', () => {
  it('a rule grants the role to matching users at once, and follows attribute changes by PATCH and PUT', async () => {
    const dir = await newDirectory(roster);
    const sales = await createUser(dir, { [ENTERPRISE]: { department: 'Sales' } });
    const eng = await createUser(dir, { [ENTERPRISE]: { department: 'Engineering' } });
    await addRule(dir, `${DEPT} eq "Sales"`, 'sales');
    await expectRoles(dir, sales.id, ['sales']);
    await expectRoles(dir, eng.id, []);

    // Starts matching: Entra's no-path URN key.
    expectStatus(await dir.scim('PATCH', `/Users/${eng.id}`, patch({ op: 'replace', value: { [DEPT]: 'Sales' } }), ENTRA_UA), 200);
    await expectRoles(dir, eng.id, ['sales']);
    // Stops matching: URN path.
    expectStatus(await dir.scim('PATCH', `/Users/${eng.id}`, patch({ op: 'replace', path: DEPT, value: 'Engineering' })), 200);
    await expectRoles(dir, eng.id, []);
    // Stops matching: PUT without the attribute.
    expectStatus(await dir.scim('PUT', `/Users/${sales.id}`, { schemas: [USER_SCHEMA], userName: sales.userName }), 200);
    await expectRoles(dir, sales.id, []);
    // Starts matching: PUT with it, in another case (department is caseExact false).
    expectStatus(await dir.scim('PUT', `/Users/${sales.id}`, { schemas: [USER_SCHEMA, ENTERPRISE], userName: sales.userName, [ENTERPRISE]: { department: 'SALES' } }), 200);
    await expectRoles(dir, sales.id, ['sales']);
    // Removed attribute.
    expectStatus(await dir.scim('PATCH', `/Users/${sales.id}`, patch({ op: 'remove', path: DEPT })), 200);
    await expectRoles(dir, sales.id, []);
  });

  it('a user created matching a rule holds its role from the start', async () => {
    const dir = await newDirectory(roster);
    await addRule(dir, 'title eq "Manager"', 'manager');
    const user = await createUser(dir, { title: 'manager' }); // title is caseExact false (RFC 7643)
    await expectRoles(dir, user.id, ['manager']);
    const other = await createUser(dir, { title: 'Worker' });
    await expectRoles(dir, other.id, []);
  });

  it('rule removed: its role goes; another source of the same role keeps it', async () => {
    const dir = await newDirectory(roster);
    const both = await createUser(dir, { title: 'Lead' });
    const ruleOnly = await createUser(dir, { title: 'Lead' });
    const group = await createGroup(dir, { members: [{ value: both.id }] });
    await mapGroup(dir, group.id, ['lead']);
    const rule = await addRule(dir, 'title eq "Lead"', 'lead');
    await expectRoles(dir, both.id, ['lead']);
    await expectRoles(dir, ruleOnly.id, ['lead']);
    expect(await roster.service.roles.removeRule(await dir.adminScope(), rule.id)).toBe(true);
    await expectRoles(dir, both.id, ['lead']);
    await expectRoles(dir, ruleOnly.id, []);
    expect(await roster.service.roles.removeRule(await dir.adminScope(), rule.id)).toBe(false);
  });

  it('rules agree whether applied when added (in SQL) or when a user changes (in memory)', async () => {
    const dir = await newDirectory(roster);
    // Each case: a filter, the attributes of a user (given a unique name), and whether the rule matches it.
    const cases: [string, (n: string) => Record<string, unknown>, boolean][] = [
      ['userName sw "sales."', (n) => ({ userName: `SALES.${n}@example.com` }), true],
      ['emails[type eq "work" and value ew "@sales.example.com"]', () => ({ emails: [{ type: 'work', value: 'x@SALES.example.com' }] }), true],
      ['emails[type eq "home" and value ew "@sales.example.com"]', () => ({ emails: [{ type: 'work', value: 'y@sales.example.com' }] }), false],
      ['active eq false', () => ({ active: false }), true],
      ['not (title pr)', () => ({}), true],
      ['externalId eq "CaseExact"', () => ({ externalId: 'caseexact' }), false],
      ['name.familyName co "ONE"', () => ({ name: { familyName: 'Jones' } }), true],
      ['meta.created gt "2000-01-01T00:00:00Z"', () => ({}), true],
    ];
    for (const [i, [filter, attrs, matches]] of cases.entries()) {
      const role = `r${i}`;
      const user = () => createUser(dir, { userName: `${unique('rule')}@example.com`, ...attrs(unique('n')) });
      const before = await user();
      await addRule(dir, filter, role);
      const after = await user();
      const has = (roles: string[]) => roles.includes(role);
      expect(has(await rolesOf(dir, before.id)), `${filter} (SQL, when the rule is added)`).toBe(matches);
      expect(has(await rolesOf(dir, after.id)), `${filter} (in memory, when a user is written)`).toBe(matches);
    }
  });

  it('refuses rules that are not valid filters or that depend on roles or groups', async () => {
    const dir = await newDirectory(roster);
    for (const [filter, role] of [
      ['department eq', 'x'],
      ['nonsense eq "x"', 'x'],
      ['effectiveRoles eq "a"', 'b'],
      [`${ROLES_EXT}:effectiveRoles eq "a"`, 'b'],
      ['groups.value eq "g"', 'b'],
      ['title eq "x"', '  '],
    ]) {
      await expect(addRule(dir, filter, role), filter).rejects.toMatchObject({ status: 400 });
    }
    expect(await roster.service.roles.listRules(await dir.row())).toEqual([]);
  });

  it('rules on a custom extension attribute', async () => {
    const dir = await newDirectory(roster);
    const ext = 'urn:example:params:scim:schemas:extension:hr:1.0:User';
    await roster.service.schemas.add(await dir.row(), { id: ext, attributes: [{ name: 'grade', type: 'integer' }] });
    const senior = await createUser(dir, { schemas: [USER_SCHEMA, ext], [ext]: { grade: 12 } });
    const junior = await createUser(dir, { schemas: [USER_SCHEMA, ext], [ext]: { grade: 9 } });
    await addRule(dir, `${ext}:grade ge 10`, 'senior');
    await expectRoles(dir, senior.id, ['senior']);
    await expectRoles(dir, junior.id, []);
    expectStatus(await dir.scim('PATCH', `/Users/${junior.id}`, patch({ op: 'replace', path: `${ext}:grade`, value: 10 })), 200);
    await expectRoles(dir, junior.id, ['senior']);
  });
});

describe('IdP-sent roles', () => {
  it('roles sent on POST and changed by PATCH are effective roles', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { roles: [{ value: 'admin' }, { value: 'auditor', primary: true }] });
    await expectRoles(dir, user.id, ['admin', 'auditor']);
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'remove', path: 'roles[value eq "admin"]' })), 200);
    await expectRoles(dir, user.id, ['auditor']);
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'add', path: 'roles', value: [{ value: 'viewer' }] })), 200);
    await expectRoles(dir, user.id, ['auditor', 'viewer']);
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'remove', path: 'roles' })), 200);
    await expectRoles(dir, user.id, []);
  });

  it('Entra\'s roles with string booleans', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { roles: [{ primary: 'False', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] });
    await expectRoles(dir, user.id, ['Admin']);
  });

  it('Entra\'s role as JSON inside a string is stored as sent and grants the role it names', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const inner = JSON.stringify({ id: '8a7b6c5d-0000-4000-8000-000000000001', value: 'Admin', displayName: 'Admin' });
    const res = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Add', path: 'roles', value: [{ value: inner }] }), ENTRA_UA);
    expectStatus(res, 200);
    expect(res.body.roles).toEqual([{ value: inner }]);
    expect(await rolesOf(dir, user.id)).toEqual(['Admin']);
  });

  it('combined with group mappings and rules, each role listed once', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { roles: [{ value: 'engineer' }], title: 'Engineer' });
    const group = await createGroup(dir, { members: [{ value: user.id }] });
    await mapGroup(dir, group.id, ['engineer', 'builder']);
    await addRule(dir, 'title eq "Engineer"', 'engineer');
    await expectRoles(dir, user.id, ['builder', 'engineer']);
  });

  it('clients cannot write effectiveRoles (readOnly)', async () => {
    const dir = await newDirectory(roster);
    const created = await dir.scim('POST', '/Users', { schemas: [USER_SCHEMA, ROLES_EXT], userName: `${unique('ro')}@example.com`, [ROLES_EXT]: { effectiveRoles: ['root'] } });
    expectStatus(created, 201);
    await expectRoles(dir, created.body.id, []);
    const patched = await dir.scim('PATCH', `/Users/${created.body.id}`, patch({ op: 'add', path: `${ROLES_EXT}:effectiveRoles`, value: ['root'] }));
    expect(patched.status).toBeLessThan(500);
    await expectRoles(dir, created.body.id, []);
    const noPath = await dir.scim('PATCH', `/Users/${created.body.id}`, patch({ op: 'add', value: { [`${ROLES_EXT}:effectiveRoles`]: ['root'] } }));
    expect(noPath.status).toBeLessThan(500);
    await expectRoles(dir, created.body.id, []);
  });
});

describe('soft-deleted and restored users', () => {
  it('a deleted user holds no roles to the outside; restored, it holds what its groups and rules grant now', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { title: 'Analyst' });
    const group = await createGroup(dir, { members: [{ value: user.id }] });
    await mapGroup(dir, group.id, ['reader']);
    await expectRoles(dir, user.id, ['reader']);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    expect(await idsFor(dir, 'effectiveRoles eq "reader"')).toEqual([]);

    // While it is deleted the mapping changes and a rule appears.
    await mapGroup(dir, group.id, ['reader', 'writer']);
    await addRule(dir, 'title eq "Analyst"', 'analyst');
    expect(await idsFor(dir, 'effectiveRoles eq "writer"')).toEqual([]);

    await roster.service.users.restore(await dir.adminScope(), user.id);
    await expectRoles(dir, user.id, ['analyst', 'reader', 'writer']);
    expect(await idsFor(dir, 'effectiveRoles eq "writer"')).toEqual([user.id]);
  });

  it('a purged user leaves no role rows behind', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ retentionDays: '0' });
    const user = await createUser(dir, { roles: [{ value: 'x' }] });
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    await roster.service.users.purgeExpired(await dir.adminScope(), new Date(Date.now() + 1000));
    expect(await storedRoles(dir, user.id)).toEqual([]);
  });
});

describe('effectiveRoles over SCIM', () => {
  let dir: TestDirectory;
  let alice: any;
  let bob: any;
  let carol: any;
  beforeAll(async () => {
    dir = await newDirectory(roster);
    alice = await createUser(dir, { roles: [{ value: 'engineer' }] });
    bob = await createUser(dir, { [ENTERPRISE]: { department: 'Sales' } });
    carol = await createUser(dir);
    const group = await createGroup(dir, { members: [{ value: bob.id }] });
    await mapGroup(dir, group.id, ['engineer', 'seller']);
  });

  it.each([
    [`${ROLES_EXT}:effectiveRoles eq "engineer"`, ['alice', 'bob']],
    ['effectiveRoles eq "engineer"', ['alice', 'bob']],
    ['effectiveRoles eq "seller"', ['bob']],
    ['effectiveRoles eq "nobody"', []],
    ['effectiveRoles pr', ['alice', 'bob']],
    ['not (effectiveRoles pr)', ['carol']],
    ['effectiveRoles eq "seller" or effectiveRoles eq "engineer"', ['alice', 'bob']],
    ['effectiveRoles eq "seller" and effectiveRoles eq "engineer"', ['bob']],
    ['effectiveRoles sw "sel"', ['bob']],
  ])('%s', async (filter, expected) => {
    const names: Record<string, string> = { [alice.id]: 'alice', [bob.id]: 'bob', [carol.id]: 'carol' };
    expect((await idsFor(dir, filter)).map((id) => names[id]).sort()).toEqual(expected);
  });

  it('is advertised in /Schemas and on every user that holds roles', async () => {
    const schemas = expectList(await dir.scim('GET', '/Schemas'));
    const ext = schemas.find((s) => s.id === ROLES_EXT);
    expect(ext.attributes.find((a: any) => a.name === 'effectiveRoles')).toMatchObject({ multiValued: true, mutability: 'readOnly' });
    const list = expectList(await dir.scim('GET', `/Users?filter=${q(`id eq "${bob.id}"`)}`));
    expect(list[0][ROLES_EXT].effectiveRoles.sort()).toEqual(['engineer', 'seller']);
  });

  it('can be projected with attributes=', async () => {
    const res = await dir.scim('GET', `/Users/${bob.id}?attributes=${encodeURIComponent(`${ROLES_EXT}:effectiveRoles`)}`);
    expectStatus(res, 200);
    expect(res.body[ROLES_EXT].effectiveRoles.sort()).toEqual(['engineer', 'seller']);
    expect(res.body.userName).toBeUndefined();
  });

  it('roles are per directory', async () => {
    const other = await newDirectory(roster);
    const stranger = await createUser(other, { roles: [{ value: 'engineer' }] });
    expect(await idsFor(dir, 'effectiveRoles eq "engineer"')).not.toContain(stranger.id);
    expect(await idsFor(other, 'effectiveRoles eq "engineer"')).toEqual([stranger.id]);
    await expect(roster.service.roles.mapGroup(await other.adminScope(), bob.id, ['x'])).rejects.toMatchObject({ status: 404 });
  });
});

describe('errors', () => {
  it('an unknown role attribute in a filter is still a 400', async () => {
    const dir = await newDirectory(roster);
    expectError(await dir.scim('GET', `/Users?filter=${q(`${ROLES_EXT}:nope eq "x"`)}`), 400, 'invalidFilter');
  });
});
