// Groups: create, read, replace, delete, members, and the read-only `groups` of users (direct and indirect).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  GROUP_SCHEMA,
  createGroup,
  createUser,
  expectError,
  expectList,
  expectResource,
  expectStatus,
  getResource,
  memberIds,
  q,
  sorted,
  unique,
  userGroups,
} from './helpers.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

describe('POST /Groups', () => {
  it('answers 201 with Location, ETag and the resource', async () => {
    const displayName = unique('Engineering ');
    const res = await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, members: [] });
    const group = expectResource(res, 201, 'Group');
    expect(group.displayName).toBe(displayName);
    expect(group.members ?? []).toEqual([]);
    expect(group.meta.location.startsWith(roster.baseUrl + '/Groups/')).toBe(true);
  });

  it('creates a group with user and group members, filling in type and display', async () => {
    const user = await createUser(roster, { displayName: 'Member One' });
    const inner = await createGroup(roster);
    const res = await roster.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: unique('Outer '),
      members: [{ value: user.id }, { value: inner.id }],
    });
    const group = expectResource(res, 201, 'Group');
    expect(group.members).toHaveLength(2);
    const byId = Object.fromEntries(group.members.map((m: any) => [m.value, m]));
    expect(byId[user.id].type).toBe('User');
    expect(byId[inner.id].type).toBe('Group');
    expect([user.displayName, user.userName]).toContain(byId[user.id].display);
    expect(byId[inner.id].display).toBe(inner.displayName);
    if (byId[user.id].$ref !== undefined) expect(byId[user.id].$ref).toBe(user.meta.location);
    expect(await getResource(roster, `/Groups/${group.id}`)).toEqual(group);
  });

  it('accepts members with an explicit type and ignores a client display', async () => {
    const user = await createUser(roster, { displayName: 'Real Name' });
    const group = await createGroup(roster, { members: [{ value: user.id, type: 'User', display: 'Made Up' }] });
    expect(group.members).toHaveLength(1);
    expect(group.members[0]).toMatchObject({ value: user.id, type: 'User' });
  });

  it('never stores a member twice when it is listed twice', async () => {
    const user = await createUser(roster);
    const res = await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: unique('Twice '), members: [{ value: user.id }, { value: user.id }] });
    if (res.status === 201) expect(res.body.members.map((m: any) => m.value)).toEqual([user.id]);
    else expectError(res, 400, 'invalidValue');
  });

  it('answers 400 invalidValue for a member that does not exist, and creates nothing', async () => {
    const user = await createUser(roster);
    const displayName = unique('Ghosts ');
    const res = await roster.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName,
      members: [{ value: user.id }, { value: 'no-such-member' }],
    });
    expectError(res, 400, 'invalidValue');
    const found = expectList(await roster.scim('GET', `/Groups?filter=${q(`displayName eq "${displayName}"`)}`));
    expect(found).toHaveLength(0);
  });

  it('answers 400 naming displayName when it is missing', async () => {
    const res = await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], members: [] });
    expectError(res, 400, 'invalidValue');
    expect(res.body.detail.toLowerCase()).toContain('displayname');
  });

  it.each([
    ['displayName as a number', { displayName: 7 }],
    ['members as an object', { displayName: 'x', members: { value: 'a' } }],
    ['a member as a string', { displayName: 'x', members: ['abc'] }],
  ])('answers 400 for %s', async (_label, body) => {
    const displayName = typeof body.displayName === 'string' ? unique('t') : body.displayName;
    const res = await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], ...body, displayName });
    expectError(res, 400);
  });

  it('answers 409 uniqueness for a duplicate displayName, in any case', async () => {
    const displayName = unique('Sales ');
    await createGroup(roster, { displayName });
    expectError(await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName }), 409, 'uniqueness');
    expectError(await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: displayName.toUpperCase() }), 409, 'uniqueness');
  });

  it('tolerates unknown schema URIs and drops unknown attributes', async () => {
    const res = await roster.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      displayName: unique('Tolerant '),
      externalId: 'a-b-c',
      colour: 'green',
    });
    const group = expectResource(res, 201, 'Group');
    expect(group.externalId).toBe('a-b-c');
    expect(JSON.stringify(await getResource(roster, `/Groups/${group.id}`))).not.toContain('colour');
  });
});

describe('GET /Groups/{id}', () => {
  it('answers 404 for an unknown id', async () => {
    expectError(await roster.scim('GET', '/Groups/does-not-exist'), 404);
  });

  it('does not serve a user id on /Groups nor a group id on /Users', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster);
    expectError(await roster.scim('GET', `/Groups/${user.id}`), 404);
    expectError(await roster.scim('GET', `/Users/${group.id}`), 404);
  });

  it('leaves members out with excludedAttributes=members', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { members: [{ value: user.id }] });
    const res = await roster.scim('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expectStatus(res, 200);
    expect(res.body).not.toHaveProperty('members');
    expect(res.body.displayName).toBe(group.displayName);
    expect(res.body.id).toBe(group.id);
  });
});

describe("a user's groups", () => {
  it('lists direct groups with type "direct"', async () => {
    const user = await createUser(roster);
    const g1 = await createGroup(roster, { members: [{ value: user.id }] });
    const g2 = await createGroup(roster, { members: [{ value: user.id }] });
    const fetched = await getResource(roster, `/Users/${user.id}`);
    expect(fetched.groups).toHaveLength(2);
    const g1Entry = fetched.groups.find((g: any) => g.value === g1.id);
    expect(g1Entry).toMatchObject({ value: g1.id, display: g1.displayName, type: 'direct' });
    if (g1Entry.$ref !== undefined) expect(g1Entry.$ref).toBe(g1.meta.location);
    expect(await userGroups(roster, user.id)).toEqual({ [g1.id]: 'direct', [g2.id]: 'direct' });
  });

  it('lists groups reached through nested groups with type "indirect"', async () => {
    const user = await createUser(roster);
    const team = await createGroup(roster, { members: [{ value: user.id }] });
    const department = await createGroup(roster, { members: [{ value: team.id }] });
    const company = await createGroup(roster, { members: [{ value: department.id }] });
    expect(await userGroups(roster, user.id)).toEqual({ [team.id]: 'direct', [department.id]: 'indirect', [company.id]: 'indirect' });
  });

  it('reports a group that is both direct and indirect as direct, once', async () => {
    const user = await createUser(roster);
    const team = await createGroup(roster, { members: [{ value: user.id }] });
    const parent = await createGroup(roster, { members: [{ value: team.id }, { value: user.id }] });
    const groups = (await getResource(roster, `/Users/${user.id}`)).groups;
    expect(groups.filter((g: any) => g.value === parent.id)).toHaveLength(1);
    expect(await userGroups(roster, user.id)).toEqual({ [team.id]: 'direct', [parent.id]: 'direct' });
  });

  it('survives a membership cycle between groups', async () => {
    const user = await createUser(roster);
    const a = await createGroup(roster, { members: [{ value: user.id }] });
    const b = await createGroup(roster, { members: [{ value: a.id }] });
    const res = await roster.scim('PATCH', `/Groups/${a.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: b.id }] }],
    });
    expect(res.status).toBeLessThan(500);
    const groups = await userGroups(roster, user.id);
    expect(groups[a.id]).toBe('direct');
    expect(groups[b.id]).toBe('indirect');
  });

  it('gives each user of a list page its own direct and indirect groups, in group creation order', async () => {
    const [ann, bob, cid] = [await createUser(roster), await createUser(roster), await createUser(roster)];
    const red = await createGroup(roster, { members: [{ value: ann.id }] });
    const blue = await createGroup(roster, { members: [{ value: bob.id }, { value: ann.id }] });
    const all = await createGroup(roster, { members: [{ value: red.id }, { value: blue.id }] });
    const top = await createGroup(roster, { members: [{ value: all.id }, { value: bob.id }] });
    const filter = encodeURIComponent([ann, bob, cid].map((u) => `id eq "${u.id}"`).join(' or '));
    const page = await roster.scim('GET', `/Users?filter=${filter}`);
    expectStatus(page, 200);
    const groupsOf = (id: string) => (page.body.Resources.find((u: any) => u.id === id).groups ?? []).map((g: any) => `${g.display}:${g.type}`);
    expect(groupsOf(ann.id)).toEqual([`${red.displayName}:direct`, `${blue.displayName}:direct`, `${all.displayName}:indirect`, `${top.displayName}:indirect`]);
    expect(groupsOf(bob.id)).toEqual([`${blue.displayName}:direct`, `${all.displayName}:indirect`, `${top.displayName}:direct`]);
    expect(groupsOf(cid.id)).toEqual([]);
  });

  it('cannot be written through the user', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster);
    const res = await roster.scim('PUT', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: user.userName, groups: [{ value: group.id }] });
    expectStatus(res, 200);
    expect(await memberIds(roster, group.id)).toEqual([]);
    expect(await userGroups(roster, user.id)).toEqual({});
  });
});

describe('PUT /Groups/{id}', () => {
  it('replaces displayName and the whole member list', async () => {
    const [a, b, c] = [await createUser(roster), await createUser(roster), await createUser(roster)];
    const group = await createGroup(roster, { members: [{ value: a.id }, { value: b.id }] });
    const newName = unique('Renamed ');
    const res = await roster.scim('PUT', `/Groups/${group.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: newName,
      members: [{ value: b.id }, { value: c.id }],
    });
    const replaced = expectResource(res, 200, 'Group');
    expect(replaced.displayName).toBe(newName);
    expect(sorted(replaced.members.map((m: any) => m.value))).toEqual(sorted([b.id, c.id]));
    expect(await memberIds(roster, group.id)).toEqual(sorted([b.id, c.id]));
    expect(await userGroups(roster, a.id)).toEqual({});
    expect(replaced.meta.version).not.toBe(group.meta.version);
  });

  it('empties the group with members: [] and with members omitted', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { members: [{ value: user.id }] });
    expectStatus(await roster.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: group.displayName, members: [] }), 200);
    expect(await memberIds(roster, group.id)).toEqual([]);
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }] }), 204);
    expectStatus(await roster.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: group.displayName }), 200);
    expect(await memberIds(roster, group.id)).toEqual([]);
  });

  it('answers 409 when taking another group\'s displayName', async () => {
    const a = await createGroup(roster);
    const b = await createGroup(roster);
    expectError(await roster.scim('PUT', `/Groups/${b.id}`, { schemas: [GROUP_SCHEMA], displayName: a.displayName.toLowerCase() }), 409, 'uniqueness');
  });

  it('answers 400 invalidValue for a missing member and keeps the old members', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { members: [{ value: user.id }] });
    const res = await roster.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: group.displayName, members: [{ value: 'ghost' }] });
    expectError(res, 400, 'invalidValue');
    expect(await memberIds(roster, group.id)).toEqual([user.id]);
  });

  it('answers 404 for an unknown id', async () => {
    expectError(await roster.scim('PUT', '/Groups/does-not-exist', { schemas: [GROUP_SCHEMA], displayName: unique('nobody ') }), 404);
  });
});

describe('DELETE', () => {
  it('deleting a group answers 204, then 404, and removes it from its members\' groups', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { members: [{ value: user.id }] });
    const res = await roster.scim('DELETE', `/Groups/${group.id}`);
    expectStatus(res, 204);
    expect(res.text).toBe('');
    expectError(await roster.scim('GET', `/Groups/${group.id}`), 404);
    expectError(await roster.scim('DELETE', `/Groups/${group.id}`), 404);
    expect(await userGroups(roster, user.id)).toEqual({});
    expect(await getResource(roster, `/Users/${user.id}`)).toBeDefined();
  });

  it('deleting a user removes it from its groups', async () => {
    const [a, b] = [await createUser(roster), await createUser(roster)];
    const group = await createGroup(roster, { members: [{ value: a.id }, { value: b.id }] });
    expectStatus(await roster.scim('DELETE', `/Users/${a.id}`), 204);
    expect(await memberIds(roster, group.id)).toEqual([b.id]);
    const list = expectList(await roster.scim('GET', `/Groups?filter=${q(`members.value eq "${a.id}"`)}`));
    expect(list).toHaveLength(0);
  });

  it('deleting a nested group removes it from its parent and ends indirect memberships', async () => {
    const user = await createUser(roster);
    const inner = await createGroup(roster, { members: [{ value: user.id }] });
    const outer = await createGroup(roster, { members: [{ value: inner.id }] });
    expect(await userGroups(roster, user.id)).toEqual({ [inner.id]: 'direct', [outer.id]: 'indirect' });
    expectStatus(await roster.scim('DELETE', `/Groups/${inner.id}`), 204);
    expect(await memberIds(roster, outer.id)).toEqual([]);
    expect(await userGroups(roster, user.id)).toEqual({});
  });

  it('frees the displayName for a new group', async () => {
    const group = await createGroup(roster);
    expectStatus(await roster.scim('DELETE', `/Groups/${group.id}`), 204);
    await createGroup(roster, { displayName: group.displayName });
  });
});

describe('GET /Groups', () => {
  it('finds a group by displayName case-insensitively and by member', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { displayName: unique('Finance '), members: [{ value: user.id }] });
    const byName = expectList(await roster.scim('GET', `/Groups?filter=${q(`displayName eq "${group.displayName.toUpperCase()}"`)}`));
    expect(byName.map((g) => g.id)).toEqual([group.id]);
    const byMember = expectList(await roster.scim('GET', `/Groups?filter=${q(`members.value eq "${user.id}"`)}`));
    expect(byMember.map((g) => g.id)).toEqual([group.id]);
    const byMemberPath = expectList(await roster.scim('GET', `/Groups?filter=${q(`members[value eq "${user.id}"]`)}`));
    expect(byMemberPath.map((g) => g.id)).toEqual([group.id]);
  });

  it('leaves members out of every listed group with excludedAttributes=members', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { members: [{ value: user.id }] });
    const list = expectList(await roster.scim('GET', `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${group.displayName}"`)}`));
    expect(list).toHaveLength(1);
    expect(list[0]).not.toHaveProperty('members');
    expect(list[0].displayName).toBe(group.displayName);
  });
});
