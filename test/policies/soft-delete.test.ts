// Soft deletion (issue 3): DELETE hides a user (404, absent from lists, filters and member lists, userName free)
// but keeps it with its memberships until the directory's retention ends; restore brings it all back; the purge
// removes only users past retention; hard deletion removes at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeDeletedUsers } from '../../src/directory/retention.js';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  SEARCH_REQUEST,
  USER_SCHEMA,
  createGroup,
  createUser,
  expectError,
  expectList,
  expectStatus,
  getResource,
  memberIds,
  patch,
  q,
  unique,
  userGroups,
} from '../http/helpers.js';
import { countRows, idsFor, newDirectory, userRow, type TestDirectory } from './support.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const DAY = 86_400_000;

const richUser = (userName = `${unique('soft')}@example.com`) => ({
  schemas: [USER_SCHEMA, ENTERPRISE],
  userName,
  externalId: unique('ext'),
  name: { givenName: 'Soft', familyName: 'Deleted' },
  displayName: 'Soft Deleted',
  title: 'Archivist',
  emails: [{ value: userName, type: 'work', primary: true }],
  phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
  [ENTERPRISE]: { department: 'Records', employeeNumber: '42' },
});

/** The resource without what a restore is allowed to change (version and lastModified). */
const stable = (user: any) => ({ ...user, meta: { ...user.meta, version: undefined, lastModified: undefined } });

/** A user in an inner group, the inner group in an outer one. */
async function userWithGroups(dir: TestDirectory) {
  const user = await createUser(dir, richUser());
  const inner = await createGroup(dir, { displayName: unique('Inner '), members: [{ value: user.id }] });
  const outer = await createGroup(dir, { displayName: unique('Outer '), members: [{ value: inner.id }] });
  const full = await getResource(dir, `/Users/${user.id}`);
  expect(full.groups.map((g: any) => g.value).sort()).toEqual([inner.id, outer.id].sort());
  return { user: full, inner, outer };
}

describe('while a user is soft-deleted', () => {
  let dir: TestDirectory;
  let user: any;
  let inner: any;
  let outer: any;
  let bystander: any;

  beforeAll(async () => {
    dir = await newDirectory(roster);
    ({ user, inner, outer } = await userWithGroups(dir));
    bystander = await createUser(dir, { title: 'Archivist' });
    await dir.scim('PATCH', `/Groups/${inner.id}`, patch({ op: 'add', path: 'members', value: [{ value: bystander.id }] }));
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
  });

  it('GET, PUT, PATCH and DELETE of it answer 404', async () => {
    expectError(await dir.scim('GET', `/Users/${user.id}`), 404);
    expectError(await dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName }), 404);
    expectError(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'x' })), 404);
    expectError(await dir.scim('DELETE', `/Users/${user.id}`), 404);
  });

  it('it is absent from lists, every filter and .search', async () => {
    const all = expectList(await dir.scim('GET', '/Users?count=1000'));
    expect(all.map((u) => u.id)).toEqual([bystander.id]);
    expect((await dir.scim('GET', '/Users')).body.totalResults).toBe(1);
    for (const filter of [
      `userName eq "${user.userName}"`,
      `id eq "${user.id}"`,
      `externalId eq "${user.externalId}"`,
      `emails[type eq "work"].value eq "${user.userName}"`,
      `emails.value co "${user.userName.split('@')[0]}"`,
      `title eq "Archivist"`,
      `${ENTERPRISE}:department eq "Records"`,
      `groups.value eq "${inner.id}"`,
      `meta.created pr`,
    ]) {
      expect(await idsFor(dir, filter), filter).not.toContain(user.id);
    }
    const search = await dir.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: `userName eq "${user.userName}"` });
    expect(expectList(search)).toEqual([]);
  });

  it('it is absent from its groups\' members and from member filters', async () => {
    expect(await memberIds(dir, inner.id)).toEqual([bystander.id]);
    const listed = expectList(await dir.scim('GET', `/Groups?filter=${q(`displayName eq "${inner.displayName}"`)}`));
    expect(listed[0].members.map((m: any) => m.value)).toEqual([bystander.id]);
    const byMember = expectList(await dir.scim('GET', `/Groups?filter=${q(`members[value eq "${user.id}"]`)}`));
    expect(byMember).toEqual([]);
    const byMemberValue = expectList(await dir.scim('GET', `/Groups?filter=${q(`members.value eq "${user.id}"`)}`));
    expect(byMemberValue).toEqual([]);
  });

  it('it cannot be added to a group', async () => {
    const res = await dir.scim('PATCH', `/Groups/${outer.id}`, patch({ op: 'add', path: 'members', value: [{ value: user.id }] }));
    expectError(res, 400);
  });

  it('it is listed among deleted users with the time of deletion', async () => {
    const deleted = await roster.service.users.listDeleted(await dir.adminScope());
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ id: user.id, userName: user.userName });
    expect(Math.abs(Date.parse(deleted[0].deletedAt) - Date.now())).toBeLessThan(60_000);
  });

  it('its memberships are kept in storage', async () => {
    const rows = await roster.storage.db.selectFrom('memberships').select(['group_id']).where('member_id', '=', user.id).execute();
    expect(rows.map((r) => r.group_id)).toEqual([inner.id]);
  });
});

describe('restore', () => {
  it('brings back the user, every attribute and its direct and nested memberships', async () => {
    const dir = await newDirectory(roster);
    const { user, inner, outer } = await userWithGroups(dir);
    const innerBefore = await getResource(dir, `/Groups/${inner.id}`);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    expect(await memberIds(dir, inner.id)).toEqual([]);

    const restored = await roster.service.users.restore(await dir.adminScope(), user.id);
    expect(stable(restored)).toEqual(stable(user));
    const fetched = await getResource(dir, `/Users/${user.id}`);
    expect(stable(fetched)).toEqual(stable(user));
    expect(await userGroups(dir, user.id)).toEqual({ [inner.id]: 'direct', [outer.id]: 'indirect' });
    expect(await getResource(dir, `/Groups/${inner.id}`)).toMatchObject({ members: innerBefore.members });
    expect(await idsFor(dir, `userName eq "${user.userName}"`)).toEqual([user.id]);
    expect(expectList(await dir.scim('GET', `/Groups?filter=${q(`members[value eq "${user.id}"]`)}`)).map((g) => g.id)).toEqual([inner.id]);
    expect(await roster.service.users.listDeleted(await dir.adminScope())).toEqual([]);
  });

  it('a full-list member replace from the IdP, which cannot see the deleted user, keeps its hidden membership', async () => {
    const dir = await newDirectory(roster);
    const hidden = await createUser(dir);
    const visible = await createUser(dir);
    const newcomer = await createUser(dir);
    const byPatch = await createGroup(dir, { members: [{ value: hidden.id }, { value: visible.id }] });
    const byPut = await createGroup(dir, { members: [{ value: hidden.id }, { value: visible.id }] });
    expectStatus(await dir.scim('DELETE', `/Users/${hidden.id}`), 204);
    // The IdP sends the full list it knows: every visible member, plus one more.
    const list = [{ value: visible.id }, { value: newcomer.id }];
    expectStatus(await dir.scim('PATCH', `/Groups/${byPatch.id}`, patch({ op: 'replace', path: 'members', value: list })), 204);
    expectStatus(await dir.scim('PUT', `/Groups/${byPut.id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: byPut.displayName, members: list }), 200);
    await roster.service.users.restore(await dir.adminScope(), hidden.id);
    expect(await memberIds(dir, byPatch.id)).toEqual([hidden.id, visible.id, newcomer.id].sort());
    expect(await memberIds(dir, byPut.id)).toEqual([hidden.id, visible.id, newcomer.id].sort());
  });

  it('gives the restored user a new version, so an old ETag no longer matches', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    await roster.service.users.restore(await dir.adminScope(), user.id);
    const fetched = await getResource(dir, `/Users/${user.id}`);
    expect(fetched.meta.version).not.toBe(user.meta.version);
  });

  it('a freed userName can be taken by a new user; restoring the old one is then a 409, and works once it is free again', async () => {
    const dir = await newDirectory(roster);
    const userName = `${unique('reuse')}@example.com`;
    const old = await createUser(dir, { userName });
    expectStatus(await dir.scim('DELETE', `/Users/${old.id}`), 204);
    const taken = await dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: userName.toUpperCase() });
    expectStatus(taken, 201);

    await expect(roster.service.users.restore(await dir.adminScope(), old.id)).rejects.toMatchObject({ status: 409 });
    expect(await roster.service.users.listDeleted(await dir.adminScope())).toHaveLength(1);
    expectError(await dir.scim('GET', `/Users/${old.id}`), 404);

    expectStatus(await dir.scim('DELETE', `/Users/${taken.body.id}`), 204);
    const restored = await roster.service.users.restore(await dir.adminScope(), old.id);
    expect(restored.userName).toBe(userName);
  });

  it('a second restore, or a restore of a live or unknown user, is a 404', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const scope = await dir.adminScope();
    await expect(roster.service.users.restore(scope, user.id)).rejects.toMatchObject({ status: 404 });
    await expect(roster.service.users.restore(scope, 'no-such-user')).rejects.toMatchObject({ status: 404 });
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    await roster.service.users.restore(scope, user.id);
    await expect(roster.service.users.restore(scope, user.id)).rejects.toMatchObject({ status: 404 });
  });

  it('restores only in the user\'s own directory', async () => {
    const a = await newDirectory(roster);
    const b = await newDirectory(roster);
    const user = await createUser(a);
    expectStatus(await a.scim('DELETE', `/Users/${user.id}`), 204);
    await expect(roster.service.users.restore(await b.adminScope(), user.id)).rejects.toMatchObject({ status: 404 });
    expect(await roster.service.users.listDeleted(await b.adminScope())).toEqual([]);
  });

  it('history records the deletion and the restore', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    await roster.service.users.restore(await dir.adminScope(), user.id);
    const events = (await roster.service.history.list(await dir.row(), { resourceId: user.id })).map((r) => r.event);
    expect(events).toEqual(['user.created', 'user.deleted', 'user.restored']);
  });
});

describe('retention purge', () => {
  it('purgeExpired removes only users deleted longer ago than retentionDays', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ retentionDays: '10' });
    const live = await createUser(dir);
    const { user: old, inner } = await userWithGroups(dir);
    const recent = await createUser(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${old.id}`), 204);
    expectStatus(await dir.scim('DELETE', `/Users/${recent.id}`), 204);
    // The old one was deleted 20 days ago.
    await roster.storage.db
      .updateTable('users')
      .set({ deleted_at: new Date(Date.now() - 20 * DAY).toISOString() })
      .where('id', '=', old.id)
      .execute();

    const scope = await dir.adminScope();
    expect(await roster.service.users.purgeExpired(scope, new Date())).toBe(1);
    expect(await userRow(roster.storage, old.id)).toBeUndefined();
    const leftover = await roster.storage.db.selectFrom('memberships').select('group_id').where('member_id', '=', old.id).execute();
    expect(leftover).toEqual([]);
    expect(await roster.storage.db.selectFrom('user_emails').select('user_id').where('user_id', '=', old.id).execute()).toEqual([]);
    await expect(roster.service.users.restore(scope, old.id)).rejects.toMatchObject({ status: 404 });

    // The recent one and the live one are untouched; the recent one is still restorable.
    expect((await roster.service.users.listDeleted(scope)).map((d) => d.id)).toEqual([recent.id]);
    expect((await getResource(dir, `/Users/${live.id}`)).id).toBe(live.id);
    expect(await memberIds(dir, inner.id)).toEqual([]);
    expect(await roster.service.users.purgeExpired(scope, new Date(Date.now() + 9 * DAY))).toBe(0);
    expect(await roster.service.users.purgeExpired(scope, new Date(Date.now() + 11 * DAY))).toBe(1);
    expect(await roster.service.users.listDeleted(scope)).toEqual([]);
    // Live users are never purged, however far the clock runs.
    expect(await roster.service.users.purgeExpired(scope, new Date(Date.now() + 10_000 * DAY))).toBe(0);
    expect((await getResource(dir, `/Users/${live.id}`)).id).toBe(live.id);
  });

  it('history records user.purged for each purged user, by the system', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ retentionDays: '1' });
    const users = [await createUser(dir), await createUser(dir)];
    for (const u of users) expectStatus(await dir.scim('DELETE', `/Users/${u.id}`), 204);
    expect(await purgeDeletedUsers(roster.service, new Date(Date.now() + 2 * DAY))).toBeGreaterThanOrEqual(2);
    for (const u of users) {
      const records = await roster.service.history.list(await dir.row(), { resourceId: u.id });
      expect(records.map((r) => r.event)).toEqual(['user.created', 'user.deleted', 'user.purged']);
      expect(records[2].resourceName).toBe(u.userName);
      expect(records[2].actor.kind).toBe('system');
    }
  });

  it('purgeDeletedUsers honours each directory\'s own retention', async () => {
    const short = await newDirectory(roster);
    const long = await newDirectory(roster);
    await short.setPolicy({ retentionDays: '2' });
    await long.setPolicy({ retentionDays: '60' });
    const a = await createUser(short);
    const b = await createUser(long);
    expectStatus(await short.scim('DELETE', `/Users/${a.id}`), 204);
    expectStatus(await long.scim('DELETE', `/Users/${b.id}`), 204);

    await purgeDeletedUsers(roster.service, new Date(Date.now() + 1 * DAY));
    expect(await userRow(roster.storage, a.id)).toBeDefined();
    await purgeDeletedUsers(roster.service, new Date(Date.now() + 3 * DAY));
    expect(await userRow(roster.storage, a.id)).toBeUndefined();
    expect(await userRow(roster.storage, b.id)).toBeDefined();
    expect((await roster.service.users.listDeleted(await long.adminScope())).map((d) => d.id)).toEqual([b.id]);
    await purgeDeletedUsers(roster.service, new Date(Date.now() + 61 * DAY));
    expect(await userRow(roster.storage, b.id)).toBeUndefined();
  });

  it('a restored user is not purged later', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ retentionDays: '1' });
    const user = await createUser(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    await roster.service.users.restore(await dir.adminScope(), user.id);
    expect(await roster.service.users.purgeExpired(await dir.adminScope(), new Date(Date.now() + 5 * DAY))).toBe(0);
    expect((await getResource(dir, `/Users/${user.id}`)).id).toBe(user.id);
  });

  it('purges more users than one batch', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ retentionDays: '0' });
    const scope = await dir.adminScope();
    const ids: string[] = [];
    for (let i = 0; i < 205; i++) {
      const created = await roster.service.users.create(scope, { schemas: [USER_SCHEMA], userName: `bulk-${i}@example.com` });
      ids.push(created.id as string);
    }
    for (const id of ids) await roster.service.users.delete(scope, id);
    expect(await roster.service.users.purgeExpired(scope, new Date(Date.now() + 1000))).toBe(205);
    expect(await countRows(roster.storage, 'users', (await dir.row()).id)).toBe(0);
  }, 120_000);
});

describe('hard deletion mode', () => {
  it('removes the user at once: no row, no memberships, nothing to restore, history says so', async () => {
    const dir = await newDirectory(roster);
    await dir.setPolicy({ deletion: 'hard' });
    const { user, inner, outer } = await userWithGroups(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    expect(await userRow(roster.storage, user.id)).toBeUndefined();
    expect(await roster.storage.db.selectFrom('memberships').select('group_id').where('member_id', '=', user.id).execute()).toEqual([]);
    expect(await memberIds(dir, inner.id)).toEqual([]);
    expect(await memberIds(dir, outer.id)).toEqual([inner.id]);
    const scope = await dir.adminScope();
    expect(await roster.service.users.listDeleted(scope)).toEqual([]);
    await expect(roster.service.users.restore(scope, user.id)).rejects.toMatchObject({ status: 404 });
    const events = (await roster.service.history.list(await dir.row(), { resourceId: user.id })).map((r) => r.event);
    expect(events).toEqual(['user.created', 'user.deleted']);
    // The userName is free at once.
    expectStatus(await dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: user.userName }), 201);
  });

  it('switching to hard mode leaves users soft-deleted earlier restorable', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    await dir.setPolicy({ deletion: 'hard' });
    const restored = await roster.service.users.restore(await dir.adminScope(), user.id);
    expect(restored.id).toBe(user.id);
  });
});
