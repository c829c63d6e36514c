// PATCH over HTTP (RFC 7644 section 3.5.2): add, replace, remove on users and groups; all or nothing; errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  PATCH_OP,
  createGroup,
  createUser,
  expectError,
  expectHandled,
  expectResource,
  expectStatus,
  getResource,
  memberIds,
  patch,
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

const richUser = () => ({
  userName: `${unique('patch')}@example.com`,
  name: { givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' },
  displayName: 'Ada Lovelace',
  title: 'Countess',
  active: true,
  emails: [
    { value: 'ada@work.example', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
  phoneNumbers: [{ value: '+44 1', type: 'work' }],
  [ENTERPRISE]: { department: 'Maths', employeeNumber: '1815' },
});

async function patchUser(id: string, ...ops: unknown[]) {
  return roster.scim('PATCH', `/Users/${id}`, patch(...ops));
}

describe('user PATCH', () => {
  it('answers 200 with the resource and a new ETag', async () => {
    const user = await createUser(roster, richUser());
    const res = await patchUser(user.id, { op: 'replace', path: 'displayName', value: 'Augusta Ada King' });
    const body = expectResource(res, 200, 'User');
    expect(body.displayName).toBe('Augusta Ada King');
    expect(body.meta.version).not.toBe(user.meta.version);
    expect(await getResource(roster, `/Users/${user.id}`)).toEqual(body);
  });

  it.each([
    ['replace a simple attribute', { op: 'replace', path: 'title', value: 'Analyst' }, (u: any) => expect(u.title).toBe('Analyst')],
    ['add a simple attribute that was absent', { op: 'add', path: 'nickName', value: 'Ada' }, (u: any) => expect(u.nickName).toBe('Ada')],
    ['add to a single-valued attribute replaces it', { op: 'add', path: 'title', value: 'Engineer' }, (u: any) => expect(u.title).toBe('Engineer')],
    ['replace a sub-attribute', { op: 'replace', path: 'name.familyName', value: 'King' }, (u: any) => expect(u.name).toEqual({ givenName: 'Ada', familyName: 'King', middleName: 'King' })],
    ['remove a sub-attribute', { op: 'remove', path: 'name.middleName' }, (u: any) => expect(u.name).toEqual({ givenName: 'Ada', familyName: 'Lovelace' })],
    ['remove a simple attribute', { op: 'remove', path: 'title' }, (u: any) => expect(u).not.toHaveProperty('title')],
    ['remove a complex attribute', { op: 'remove', path: 'name' }, (u: any) => expect(u).not.toHaveProperty('name')],
    ['remove a whole multi-valued attribute', { op: 'remove', path: 'emails' }, (u: any) => expect(u).not.toHaveProperty('emails')],
    [
      'replace a complex attribute keeps unnamed sub-attributes',
      { op: 'replace', path: 'name', value: { givenName: 'Augusta' } },
      (u: any) => expect(u.name).toEqual({ givenName: 'Augusta', familyName: 'Lovelace', middleName: 'King' }),
    ],
    [
      'add to a complex attribute merges',
      { op: 'add', path: 'name', value: { honorificPrefix: 'Lady' } },
      (u: any) => expect(u.name).toEqual({ givenName: 'Ada', familyName: 'Lovelace', middleName: 'King', honorificPrefix: 'Lady' }),
    ],
    [
      'add to a multi-valued attribute appends',
      { op: 'add', path: 'emails', value: [{ value: 'ada@other.example', type: 'other' }] },
      (u: any) => expect(u.emails.map((e: any) => e.value)).toEqual(['ada@work.example', 'ada@home.example', 'ada@other.example']),
    ],
    [
      'replace a multi-valued attribute replaces the list',
      { op: 'replace', path: 'emails', value: [{ value: 'only@example.com', type: 'work' }] },
      (u: any) => expect(u.emails).toEqual([expect.objectContaining({ value: 'only@example.com', type: 'work' })]),
    ],
    [
      'replace through a value path',
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'countess@work.example' },
      (u: any) =>
        expect(u.emails).toEqual([
          expect.objectContaining({ value: 'countess@work.example', type: 'work', primary: true }),
          expect.objectContaining({ value: 'ada@home.example', type: 'home' }),
        ]),
    ],
    [
      'replace a whole element through a value path',
      { op: 'replace', path: 'emails[type eq "home"]', value: { value: 'new@home.example', type: 'home' } },
      (u: any) => expect(u.emails.map((e: any) => e.value)).toEqual(['ada@work.example', 'new@home.example']),
    ],
    [
      'remove through a value path',
      { op: 'remove', path: 'emails[type eq "home"]' },
      (u: any) => expect(u.emails.map((e: any) => e.value)).toEqual(['ada@work.example']),
    ],
    [
      'remove with a compound value filter',
      { op: 'remove', path: 'emails[type eq "work" and value ew "@work.example"]' },
      (u: any) => expect(u.emails.map((e: any) => e.value)).toEqual(['ada@home.example']),
    ],
    [
      'remove a sub-attribute through a value path',
      { op: 'remove', path: 'emails[type eq "work"].primary' },
      (u: any) => expect(u.emails[0]).not.toHaveProperty('primary'),
    ],
    ['attribute names in paths are case-insensitive', { op: 'replace', path: 'NAME.GIVENNAME', value: 'A.' }, (u: any) => expect(u.name.givenName).toBe('A.')],
    ['op names are case-insensitive', { op: 'REPLACE', path: 'title', value: 'Up' }, (u: any) => expect(u.title).toBe('Up')],
    ['replace active with a real boolean', { op: 'replace', path: 'active', value: false }, (u: any) => expect(u.active).toBe(false)],
    ['replace with a core URN path', { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:displayName', value: 'URN' }, (u: any) => expect(u.displayName).toBe('URN')],
    [
      'replace an enterprise attribute by URN path',
      { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Computing' },
      (u: any) => expect(u[ENTERPRISE]).toEqual({ department: 'Computing', employeeNumber: '1815' }),
    ],
    [
      'remove an enterprise attribute by URN path',
      { op: 'remove', path: `${ENTERPRISE}:department` },
      (u: any) => expect(u[ENTERPRISE]).toEqual({ employeeNumber: '1815' }),
    ],
    [
      'add an enterprise sub-attribute by URN path',
      { op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'boss-id' },
      (u: any) => expect(u[ENTERPRISE].manager.value).toBe('boss-id'),
    ],
    [
      'no-path add merges a value object',
      { op: 'add', value: { nickName: 'Countess', emails: [{ value: 'x@y.example', type: 'other' }] } },
      (u: any) => {
        expect(u.nickName).toBe('Countess');
        expect(u.emails).toHaveLength(3);
        expect(u.displayName).toBe('Ada Lovelace');
      },
    ],
    [
      'no-path replace sets only the named attributes',
      { op: 'replace', value: { displayName: 'Lady Ada', name: { givenName: 'Augusta' } } },
      (u: any) => {
        expect(u.displayName).toBe('Lady Ada');
        expect(u.name.givenName).toBe('Augusta');
        expect(u.name.familyName).toBe('Lovelace');
        expect(u.title).toBe('Countess');
      },
    ],
    [
      'no-path replace with an enterprise extension object',
      { op: 'replace', value: { [ENTERPRISE]: { department: 'Engines' } } },
      (u: any) => expect(u[ENTERPRISE]).toMatchObject({ department: 'Engines', employeeNumber: '1815' }),
    ],
  ])('%s', async (_label, op, check) => {
    const user = await createUser(roster, richUser());
    const res = await patchUser(user.id, op);
    expectStatus(res, 200);
    check(res.body);
    check(await getResource(roster, `/Users/${user.id}`));
  });

  it('applies several operations in order', async () => {
    const user = await createUser(roster, richUser());
    const res = await patchUser(
      user.id,
      { op: 'remove', path: 'emails' },
      { op: 'add', path: 'emails', value: [{ value: 'first@example.com', type: 'work' }] },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'second@example.com' },
      { op: 'replace', path: 'title', value: 'One' },
      { op: 'replace', path: 'title', value: 'Two' },
    );
    expectStatus(res, 200);
    expect(res.body.emails).toEqual([expect.objectContaining({ value: 'second@example.com', type: 'work' })]);
    expect(res.body.title).toBe('Two');
  });

  it('sets a password without ever returning it', async () => {
    const user = await createUser(roster, richUser());
    for (const op of [
      { op: 'replace', path: 'password', value: 'Patch!Pass1' },
      { op: 'replace', value: { password: 'Patch!Pass2' } },
      { op: 'add', path: 'password', value: 'Patch!Pass3' },
    ]) {
      const res = await patchUser(user.id, op);
      expectStatus(res, 200);
      expect(res.text).not.toMatch(/Patch!Pass/);
      expect(res.body).not.toHaveProperty('password');
    }
  });

  it('is all or nothing: a failing later operation undoes the earlier ones', async () => {
    const user = await createUser(roster, richUser());
    const res = await patchUser(
      user.id,
      { op: 'replace', path: 'displayName', value: 'Changed' },
      { op: 'add', path: 'emails', value: [{ value: 'added@example.com' }] },
      { op: 'replace', path: 'active', value: 'notabool' },
    );
    expectError(res, 400, 'invalidValue');
    const after = await getResource(roster, `/Users/${user.id}`);
    expect(after.displayName).toBe('Ada Lovelace');
    expect(after.emails).toHaveLength(2);
    expect(after.meta.version).toBe(user.meta.version);
  });

  it('answers 409 uniqueness when PATCH takes another userName, and changes nothing', async () => {
    const a = await createUser(roster);
    const b = await createUser(roster, { displayName: 'B' });
    const res = await patchUser(b.id, { op: 'replace', path: 'displayName', value: 'B2' }, { op: 'replace', path: 'userName', value: a.userName.toUpperCase() });
    expectError(res, 409, 'uniqueness');
    const after = await getResource(roster, `/Users/${b.id}`);
    expect(after.userName).toBe(b.userName);
    expect(after.displayName).toBe('B');
  });

  it.each([
    ['remove without a path', { op: 'remove' }, 'noTarget'],
    ['a malformed path', { op: 'replace', path: 'emails[type eq "work"', value: 'x' }, 'invalidPath'],
    // RFC 7644 table 9 lists invalidFilter for a PATCH path filter.
    ['a path with a bad value filter', { op: 'replace', path: 'emails[shoeSize eq "1"].value', value: 'x' }, 'invalidFilter'],
    ['replacing the read-only id', { op: 'replace', path: 'id', value: 'new-id' }, 'mutability'],
    ['replacing the read-only meta.created', { op: 'replace', path: 'meta.created', value: '2000-01-01T00:00:00Z' }, 'mutability'],
    ['adding to the read-only groups', { op: 'add', path: 'groups', value: [{ value: 'g' }] }, 'mutability'],
    ['a string for a boolean', { op: 'replace', path: 'active', value: 'yes' }, 'invalidValue'],
    ['a boolean for a string', { op: 'replace', path: 'title', value: true }, 'invalidValue'],
    ['a number for a string', { op: 'replace', path: 'displayName', value: 7 }, 'invalidValue'],
    ['an object for a string', { op: 'replace', path: 'title', value: { a: 1 } }, 'invalidValue'],
    ['removing the required userName', { op: 'remove', path: 'userName' }, undefined],
    ['a no-path replace whose value is not an object', { op: 'replace', value: 'x' }, undefined],
    ['an unknown op', { op: 'move', path: 'title', value: 'x' }, undefined],
    ['add without a value', { op: 'add', path: 'title' }, undefined],
  ])('answers 400 for %s, and changes nothing', async (_label, op, scimType) => {
    const user = await createUser(roster, richUser());
    const res = await patchUser(user.id, op);
    expectError(res, 400, scimType);
    expect((await getResource(roster, `/Users/${user.id}`)).meta.version).toBe(user.meta.version);
  });

  // Unknown attributes are dropped silently in bodies; a PATCH path naming one may be refused (invalidPath) or ignored.
  it.each([
    ['an unknown attribute', 'shoeSize', 42],
    ['an unknown sub-attribute', 'name.shoeSize', 42],
    ['an unknown URN', 'urn:example:nope:2.0:User:badge', 1],
    ['constructor.prototype', 'constructor.prototype', 'x'],
    ['__proto__.polluted', '__proto__.polluted', 'x'],
    ['toString', 'toString', 'x'],
  ])('a PATCH path naming %s is refused with invalidPath or ignored, never stored', async (_label, path, value) => {
    const user = await createUser(roster, richUser());
    const res = await patchUser(user.id, { op: 'replace', path, value }, { op: 'add', path, value });
    if (res.status !== 200) expectError(res, 400, 'invalidPath');
    const after = await getResource(roster, `/Users/${user.id}`);
    const { meta: _m1, ...restAfter } = after;
    const { meta: _m2, ...restBefore } = user;
    expect(restAfter).toEqual(restBefore);
    expect(JSON.stringify(after)).not.toMatch(/shoeSize|badge|polluted/);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('accepts a no-path replace carrying the same id (Okta sends it)', async () => {
    const user = await createUser(roster, richUser());
    const res = await patchUser(user.id, { op: 'replace', value: { id: user.id, displayName: 'Same Id' } });
    expectStatus(res, 200);
    expect(res.body.displayName).toBe('Same Id');
    expect(res.body.id).toBe(user.id);
  });

  it.each([
    ['no body', undefined],
    ['no Operations', { schemas: [PATCH_OP] }],
    ['Operations not an array', { schemas: [PATCH_OP], Operations: { op: 'add' } }],
    ['Operations with null', { schemas: [PATCH_OP], Operations: [null] }],
    ['Operations with a string', { schemas: [PATCH_OP], Operations: ['replace'] }],
    ['op as a number', { schemas: [PATCH_OP], Operations: [{ op: 1, path: 'title', value: 'x' }] }],
    ['path as a number', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 5, value: 'x' }] }],
    ['an empty path', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: '', value: 'x' }] }],
    ['a __proto__ path', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: '__proto__', value: { polluted: true } }] }],
    ['a body that is an array', [{ op: 'replace', path: 'title', value: 'x' }]],
  ])('answers 400 (never 5xx) for %s', async (_label, body) => {
    const user = await createUser(roster, richUser());
    const res = await roster.scim('PATCH', `/Users/${user.id}`, body);
    expectHandled(res, _label);
    expect(res.status).toBe(400);
    const after = await getResource(roster, `/Users/${user.id}`);
    expect(after.meta.version).toBe(user.meta.version);
    expect(JSON.stringify(after)).not.toContain('polluted');
  });

  it('answers 404 for an unknown id', async () => {
    expectError(await patchUser('does-not-exist', { op: 'replace', path: 'title', value: 'x' }), 404);
  });
});

describe('group PATCH', () => {
  it('answers 204 with no body, and GET shows the change', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster);
    const res = await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: user.id }] }));
    expectStatus(res, 204);
    expect(res.text).toBe('');
    expect(await memberIds(roster, group.id)).toEqual([user.id]);
    expect(await userGroups(roster, user.id)).toEqual({ [group.id]: 'direct' });
    const after = await getResource(roster, `/Groups/${group.id}`);
    expect(after.meta.version).not.toBe(group.meta.version);
  });

  it('answers 200 with the resource when attributes is given', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster);
    const res = await roster.scim('PATCH', `/Groups/${group.id}?attributes=members`, patch({ op: 'add', path: 'members', value: [{ value: user.id }] }));
    expectStatus(res, 200);
    expect(res.body.id).toBe(group.id);
    expect(res.body.members.map((m: any) => m.value)).toEqual([user.id]);
    expect(res.body).not.toHaveProperty('displayName');
    const named = await roster.scim('PATCH', `/Groups/${group.id}?attributes=displayName`, patch({ op: 'replace', path: 'displayName', value: `${group.displayName} 2` }));
    expectStatus(named, 200);
    expect(named.body.displayName).toBe(`${group.displayName} 2`);
    expect(named.body).not.toHaveProperty('members');
  });

  it('adding an existing member keeps a single membership', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { members: [{ value: user.id }] });
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: user.id }] })), 204);
    expect(await memberIds(roster, group.id)).toEqual([user.id]);
  });

  it('removes one member with a value filter, keeping the others', async () => {
    const [a, b, c] = [await createUser(roster), await createUser(roster), await createUser(roster)];
    const group = await createGroup(roster, { members: [{ value: a.id }, { value: b.id }, { value: c.id }] });
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'remove', path: `members[value eq "${b.id}"]` })), 204);
    expect(await memberIds(roster, group.id)).toEqual(sorted([a.id, c.id]));
    expect(await userGroups(roster, b.id)).toEqual({});
  });

  it('removes the listed members with a value list', async () => {
    const [a, b, c] = [await createUser(roster), await createUser(roster), await createUser(roster)];
    const group = await createGroup(roster, { members: [{ value: a.id }, { value: b.id }, { value: c.id }] });
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'remove', path: 'members', value: [{ value: a.id }, { value: c.id }] })), 204);
    expect(await memberIds(roster, group.id)).toEqual([b.id]);
  });

  it('removes all members with a bare remove of members', async () => {
    const [a, b] = [await createUser(roster), await createUser(roster)];
    const group = await createGroup(roster, { members: [{ value: a.id }, { value: b.id }] });
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'remove', path: 'members' })), 204);
    expect(await memberIds(roster, group.id)).toEqual([]);
  });

  it('replaces the member list', async () => {
    const [a, b, c] = [await createUser(roster), await createUser(roster), await createUser(roster)];
    const group = await createGroup(roster, { members: [{ value: a.id }, { value: b.id }] });
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: 'members', value: [{ value: c.id }, { value: b.id }] })), 204);
    expect(await memberIds(roster, group.id)).toEqual(sorted([b.id, c.id]));
  });

  it('adds a nested group as a member', async () => {
    const user = await createUser(roster);
    const inner = await createGroup(roster, { members: [{ value: user.id }] });
    const outer = await createGroup(roster);
    expectStatus(await roster.scim('PATCH', `/Groups/${outer.id}`, patch({ op: 'add', path: 'members', value: [{ value: inner.id, type: 'Group' }] })), 204);
    const fetched = await getResource(roster, `/Groups/${outer.id}`);
    expect(fetched.members).toEqual([expect.objectContaining({ value: inner.id, type: 'Group' })]);
    expect(await userGroups(roster, user.id)).toEqual({ [inner.id]: 'direct', [outer.id]: 'indirect' });
  });

  it('is all or nothing: a missing member in one op undoes the others', async () => {
    const [a, b] = [await createUser(roster), await createUser(roster)];
    const group = await createGroup(roster, { members: [{ value: a.id }] });
    const res = await roster.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patch(
        { op: 'replace', path: 'displayName', value: unique('Never ') },
        { op: 'remove', path: `members[value eq "${a.id}"]` },
        { op: 'add', path: 'members', value: [{ value: b.id }, { value: 'ghost-member' }] },
      ),
    );
    expectError(res, 400, 'invalidValue');
    const after = await getResource(roster, `/Groups/${group.id}`);
    expect(after.displayName).toBe(group.displayName);
    expect(await memberIds(roster, group.id)).toEqual([a.id]);
  });

  it('answers 409 when renaming to an existing displayName', async () => {
    const a = await createGroup(roster);
    const b = await createGroup(roster);
    expectError(await roster.scim('PATCH', `/Groups/${b.id}`, patch({ op: 'replace', path: 'displayName', value: a.displayName.toUpperCase() })), 409, 'uniqueness');
  });

  it('makes every concurrent one-member PATCH take effect', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => createUser(roster)));
    const group = await createGroup(roster);
    const answers = await Promise.all(
      users.map((u) => roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] }))),
    );
    for (const res of answers) expectStatus(res, 204);
    expect(await memberIds(roster, group.id)).toEqual(sorted(users.map((u) => u.id)));
    const removals = await Promise.all(
      users.slice(0, 10).map((u) => roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'remove', path: `members[value eq "${u.id}"]` }))),
    );
    for (const res of removals) expectStatus(res, 204);
    expect(await memberIds(roster, group.id)).toEqual(sorted(users.slice(10).map((u) => u.id)));
  });

  it('answers 404 for an unknown group', async () => {
    expectError(await roster.scim('PATCH', '/Groups/does-not-exist', patch({ op: 'replace', path: 'displayName', value: 'x' })), 404);
  });
});
