// Directory policies over HTTP (issue 3): every switch in both states. A refused request answers 403 with a
// detail naming the setting and changes nothing; administrators acting through the service are not bound by
// what the IdP may do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/directory/passwords.js';
import { startRoster, type Roster } from '../support/roster.js';
import {
  BULK_REQUEST,
  GROUP_SCHEMA,
  USER_SCHEMA,
  createGroup,
  createUser,
  expectError,
  expectList,
  expectResource,
  expectStatus,
  getResource,
  memberIds,
  patch,
  q,
  unique,
  type ScimClient,
} from '../http/helpers.js';
import { OKTA_UA, countRows, newDirectory, userRow, type TestDirectory } from './support.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const PLACEHOLDER = 'Okta-placeholder-7Gq2!xR9';

const oktaUser = (userName = `${unique('okta')}@example.com`, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Jane', familyName: 'Doe' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: 'Jane Doe',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: PLACEHOLDER,
  active: true,
  ...extra,
});

/** Everything an outside observer (or a history reader) could see of a directory. */
async function snapshot(dir: TestDirectory) {
  const directory = await dir.row();
  const users = await dir.scim('GET', '/Users?count=1000');
  const groups = await dir.scim('GET', '/Groups?count=1000');
  return {
    users: expectList(users),
    groups: expectList(groups),
    changes: await countRows(roster.storage, 'changes', directory.id),
    memberships: await countRows(roster.storage, 'memberships', directory.id),
    rows: await countRows(roster.storage, 'users', directory.id),
  };
}

/** A 403 SCIM Error whose detail names the policy setting. */
function expectRefused(res: { status: number; body: any; text: string; headers: Headers }, setting: string) {
  expectError(res, 403);
  expect(res.body.detail, res.text).toMatch(new RegExp(`\\b${setting}\\b`));
}

async function refusedChangesNothing(dir: TestDirectory, setting: string, request: () => ReturnType<ScimClient['scim']>) {
  const before = await snapshot(dir);
  const res = await request();
  expectRefused(res, setting);
  expect(await snapshot(dir)).toEqual(before);
  return res;
}

describe('create', () => {
  it('on: Okta creates users', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ create: 'on' });
    const res = await dir.scim('POST', '/Users', oktaUser(), OKTA_UA);
    expectResource(res, 201, 'User');
  });

  it('off: POST /Users is 403 naming "create" and writes nothing, while lookups still answer', async () => {
    const dir = await newDirectory(roster);
    await createUser(dir);
    await dir.setPolicy({ create: 'off' });
    await refusedChangesNothing(dir, 'create', () => dir.scim('POST', '/Users', oktaUser(), OKTA_UA));
    // Okta's lookup before a create still works (reads are never a policy matter).
    expectList(await dir.scim('GET', `/Users?filter=${q('userName eq "nobody@example.com"')}`, undefined, OKTA_UA));
  });

  it('off: a create inside /Bulk is refused with 403 for that operation only', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ create: 'off' });
    const group = await createGroup(dir);
    const res = await dir.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u1', data: oktaUser() },
        { method: 'PATCH', path: `/Groups/${group.id}`, data: patch({ op: 'replace', path: 'displayName', value: 'Renamed by bulk' }) },
      ],
    });
    expectStatus(res, 200);
    const [create, rename] = res.body.Operations;
    expect(String(create.status)).toBe('403');
    expect(JSON.stringify(create.response)).toMatch(/\bcreate\b/);
    expect(String(rename.status)).toMatch(/^20[04]$/);
    expect((await dir.scim('GET', '/Users')).body.totalResults).toBe(0);
  });

  it('takes effect at once when switched back on', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ create: 'off' });
    expectRefused(await dir.scim('POST', '/Users', oktaUser()), 'create');
    await dir.setPolicy({ create: 'on' });
    expectStatus(await dir.scim('POST', '/Users', oktaUser()), 201);
  });
});

describe('update', () => {
  it('on: PUT and PATCH change attributes', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { displayName: 'Before' });
    const put = await dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, displayName: 'After PUT' });
    expect(expectResource(put, 200, 'User').displayName).toBe('After PUT');
    const patched = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'displayName', value: 'After PATCH' }));
    expect(expectResource(patched, 200, 'User').displayName).toBe('After PATCH');
  });

  it('off: PUT and PATCH of attributes are 403 naming "update" and change nothing', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { displayName: 'Kept', title: 'Engineer' });
    await dir.setPolicy({ update: 'off' });
    const before = await getResource(dir, `/Users/${user.id}`);
    await refusedChangesNothing(dir, 'update', () =>
      dir.scim('PUT', `/Users/${user.id}`, { ...oktaUser(user.userName), displayName: 'Changed' }, OKTA_UA),
    );
    await refusedChangesNothing(dir, 'update', () =>
      dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { title: 'Manager' } })),
    );
    await refusedChangesNothing(dir, 'update', () =>
      dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'name.givenName', value: 'Other' })),
    );
    expect(await getResource(dir, `/Users/${user.id}`)).toEqual(before);
  });

  it('off: a PUT that changes nothing still answers 200 (Okta re-sends whole objects)', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { displayName: 'Same' });
    await dir.setPolicy({ update: 'off' });
    const res = await dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, displayName: 'Same' });
    expect(expectResource(res, 200, 'User').meta.version).toBe(user.meta.version);
  });

  it('off: deactivation is its own switch and still works', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    await dir.setPolicy({ update: 'off' });
    const res = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { active: false } }), OKTA_UA);
    expect(expectResource(res, 200, 'User').active).toBe(false);
  });
});

describe('deactivate', () => {
  const deactivate = (dir: ScimClient, id: string, active: boolean) =>
    dir.scim('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active } }), OKTA_UA);

  it('on: Okta deactivates and reactivates; the user stays', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { active: true });
    expect(expectResource(await deactivate(dir, user.id, false), 200, 'User').active).toBe(false);
    expect((await getResource(dir, `/Users/${user.id}`)).active).toBe(false);
    expect(expectResource(await deactivate(dir, user.id, true), 200, 'User').active).toBe(true);
  });

  it('off: deactivation by PATCH, Entra string booleans and PUT are 403 naming "deactivate"', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { active: true });
    await dir.setPolicy({ deactivate: 'off' });
    await refusedChangesNothing(dir, 'deactivate', () => deactivate(dir, user.id, false));
    await refusedChangesNothing(dir, 'deactivate', () =>
      dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'active', value: 'False' })),
    );
    await refusedChangesNothing(dir, 'deactivate', () =>
      dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, active: false }),
    );
    expect((await getResource(dir, `/Users/${user.id}`)).active).toBe(true);
  });

  it('off: reactivation is refused too', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { active: true });
    expectStatus(await deactivate(dir, user.id, false), 200);
    await dir.setPolicy({ deactivate: 'off' });
    await refusedChangesNothing(dir, 'deactivate', () => deactivate(dir, user.id, true));
    expect((await getResource(dir, `/Users/${user.id}`)).active).toBe(false);
  });

  it('off: a PATCH that both renames and deactivates is refused whole', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { active: true, displayName: 'Whole' });
    await dir.setPolicy({ deactivate: 'off' });
    await refusedChangesNothing(dir, 'deactivate', () =>
      dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { displayName: 'Half', active: false } })),
    );
    expect((await getResource(dir, `/Users/${user.id}`)).displayName).toBe('Whole');
  });

  it('off: updates that leave active as it is still work', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { active: true });
    await dir.setPolicy({ deactivate: 'off' });
    const res = await dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, active: true, title: 'New' });
    expect(expectResource(res, 200, 'User').title).toBe('New');
  });
});

describe('delete', () => {
  it('on: DELETE /Users answers 204 and the user is gone from SCIM', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    expectError(await dir.scim('GET', `/Users/${user.id}`), 404);
  });

  it('off: DELETE /Users is 403 naming "delete" and the user stays, memberships included', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const group = await createGroup(dir, { members: [{ value: user.id }] });
    await dir.setPolicy({ delete: 'off' });
    const before = await getResource(dir, `/Users/${user.id}`);
    await refusedChangesNothing(dir, 'delete', () => dir.scim('DELETE', `/Users/${user.id}`));
    expect(await getResource(dir, `/Users/${user.id}`)).toEqual(before);
    expect(await memberIds(dir, group.id)).toEqual([user.id]);
    expect(await roster.service.users.listDeleted(await dir.adminScope())).toEqual([]);
  });

  it('off: deleting an unknown user is still a 404 or a 403, never a 5xx', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ delete: 'off' });
    const res = await dir.scim('DELETE', '/Users/does-not-exist');
    expect([403, 404]).toContain(res.status);
  });
});

describe('passwordSync', () => {
  it('off: Okta\'s placeholder password is ignored on POST, PUT and PATCH: the hash stays NULL', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ passwordSync: 'off' });
    const created = await dir.scim('POST', '/Users', oktaUser(), OKTA_UA);
    const user = expectResource(created, 201, 'User');
    expect((await userRow(roster.storage, user.id))?.password_hash ?? null).toBeNull();

    const put = await dir.scim('PUT', `/Users/${user.id}`, oktaUser(user.userName, { password: 'Other-placeholder-1!' }), OKTA_UA);
    expectResource(put, 200, 'User');
    const patched = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { password: 'Third-placeholder-2!' } }), OKTA_UA);
    expect(patched.status === 200 || patched.status === 204, patched.text).toBe(true);
    expect((await userRow(roster.storage, user.id))?.password_hash ?? null).toBeNull();
  });

  it('off: an ignored password is no change, so a directory with updates off still accepts Okta\'s PUT', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ passwordSync: 'off' });
    const user = expectResource(await dir.scim('POST', '/Users', oktaUser(), OKTA_UA), 201, 'User');
    await dir.setPolicy({ update: 'off' });
    const put = await dir.scim('PUT', `/Users/${user.id}`, oktaUser(user.userName), OKTA_UA);
    expectResource(put, 200, 'User');
  });

  it('on: the password is stored as an argon2id hash, verifiable, and never returned', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ passwordSync: 'on' });
    const created = await dir.scim('POST', '/Users', oktaUser(), OKTA_UA);
    const user = expectResource(created, 201, 'User');
    expect(created.text).not.toContain(PLACEHOLDER);
    const hash = (await userRow(roster.storage, user.id))?.password_hash;
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash!, PLACEHOLDER)).toBe(true);

    const changed = 'Changed-by-okta-9#';
    const patched = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { password: changed } }), OKTA_UA);
    expect(patched.status === 200 || patched.status === 204, patched.text).toBe(true);
    expect(patched.text).not.toContain(changed);
    const after = (await userRow(roster.storage, user.id))?.password_hash;
    expect(after).toMatch(/^\$argon2id\$/);
    expect(after).not.toBe(hash);
    expect(await verifyPassword(after!, changed)).toBe(true);

    for (const path of [`/Users/${user.id}`, '/Users', `/Users?attributes=password`, `/Users/${user.id}?attributes=password`]) {
      const res = await dir.scim('GET', path);
      expectStatus(res, 200);
      expect(res.text).not.toMatch(/"password"/);
      expect(res.text).not.toContain('$argon2');
    }
  });
});

describe('groupPush', () => {
  it('on: POST, PUT, PATCH and DELETE /Groups work', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const group = await createGroup(dir, { displayName: 'Pushed' });
    const put = await dir.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Pushed 2', members: [{ value: user.id }] });
    expectResource(put, 200, 'Group');
    const patched = await dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', value: { id: group.id, displayName: 'Pushed 3' } }), OKTA_UA);
    expect([200, 204]).toContain(patched.status);
    expect((await getResource(dir, `/Groups/${group.id}`)).displayName).toBe('Pushed 3');
    expectStatus(await dir.scim('DELETE', `/Groups/${group.id}`), 204);
    expectError(await dir.scim('GET', `/Groups/${group.id}`), 404);
  });

  it('off: POST, PUT, PATCH and DELETE /Groups are 403 naming "groupPush" and change nothing; reads still work', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const other = await createUser(dir);
    const group = await createGroup(dir, { displayName: 'Frozen', members: [{ value: user.id }] });
    await dir.setPolicy({ groupPush: 'off' });
    const before = await getResource(dir, `/Groups/${group.id}`);

    await refusedChangesNothing(dir, 'groupPush', () =>
      dir.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'New', members: [] }, OKTA_UA),
    );
    await refusedChangesNothing(dir, 'groupPush', () =>
      dir.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Frozen', members: [{ value: other.id }] }),
    );
    await refusedChangesNothing(dir, 'groupPush', () =>
      dir.scim('PATCH', `/Groups/${group.id}`, patch(
        { op: 'remove', path: `members[value eq "${user.id}"]` },
        { op: 'add', path: 'members', value: [{ value: other.id, display: other.userName }] },
      ), OKTA_UA),
    );
    await refusedChangesNothing(dir, 'groupPush', () =>
      dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', value: { id: group.id, displayName: 'Renamed' } }), OKTA_UA),
    );
    await refusedChangesNothing(dir, 'groupPush', () => dir.scim('DELETE', `/Groups/${group.id}`));

    expect(await getResource(dir, `/Groups/${group.id}`)).toEqual(before);
    expectList(await dir.scim('GET', `/Groups?filter=${q('displayName eq "Frozen"')}`, undefined, OKTA_UA));
  });

  it('off: users can still be created and updated', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ groupPush: 'off' });
    const user = await createUser(dir);
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'x' })), 200);
  });
});

describe('userNameFromEmail', () => {
  const noUserName = (extra: Record<string, unknown> = {}) => ({
    schemas: [USER_SCHEMA],
    name: { givenName: 'No', familyName: 'Name' },
    emails: [
      { value: `${unique('home')}@home.example`, type: 'home' },
      { value: `${unique('work')}@example.com`, type: 'work', primary: true },
    ],
    ...extra,
  });

  it('off: a user without userName is a 400 naming userName, and nothing is created', async () => {
    const dir = await newDirectory(roster);
    const res = await dir.scim('POST', '/Users', noUserName());
    expectError(res, 400);
    expect(res.body.detail).toMatch(/userName/);
    expect((await dir.scim('GET', '/Users')).body.totalResults).toBe(0);
  });

  it('on: a user without userName takes its primary email', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ userNameFromEmail: 'on' });
    const body = noUserName();
    const res = await dir.scim('POST', '/Users', body);
    const user = expectResource(res, 201, 'User');
    expect(user.userName).toBe(body.emails[1].value);
    const found = expectList(await dir.scim('GET', `/Users?filter=${q(`userName eq "${body.emails[1].value}"`)}`));
    expect(found.map((u) => u.id)).toEqual([user.id]);
  });

  it('on: a userName sent is kept', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ userNameFromEmail: 'on' });
    const userName = `${unique('given')}@example.com`;
    const user = expectResource(await dir.scim('POST', '/Users', noUserName({ userName })), 201, 'User');
    expect(user.userName).toBe(userName);
  });

  it('on: a PUT without userName takes the primary email too; a taken email is a 409', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ userNameFromEmail: 'on' });
    const user = await createUser(dir);
    const body = noUserName();
    const put = await dir.scim('PUT', `/Users/${user.id}`, body);
    expect(expectResource(put, 200, 'User').userName).toBe(body.emails[1].value);
    const clash = await dir.scim('POST', '/Users', { ...noUserName(), emails: [{ value: body.emails[1].value.toUpperCase(), primary: true }] });
    expectError(clash, 409, 'uniqueness');
  });

  it('on: without userName and without emails it is still a 400', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ userNameFromEmail: 'on' });
    expectError(await dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], displayName: 'Nobody' }), 400);
  });
});

describe('deletion', () => {
  it('soft (the default): the row stays, hidden and restorable, with its memberships', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    await createGroup(dir, { members: [{ value: user.id }] });
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    expectError(await dir.scim('GET', `/Users/${user.id}`), 404);
    const row = await userRow(roster.storage, user.id);
    expect(row?.deleted_at).toBeTruthy();
    const deleted = await roster.service.users.listDeleted(await dir.adminScope());
    expect(deleted.map((d) => d.id)).toEqual([user.id]);
    expect(await countRows(roster.storage, 'memberships', (await dir.row()).id)).toBe(1);
  });

  it('hard: the row, its emails and memberships are gone at once and it cannot be restored', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ deletion: 'hard' });
    const user = await createUser(dir, { emails: [{ value: 'hard@example.com', type: 'work' }] });
    const group = await createGroup(dir, { members: [{ value: user.id }] });
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    expectError(await dir.scim('GET', `/Users/${user.id}`), 404);
    expect(await userRow(roster.storage, user.id)).toBeUndefined();
    const directoryId = (await dir.row()).id;
    expect(await countRows(roster.storage, 'memberships', directoryId)).toBe(0);
    expect(await countRows(roster.storage, 'user_emails', directoryId)).toBe(0);
    expect(await memberIds(dir, group.id)).toEqual([]);
    expect(await roster.service.users.listDeleted(await dir.adminScope())).toEqual([]);
    await expect(roster.service.users.restore(await dir.adminScope(), user.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('administrators are not bound by IdP policies', () => {
  it('with every IdP operation off, admin calls through the service still create, update, deactivate, delete and push groups', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ create: 'off', update: 'off', deactivate: 'off', delete: 'off', groupPush: 'off' });
    const scope = await dir.adminScope();
    const { users, groups } = roster.service;
    const user = await users.create(scope, { schemas: [USER_SCHEMA], userName: `${unique('admin')}@example.com` });
    const updated = await users.patch(scope, user.id as string, patch({ op: 'replace', path: 'title', value: 'Set by admin' }));
    expect(updated.title).toBe('Set by admin');
    const deactivated = await users.patch(scope, user.id as string, patch({ op: 'replace', path: 'active', value: false }));
    expect(deactivated.active).toBe(false);
    const group = await groups.create(scope, { schemas: [GROUP_SCHEMA], displayName: 'Admin group', members: [{ value: user.id }] });
    await groups.patch(scope, group.id as string, patch({ op: 'replace', path: 'displayName', value: 'Admin group 2' }));
    await groups.delete(scope, group.id as string);
    await users.delete(scope, user.id as string);
    expectError(await dir.scim('GET', `/Users/${user.id}`), 404);
    // ... while the same operations over SCIM are refused.
    expectRefused(await dir.scim('POST', '/Users', oktaUser()), 'create');
    expectRefused(await dir.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'x' }), 'groupPush');
  });
});

describe('policy storage', () => {
  it('policies are per directory: turning create off in one leaves another alone', async () => {
    const a = await newDirectory(roster);
    const b = await newDirectory(roster);
    await a.setPolicy({ create: 'off' });
    expectRefused(await a.scim('POST', '/Users', oktaUser()), 'create');
    expectStatus(await b.scim('POST', '/Users', oktaUser()), 201);
    expect(roster.service.policies.get(await b.row()).create).toBe(true);
  });

  it('policies and declared extensions live side by side in the settings: changing one keeps the other', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ create: 'off' });
    await roster.service.schemas.add(await dir.row(), { id: 'urn:example:params:scim:schemas:extension:side:1.0:User', attributes: [{ name: 'x' }] });
    expect(roster.service.policies.get(await dir.row()).create).toBe(false);
    await dir.setPolicy({ update: 'off' });
    expect(roster.service.schemas.list(await dir.row()).map((d) => d.schema.id)).toEqual(['urn:example:params:scim:schemas:extension:side:1.0:User']);
    expect(roster.service.policies.get(await dir.row())).toMatchObject({ create: false, update: false });
  });

  it('update validates keys and values and leaves the policy as it was on an error', async () => {
    const dir = await newDirectory(roster);
    const before = roster.service.policies.get(await dir.row());
    const bads: Record<string, string>[] = [{ nope: 'on' }, { create: 'maybe' }, { deletion: 'sometimes' }, { retentionDays: '-1' }, { retentionDays: '1.5' }];
    for (const bad of bads) {
      await expect(roster.service.policies.update(await dir.row(), bad)).rejects.toThrow();
    }
    expect(roster.service.policies.get(await dir.row())).toEqual(before);
    const after = await roster.service.policies.update(await dir.row(), { CREATE: 'OFF', deletion: 'hard', retentionDays: '7' });
    expect(after).toMatchObject({ create: false, deletion: 'hard', retentionDays: 7 });
    expect(roster.service.policies.get(await dir.row())).toEqual(after);
  });
});
