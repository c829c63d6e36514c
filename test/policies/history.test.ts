// The change history (issue 3): exact attribute-level diffs, one event per kind of change, the actor (token,
// recognised client, admin), a gap-free increasing sequence per directory even around failed writes and under
// concurrency, and never a secret: a known password is searched for in every row of every table and in every
// line the server logs.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeRecord } from '../../src/directory/history.js';
import { buildServer } from '../../src/http/server.js';
import { startRoster, type Roster } from '../support/roster.js';
import {
  BULK_REQUEST,
  ENTERPRISE,
  GROUP_SCHEMA,
  USER_SCHEMA,
  createGroup,
  createUser,
  directoryClient,
  expectStatus,
  patch,
  unique,
} from '../http/helpers.js';
import { ENTRA_UA, OKTA_EXT, OKTA_UA, addMembers, allTables, newDirectory, removeMember, tableText, type TestDirectory } from './support.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

async function historyOf(dir: TestDirectory, resourceId?: string): Promise<ChangeRecord[]> {
  return roster.service.history.list(await dir.row(), { ...(resourceId ? { resourceId } : {}), limit: 10_000 });
}
const last = async (dir: TestDirectory, resourceId: string) => (await historyOf(dir, resourceId)).at(-1)!;

function expectGapFree(records: ChangeRecord[]) {
  expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
  for (let i = 1; i < records.length; i++) expect(Date.parse(records[i].time)).toBeGreaterThanOrEqual(Date.parse(records[i - 1].time));
}

describe('exact diffs', () => {
  it('user.created carries the attributes set, and no password', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { displayName: 'Created', title: 'T', password: 'Created-Pw-1!' });
    const records = await historyOf(dir, user.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ event: 'user.created', resourceType: 'User', resourceId: user.id, resourceName: user.userName });
    const changes = records[0].data.changes as Record<string, { before?: unknown; after?: unknown }>;
    expect(changes.userName).toEqual({ after: user.userName });
    expect(changes.displayName).toEqual({ after: 'Created' });
    expect(changes.title).toEqual({ after: 'T' });
    expect(JSON.stringify(records[0])).not.toMatch(/password|Created-Pw/i);
  });

  it('a PUT records before/after of exactly the attributes that changed; extension attributes by URN', async () => {
    const dir = await newDirectory(roster);
    await roster.service.schemas.add(await dir.row(), { id: OKTA_EXT, attributes: [{ name: 'level', type: 'integer' }, { name: 'costCode', type: 'string' }] });
    const userName = `${unique('diff')}@example.com`;
    const base = { schemas: [USER_SCHEMA, ENTERPRISE, OKTA_EXT], userName, title: 'Same' };
    const user = await createUser(dir, {
      ...base,
      displayName: 'Old',
      nickName: 'nick',
      emails: [{ value: 'old@example.com', type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'D1', employeeNumber: '1' },
      [OKTA_EXT]: { level: 1, costCode: 'same' },
    });
    const put = await dir.scim('PUT', `/Users/${user.id}`, {
      ...base,
      displayName: 'New',
      emails: [{ value: 'new@example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+1 555 0101', type: 'mobile' }],
      [ENTERPRISE]: { department: 'D2', employeeNumber: '1', costCenter: 'CC' },
      [OKTA_EXT]: { level: 2, costCode: 'same' },
    });
    expectStatus(put, 200);
    const record = await last(dir, user.id);
    expect(record.event).toBe('user.updated');
    expect(record.data.changes).toEqual({
      displayName: { before: 'Old', after: 'New' },
      nickName: { before: 'nick' },
      emails: { before: [{ value: 'old@example.com', type: 'work', primary: true }], after: [{ value: 'new@example.com', type: 'work', primary: true }] },
      phoneNumbers: { after: [{ value: '+1 555 0101', type: 'mobile' }] },
      [`${ENTERPRISE}:department`]: { before: 'D1', after: 'D2' },
      [`${ENTERPRISE}:costCenter`]: { after: 'CC' },
      [`${OKTA_EXT}:level`]: { before: 1, after: 2 },
    });
  });

  it('a PATCH records the sub-attribute change of a complex attribute and an extension removal', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { name: { givenName: 'Ann', familyName: 'Lee' }, [ENTERPRISE]: { department: 'Gone' } });
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch(
      { op: 'replace', path: 'name.givenName', value: 'Anne' },
      { op: 'remove', path: `${ENTERPRISE}:department` },
    )), 200);
    const record = await last(dir, user.id);
    expect(record.event).toBe('user.updated');
    expect(record.data.changes).toEqual({
      name: { before: { givenName: 'Ann', familyName: 'Lee' }, after: { givenName: 'Anne', familyName: 'Lee' } },
      [`${ENTERPRISE}:department`]: { before: 'Gone' },
    });
  });

  it('a write that changes nothing records nothing', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { displayName: 'Stable' });
    const before = await historyOf(dir);
    expectStatus(await dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, displayName: 'Stable' }), 200);
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'displayName', value: 'Stable' })), 200);
    expect(await historyOf(dir)).toEqual(before);
  });

  it('a password change is recorded as a fact, without the password or its hash', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const secret = `Pw-${randomBytes(8).toString('hex')}`;
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { password: secret } }), OKTA_UA), 200);
    const record = await last(dir, user.id);
    expect(record.event).toBe('user.updated');
    expect(Object.keys(record.data.changes as object)).toEqual(['password']);
    const hash = (await roster.storage.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()).password_hash!;
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(JSON.stringify(record)).not.toContain(hash);
    expect(JSON.stringify(record)).not.toContain('$argon2');
  });
});

describe('events', () => {
  it('deactivate and reactivate are their own events, not updates', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { active: true });
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { active: false } }), OKTA_UA), 200);
    expectStatus(await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'active', value: 'True' }), ENTRA_UA), 200);
    const records = await historyOf(dir, user.id);
    expect(records.map((r) => r.event)).toEqual(['user.created', 'user.deactivated', 'user.reactivated']);
    expect(records[1].data.changes).toEqual({ active: { before: true, after: false } });
    expect(records[2].data.changes).toEqual({ active: { before: false, after: true } });
  });

  it('a PUT that deactivates and changes an attribute records both, each with its own diff', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir, { active: true, title: 'A' });
    expectStatus(await dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, active: false, title: 'B' }), 200);
    const records = (await historyOf(dir, user.id)).slice(1);
    expect(records.map((r) => r.event).sort()).toEqual(['user.deactivated', 'user.updated']);
    expect(records.find((r) => r.event === 'user.updated')!.data.changes).toEqual({ title: { before: 'A', after: 'B' } });
  });

  it('delete and restore', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    expectStatus(await dir.scim('DELETE', `/Users/${user.id}`), 204);
    await roster.service.users.restore(await dir.adminScope(), user.id);
    const records = await historyOf(dir, user.id);
    expect(records.map((r) => r.event)).toEqual(['user.created', 'user.deleted', 'user.restored']);
    expect(records[1].resourceName).toBe(user.userName);
    expect(records[2].actor).toMatchObject({ kind: 'admin', label: 'test' });
  });

  it('members added and removed, one event each with the member; repeats record nothing', async () => {
    const dir = await newDirectory(roster);
    const a = await createUser(dir);
    const b = await createUser(dir);
    const group = await createGroup(dir, { displayName: 'Members' });
    expectStatus(await addMembers(dir, group.id, a.id, b.id), 204);
    expectStatus(await addMembers(dir, group.id, a.id), 204); // already a member: no event
    expectStatus(await removeMember(dir, group.id, a.id), 204);
    expectStatus(await removeMember(dir, group.id, a.id), 204); // no longer a member: no event
    const records = (await historyOf(dir, group.id)).slice(1);
    const summary = records.map((r) => [r.event, (r.data.member as { value: string }).value, (r.data.member as { type: string }).type]);
    expect(summary.slice(0, 2).sort()).toEqual([['group.member_added', a.id, 'User'], ['group.member_added', b.id, 'User']].sort());
    expect(summary.slice(2)).toEqual([['group.member_removed', a.id, 'User']]);
    for (const r of records) expect(r).toMatchObject({ resourceType: 'Group', resourceId: group.id, resourceName: 'Members' });
  });

  it('a full-list replace records only the difference; nested groups are members of type Group', async () => {
    const dir = await newDirectory(roster);
    const a = await createUser(dir);
    const b = await createUser(dir);
    const inner = await createGroup(dir);
    const group = await createGroup(dir, { members: [{ value: a.id }] });
    expectStatus(await dir.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: group.displayName, members: [{ value: b.id }, { value: inner.id }] }), 200);
    const records = (await historyOf(dir, group.id)).slice(2);
    const summary = records.map((r) => `${r.event} ${(r.data.member as { value: string }).value} ${(r.data.member as { type: string }).type}`).sort();
    expect(summary).toEqual([`group.member_added ${b.id} User`, `group.member_added ${inner.id} Group`, `group.member_removed ${a.id} User`].sort());
  });

  it('group created, renamed (with a diff) and deleted', async () => {
    const dir = await newDirectory(roster);
    const user = await createUser(dir);
    const group = await createGroup(dir, { displayName: 'Original', members: [{ value: user.id }] });
    expectStatus(await dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', value: { id: group.id, displayName: 'Renamed' } }), OKTA_UA), 204);
    expectStatus(await dir.scim('DELETE', `/Groups/${group.id}`), 204);
    const records = await historyOf(dir, group.id);
    expect(records.map((r) => r.event)).toEqual(['group.created', 'group.member_added', 'group.updated', 'group.deleted']);
    expect(records[0].data.changes).toMatchObject({ displayName: { after: 'Original' } });
    expect(records[2].data.changes).toEqual({ displayName: { before: 'Original', after: 'Renamed' } });
    expect(records[3].resourceName).toBe('Renamed');
  });
});

describe('actor', () => {
  it('the SCIM token (id and label) and the client recognised from the User-Agent', async () => {
    const dir = await newDirectory(roster);
    const { info, token } = await roster.service.tenants.createToken(await dir.row(), { label: 'Provisioning 7' });
    const client = directoryClient(dir.baseUrl, token);
    const started = Date.now();
    const okta = await client.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('okta')}@example.com` }, OKTA_UA);
    const entra = await client.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('entra')}@example.com` }, ENTRA_UA);
    const plain = await client.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('plain')}@example.com` }, { 'user-agent': 'curl/8.5.0' });
    const ended = Date.now();
    expect((await last(dir, okta.body.id)).actor).toEqual({ kind: 'scim', id: info.id, label: 'Provisioning 7', client: 'okta' });
    expect((await last(dir, entra.body.id)).actor).toEqual({ kind: 'scim', id: info.id, label: 'Provisioning 7', client: 'entra' });
    expect((await last(dir, plain.body.id)).actor).toEqual({ kind: 'scim', id: info.id, label: 'Provisioning 7' });
    const time = Date.parse((await last(dir, okta.body.id)).time);
    expect(time).toBeGreaterThanOrEqual(started - 1000);
    expect(time).toBeLessThanOrEqual(ended + 1000);
  });

  it('the client from a token label that names the IdP', async () => {
    const dir = await newDirectory(roster);
    const { token } = await roster.service.tenants.createToken(await dir.row(), { label: 'Okta production' });
    const res = await directoryClient(dir.baseUrl, token).scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('l')}@example.com` }, { 'user-agent': 'curl/8.5.0' });
    expect((await last(dir, res.body.id)).actor).toMatchObject({ kind: 'scim', label: 'Okta production', client: 'okta' });
  });

  it('operations inside /Bulk carry the token and the client of the Bulk request', async () => {
    const dir = await newDirectory(roster);
    const bulk = await dir.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'b1', data: { schemas: [USER_SCHEMA], userName: `${unique('bulk')}@example.com` } }],
    }, OKTA_UA);
    expectStatus(bulk, 200);
    const id = String(bulk.body.Operations[0].location).split('/').pop()!;
    expect((await last(dir, id)).actor).toMatchObject({ kind: 'scim', label: 'test', client: 'okta' });
  });

  it('a peer Roster named in X-Roster-Origin is recorded as the origin', async () => {
    const dir = await newDirectory(roster);
    const res = await dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('peer')}@example.com` }, { 'x-roster-origin': 'roster-eu-1' });
    expect((await last(dir, res.body.id)).actor).toMatchObject({ kind: 'scim', label: 'test', origin: 'roster-eu-1' });
  });

  it('an administrator through the service', async () => {
    const dir = await newDirectory(roster);
    const user = await roster.service.users.create(await dir.adminScope(), { schemas: [USER_SCHEMA], userName: `${unique('adm')}@example.com` });
    expect((await last(dir, user.id as string)).actor).toEqual({ kind: 'admin', label: 'test' });
  });
});

describe('sequence', () => {
  it('is gap-free and increasing, also around rejected and failed writes', async () => {
    const dir = await newDirectory(roster);
    const a = await createUser(dir);
    const group = await createGroup(dir);
    const count = async () => (await historyOf(dir)).length;
    const before = await count();
    const failures = [
      () => dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: a.userName.toUpperCase() }), // 409
      () => dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'x@example.com', active: 'maybe' }), // 400
      () => dir.scim('PATCH', `/Users/${a.id}`, patch({ op: 'replace', path: 'title', value: 'ok' }, { op: 'frobnicate', path: 'title' })), // 400, all or nothing
      () => dir.scim('PATCH', `/Users/${a.id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': 'W/"999"' }), // 412
      () => dir.scim('PATCH', '/Users/does-not-exist', patch({ op: 'replace', path: 'title', value: 'x' })), // 404
      () => dir.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }, { value: 'no-such-member' }] })), // 400
      () => dir.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: group.displayName }), // 409
    ];
    for (const fail of failures) {
      const res = await fail();
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    }
    expect(await count()).toBe(before);

    // A policy refusal, and a Bulk request whose second operation fails.
    await dir.setPolicy({ create: 'off' });
    expect((await dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'refused@example.com' })).status).toBe(403);
    await dir.setPolicy({ create: 'on' });
    const bulk = await dir.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'ok', data: { schemas: [USER_SCHEMA], userName: `${unique('bulk')}@example.com` } },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: { schemas: [USER_SCHEMA], userName: a.userName } },
        { method: 'POST', path: '/Users', bulkId: 'never', data: { schemas: [USER_SCHEMA], userName: `${unique('never')}@example.com` } },
      ],
    });
    expectStatus(bulk, 200);
    expect(await count()).toBe(before + 1);

    const b = await createUser(dir);
    const records = await historyOf(dir);
    expectGapFree(records);
    expect(records.at(-1)).toMatchObject({ event: 'user.created', resourceId: b.id, seq: before + 2 });
  });

  it('stays gap-free and unique under concurrent writes, some of which fail', async () => {
    const dir = await newDirectory(roster);
    const group = await createGroup(dir);
    const taken = await createUser(dir);
    const writes = Array.from({ length: 24 }, (_, i) =>
      i % 4 === 3
        ? dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: taken.userName }) // 409
        : dir.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('c')}@example.com` }).then(async (res) => {
            if (res.status === 201) await addMembers(dir, group.id, res.body.id);
            return res;
          }),
    );
    const results = await Promise.all(writes);
    expect(results.filter((r) => r.status === 201)).toHaveLength(18);
    const records = await historyOf(dir);
    expectGapFree(records);
    expect(records.filter((r) => r.event === 'user.created')).toHaveLength(19);
    expect(records.filter((r) => r.event === 'group.member_added')).toHaveLength(18);
  });

  it('is per directory, and pages with afterSeq', async () => {
    const a = await newDirectory(roster);
    const b = await newDirectory(roster);
    for (let i = 0; i < 3; i++) await createUser(a);
    await createUser(b);
    expect((await historyOf(a)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await historyOf(b)).map((r) => r.seq)).toEqual([1]);
    const after = await roster.service.history.list(await a.row(), { afterSeq: 1 });
    expect(after.map((r) => r.seq)).toEqual([2, 3]);
    const newest = await roster.service.history.list(await a.row(), { newestFirst: true, limit: 1 });
    expect(newest.map((r) => r.seq)).toEqual([3]);
  });
});

describe('free of secrets', () => {
  it('a writeOnly (returned: never) extension attribute is recorded as a fact, never its value', async () => {
    const dir = await newDirectory(roster);
    const ext = 'urn:example:params:scim:schemas:extension:door:1.0:User';
    await roster.service.schemas.add(await dir.row(), { id: ext, attributes: [{ name: 'pin', type: 'string', mutability: 'writeOnly', returned: 'never' }] });
    const created = await dir.scim('POST', '/Users', { schemas: [USER_SCHEMA, ext], userName: `${unique('pin')}@example.com`, [ext]: { pin: 'PIN-40417' } });
    expectStatus(created, 201);
    expect(created.text).not.toContain('PIN-40417');
    expectStatus(await dir.scim('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: `${ext}:pin`, value: 'PIN-51528' })), 200);
    const records = await historyOf(dir, created.body.id);
    expect(records.map((r) => r.event)).toEqual(['user.created', 'user.updated']);
    expect(JSON.stringify(records)).not.toMatch(/PIN-40417|PIN-51528/);
  });
  it('a known password sent by POST, PATCH, PUT and Bulk (also in rejected requests) is in no row of any table and no log line', async () => {
    const dir = await newDirectory(roster, 'sec');
    const lines: string[] = [];
    const app = buildServer({
      roster: roster.service,
      logger: { level: 'trace', stream: { write: (line: string) => void lines.push(line) } },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const client = directoryClient(`http://127.0.0.1:${port}/d/${dir.slug}/scim/v2`, dir.token);

    const secret = `Kn0wn${randomBytes(9).toString('hex')}`;
    const pw = (n: number) => `${secret}-${n}`;
    const userName = `${unique('secret')}@example.com`;
    let id = '';
    try {
      const created = await client.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, password: pw(1), active: true }, OKTA_UA);
      expectStatus(created, 201);
      id = created.body.id;
      expectStatus(await client.scim('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { password: pw(2) } }), OKTA_UA), 200);
      expectStatus(await client.scim('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'password', value: pw(3) }), ENTRA_UA), 200);
      expectStatus(await client.scim('PUT', `/Users/${id}`, { schemas: [USER_SCHEMA], userName, password: pw(4), displayName: 'Changed' }), 200);
      const bulk = await client.scim('POST', '/Bulk', {
        schemas: [BULK_REQUEST],
        Operations: [{ method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [USER_SCHEMA], userName: `${unique('bulk')}@example.com`, password: pw(5) } }],
      });
      expectStatus(bulk, 200);
      // Rejected requests carrying a password: a duplicate, a wrong type elsewhere, a password of the wrong shape.
      expect((await client.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, password: pw(6) })).status).toBe(409);
      expect((await client.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'other@example.com', password: pw(7), active: 'maybe' })).status).toBe(400);
      expect((await client.scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'password', value: [pw(8)] }))).status).toBe(400);
      expect((await client.scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'password', value: { value: pw(9) } }))).status).toBe(400);
      expect((await client.scim('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { password: pw(10), active: 'maybe' } }))).status).toBe(400);
      await app.provisioningLog.flush();
      await roster.app.provisioningLog.flush();
    } finally {
      await app.close();
    }

    // The searches can fail: the data is there, only hashed.
    const hash = (await roster.storage.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).toContain(`/d/${dir.slug}/scim/v2/Users`);

    const tables = await allTables(roster.storage);
    expect(tables).toEqual(expect.arrayContaining(['users', 'changes', 'tokens', 'directories']));
    let scanned = 0;
    for (const table of tables) {
      const text = await tableText(roster.storage, table);
      scanned += text.length;
      expect(text, `table ${table} holds the password`).not.toContain(secret);
      expect(text, `table ${table} holds the bearer token`).not.toContain(dir.token);
      if (table !== 'users') expect(text, `table ${table} holds the password hash`).not.toContain(hash!);
    }
    expect(scanned).toBeGreaterThan(0);
    const changes = await tableText(roster.storage, 'changes');
    expect(changes).toContain(id);
    for (const [i, line] of lines.entries()) {
      expect(line, `log line ${i}`).not.toContain(secret);
      expect(line, `log line ${i}`).not.toContain(dir.token);
      expect(line, `log line ${i}`).not.toContain('$argon2');
    }
  });
});
