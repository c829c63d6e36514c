// The log writer on its own: batching, the write-failure path, the buffer bound and the retention purge.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LogQueryError, parseSince, parseStatusFilter, retentionDaysFrom } from '../../src/directory/log-query.js';
import { ProvisioningLog, type LogDraft } from '../../src/directory/provisioning-log.js';
import { Roster } from '../../src/directory/roster.js';
import { migrate, openStorage, type Storage } from '../../src/storage/database.js';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';

let database: TestDatabase;
let storage: Storage;
let roster: Roster;
let dirA: string;
let dirB: string;

beforeAll(async () => {
  database = await createTestDatabase();
  storage = openStorage(database.url);
  await migrate(storage);
  roster = new Roster(storage);
  dirA = (await roster.tenants.createDirectory('writer-a')).id;
  dirB = (await roster.tenants.createDirectory('writer-b')).id;
});
afterAll(async () => {
  await storage.close();
  await database.drop();
});

const DAY = 86_400_000;
const draft = (directoryId: string, time: Date, extra: Partial<LogDraft> = {}): LogDraft => ({
  directoryId,
  time,
  method: 'GET',
  path: '/scim/v2/Users',
  operation: 'list',
  summary: 'list users',
  status: 200,
  durationMs: 3.6,
  ...extra,
});
const sink = () => ({ warn: vi.fn(), error: vi.fn() });

describe('ProvisioningLog writer', () => {
  it('queues without writing, then writes on flush', async () => {
    const log = new ProvisioningLog(storage, { batchSize: 1000 });
    log.record(draft(dirA, new Date(), { summary: 'first' }));
    expect((await log.query(dirA)).entries).toEqual([]);
    await log.flush();
    const [entry] = (await log.query(dirA)).entries;
    expect(entry).toMatchObject({ summary: 'first', durationMs: 4, status: 200, client: null });
  });

  it('writes a batch of any size whole (it goes to the database in chunks of 32, 16, 8, 4, 2, 1)', async () => {
    const log = new ProvisioningLog(storage, { batchSize: 1000 });
    const time = new Date();
    for (let i = 0; i < 77; i++) log.record(draft(dirA, time, { summary: `chunked ${i}` }));
    await log.flush();
    const summaries = (await log.query(dirA, { limit: 500 })).entries.map((e) => e.summary).filter((s) => s.startsWith('chunked '));
    expect(summaries.sort()).toEqual(Array.from({ length: 77 }, (_, i) => `chunked ${i}`).sort());
    expect(log.stats.written).toBeGreaterThanOrEqual(77);
  });

  it('writes by itself every flush interval once started, and on close', async () => {
    const log = new ProvisioningLog(storage, { flushIntervalMs: 20 }).start();
    log.record(draft(dirB, new Date(), { summary: 'by timer' }));
    await vi.waitFor(async () => expect((await log.query(dirB, { operation: 'list' })).entries.map((e) => e.summary)).toContain('by timer'));
    log.record(draft(dirB, new Date(), { summary: 'on close' }));
    await log.close();
    expect((await log.query(dirB)).entries.map((e) => e.summary)).toContain('on close');
    log.record(draft(dirB, new Date(), { summary: 'after close' }));
    expect(log.stats.recorded).toBe(2);
  });

  it('starts a write as soon as a batch is full', async () => {
    const log = new ProvisioningLog(storage, { batchSize: 5, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) log.record(draft(dirA, new Date(), { summary: `batch ${i}` }));
    await vi.waitFor(() => expect(log.stats.written).toBe(5));
  });

  it('resolves a name at write time and writes the summary with it', async () => {
    const user = await roster.users.create({ directory: (await roster.tenants.findDirectory('writer-a'))!, base: 'http://x', actor: { kind: 'admin' } }, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'named@example.com',
    });
    const log = new ProvisioningLog(storage);
    log.record(draft(dirA, new Date(), { operation: 'deactivate', resourceType: 'User', resourceId: user.id as string, summary: (name) => `deactivate user ${name}` }));
    log.record(draft(dirA, new Date(), { operation: 'read', resourceType: 'User', resourceId: 'gone', summary: (name) => `read user ${name ?? 'gone'}` }));
    await log.flush();
    const entries = (await log.query(dirA, { user: 'NAMED@example.com' })).entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ summary: 'deactivate user named@example.com', resourceName: 'named@example.com' });
    expect((await log.query(dirA, { user: 'gone' })).entries[0].summary).toBe('read user gone');
  });

  it('finds a renamed user\'s rows by the name it has now, and rows that named a user without an id by that name', async () => {
    const scope = { directory: (await roster.tenants.findDirectory('writer-a'))!, base: 'http://x', actor: { kind: 'admin' as const } };
    const user = await roster.users.create(scope, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'before@example.com' });
    const log = new ProvisioningLog(storage);
    log.record(draft(dirA, new Date(), { operation: 'read', resourceType: 'User', resourceId: user.id as string, resourceName: 'before@example.com', summary: 'read user before@example.com' }));
    log.record(draft(dirA, new Date(), { operation: 'create', resourceType: 'User', resourceName: 'Later@example.com', status: 409, summary: 'create user Later@example.com (exists)' }));
    await log.flush();
    await roster.users.patch(scope, user.id as string, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'userName', value: 'later@example.com' }] });
    const entries = (await log.query(dirA, { user: 'LATER@example.com' })).entries;
    expect(entries.map((e) => e.summary).sort()).toEqual(['create user Later@example.com (exists)', 'read user before@example.com']);
    expect((await log.query(dirA, { user: user.id as string })).entries.map((e) => e.summary)).toEqual(['read user before@example.com']);
  });

  it('finds a deleted user\'s changes by its name, and its reads by its id', async () => {
    const log = new ProvisioningLog(storage);
    const gone = 'a3c1f0e2-0000-7000-8000-000000000001';
    log.record(draft(dirA, new Date(), { operation: 'read', resourceType: 'User', resourceId: gone, resourceName: 'left@example.com', summary: 'read user left@example.com' }));
    log.record(draft(dirA, new Date(), { operation: 'delete', method: 'DELETE', resourceType: 'User', resourceId: gone, resourceName: 'left@example.com', status: 204, summary: 'delete user left@example.com' }));
    await log.flush();
    expect((await log.query(dirA, { user: 'Left@example.com' })).entries.map((e) => e.summary)).toEqual(['delete user left@example.com']);
    expect((await log.query(dirA, { user: gone })).entries.map((e) => e.summary)).toEqual(['delete user left@example.com', 'read user left@example.com']);
  });

  it('pages through a user\'s rows found by id and by name as one list, newest first', async () => {
    const scope = { directory: (await roster.tenants.findDirectory('writer-a'))!, base: 'http://x', actor: { kind: 'admin' as const } };
    const user = await roster.users.create(scope, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'paged@example.com' });
    const log = new ProvisioningLog(storage);
    const at = Date.parse('2026-03-01T10:00:00Z');
    for (let i = 0; i < 8; i++) {
      // Two rows share each millisecond, one found by id and one by name: the page edges fall inside ties.
      const time = new Date(at + Math.floor(i / 2));
      const byId = i % 2 === 0;
      log.record(draft(dirA, time, { operation: byId ? 'update' : 'create', resourceType: 'User', resourceId: byId ? (user.id as string) : undefined, resourceName: 'paged@example.com', summary: `row ${i}` }));
    }
    log.record(draft(dirA, new Date(at), { operation: 'create', resourceType: 'User', resourceName: 'other@example.com', summary: 'someone else' }));
    await log.flush();
    const seen: string[] = [];
    let before: string | undefined;
    do {
      const page = await log.query(dirA, { user: 'Paged@Example.com', limit: 3, before, until: new Date(at + 60_000) });
      seen.push(...page.entries.map((e) => e.summary));
      before = page.next;
    } while (before);
    expect(seen).toHaveLength(8);
    expect([...seen].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `row ${i}`));
    // Newest first: the pairs of one millisecond come after the later ones.
    expect(seen.slice(0, 2).sort()).toEqual(['row 6', 'row 7']);
    expect(seen.slice(6).sort()).toEqual(['row 0', 'row 1']);
  });

  it('drops rows beyond the buffer bound, counting them and warning once', async () => {
    const logger = sink();
    const log = new ProvisioningLog(storage, { maxBuffered: 3, batchSize: 100, logger });
    for (let i = 0; i < 10; i++) log.record(draft(dirA, new Date()));
    expect(log.stats).toMatchObject({ recorded: 3, dropped: 7 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('reports a failed write to the server log and drops the batch, never throwing', async () => {
    const own = await createTestDatabase();
    const ownStorage = openStorage(own.url);
    try {
      await migrate(ownStorage);
      await sql`drop table provisioning_log`.execute(ownStorage.db);
      const logger = sink();
      const log = new ProvisioningLog(ownStorage, { logger });
      log.record(draft(dirA, new Date()));
      log.record(draft(dirA, new Date()));
      await expect(log.flush()).resolves.toBeUndefined();
      expect(logger.error).toHaveBeenCalledTimes(1);
      expect(logger.error.mock.calls[0][1]).toContain('could not write 2 entries');
      expect(log.stats).toMatchObject({ written: 0, failedBatches: 1, dropped: 2 });
      // Later rows are still attempted (and fail again, quietly).
      log.record(draft(dirA, new Date()));
      await log.flush();
      expect(logger.error).toHaveBeenCalledTimes(2);
    } finally {
      await ownStorage.close();
      await own.drop();
    }
  });

  it('a summary function that throws still leaves a row', async () => {
    const log = new ProvisioningLog(storage);
    log.record(draft(dirB, new Date(), { operation: 'other', path: '/scim/v2/Odd', summary: () => { throw new Error('boom'); } }));
    await log.flush();
    expect((await log.query(dirB, { operation: 'other' })).entries[0].summary).toBe('GET /scim/v2/Odd');
  });

  it('keeps very long values short', async () => {
    const log = new ProvisioningLog(storage);
    log.record(draft(dirB, new Date(), { operation: 'long', summary: 's'.repeat(10_000), errorDetail: 'd'.repeat(10_000), path: `/${'p'.repeat(10_000)}`, userAgent: 'u'.repeat(10_000) }));
    await log.flush();
    const [entry] = (await log.query(dirB, { operation: 'long' })).entries;
    expect(entry.summary.length).toBeLessThanOrEqual(500);
    expect(entry.errorDetail!.length).toBeLessThanOrEqual(1000);
    expect(entry.path.length).toBeLessThanOrEqual(2000);
    expect(entry.userAgent!.length).toBeLessThanOrEqual(300);
  });
});

// SQLite: rows waiting when a write commits go into that commit (storage alongCommits), not a commit of their own.
describe.runIf(backend === 'sqlite')('ProvisioningLog rows riding along with writes (SQLite)', () => {
  const scopeOf = async (slug: string) => ({ directory: (await roster.tenants.findDirectory(slug))!, base: 'http://x', actor: { kind: 'admin' as const } });
  const user = (userName: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName });

  it("writes the waiting rows in the next write's commit once eight wait, long before its own flush", async () => {
    const log = new ProvisioningLog(storage, { flushIntervalMs: 3_600_000 }).start();
    try {
      for (let i = 0; i < 7; i++) log.record(draft(dirB, new Date(), { summary: `rode along ${i}` }));
      await roster.users.create(await scopeOf('writer-b'), user('rider@example.com'));
      expect(log.stats.written).toBe(0); // seven: not worth a statement in a write's commit yet
      log.record(draft(dirB, new Date(), { summary: 'rode along 7' }));
      await roster.users.create(await scopeOf('writer-b'), user('rider-1@example.com'));
      expect(log.stats.written).toBe(8);
      const summaries = (await log.query(dirB, { limit: 100 })).entries.map((e) => e.summary);
      for (let i = 0; i < 8; i++) expect(summaries).toContain(`rode along ${i}`);
    } finally {
      await log.close();
    }
  });

  it('does not ride before start: rows wait for a flush', async () => {
    const log = new ProvisioningLog(storage, { flushIntervalMs: 3_600_000 });
    for (let i = 0; i < 8; i++) log.record(draft(dirB, new Date(), { summary: 'not started' }));
    await roster.users.create(await scopeOf('writer-b'), user('rider-2@example.com'));
    expect(log.stats.written).toBe(0);
    await log.flush();
    expect(log.stats.written).toBe(8);
  });

  it('a failed log write is rolled back alone: the write it rode with commits, the rows are counted as dropped', async () => {
    const own = await createTestDatabase();
    const ownStorage = openStorage(own.url);
    try {
      await migrate(ownStorage);
      const ownRoster = new Roster(ownStorage);
      const directory = await ownRoster.tenants.createDirectory('rider-fails');
      await sql`drop table provisioning_log`.execute(ownStorage.db);
      const logger = sink();
      const log = new ProvisioningLog(ownStorage, { logger, flushIntervalMs: 3_600_000 }).start();
      for (let i = 0; i < 8; i++) log.record(draft(directory.id, new Date()));
      const created = await ownRoster.users.create({ directory, base: 'http://x', actor: { kind: 'admin' } }, user('stands@example.com'));
      expect(log.stats).toMatchObject({ written: 0, failedBatches: 1, dropped: 8 });
      expect(logger.error).toHaveBeenCalledTimes(1);
      const stored = await ownStorage.db.selectFrom('users').select('user_name').where('id', '=', created.id as string).execute();
      expect(stored).toEqual([{ user_name: 'stands@example.com' }]);
      await log.close();
    } finally {
      await ownStorage.close();
      await own.drop();
    }
  });
});

describe('retention purge', () => {
  it('deletes rows older than the retention in every directory, and running it twice is harmless', async () => {
    const log = new ProvisioningLog(storage, { retentionDays: 30, batchSize: 10_000 });
    const now = new Date('2030-06-01T00:00:00.000Z');
    for (const dir of [dirA, dirB]) {
      for (let i = 0; i < 12; i++) log.record(draft(dir, new Date(now.getTime() - (25 + i) * DAY - 1), { operation: 'purge-test' }));
    }
    await log.flush();
    // 25..29 days old stay (5 per directory); 30..36 days old go (7 per directory), with the earlier tests' rows.
    expect(await log.purge(now)).toBeGreaterThanOrEqual(14);
    expect(await log.purge(now)).toBe(0);
    for (const dir of [dirA, dirB]) {
      const left = (await log.query(dir, { operation: 'purge-test' })).entries;
      expect(left).toHaveLength(5);
      for (const e of left) expect(now.getTime() - Date.parse(e.time)).toBeLessThan(30 * DAY);
    }
  });

  it('purges a large backlog in chunks', async () => {
    const log = new ProvisioningLog(storage, { retentionDays: 1, batchSize: 1000 });
    const now = new Date('2031-01-01T00:00:00.000Z');
    for (let i = 0; i < 12_000; i++) log.record(draft(dirA, new Date(now.getTime() - 2 * DAY - i), { operation: 'backlog' }));
    await log.flush();
    const purged = await log.purge(now);
    expect(purged).toBeGreaterThanOrEqual(12_000);
    expect((await log.query(dirA, { operation: 'backlog' })).entries).toEqual([]);
  });

  it('two instances purging at once both succeed', async () => {
    const log = new ProvisioningLog(storage, { retentionDays: 1 });
    const now = new Date('2032-01-01T00:00:00.000Z');
    for (let i = 0; i < 50; i++) log.record(draft(dirB, new Date(now.getTime() - 3 * DAY - i), { operation: 'race' }));
    await log.flush();
    const other = new ProvisioningLog(storage, { retentionDays: 1 });
    const [a, b] = await Promise.all([log.purge(now), other.purge(now)]);
    expect(a + b).toBeGreaterThanOrEqual(50);
    expect((await log.query(dirB, { operation: 'race' })).entries).toEqual([]);
  });
});

describe('query parameters', () => {
  it.each([
    ['409', { min: 409, max: 409 }],
    ['4xx', { min: 400, max: 499 }],
    ['5XX', { min: 500, max: 599 }],
    ['error', { min: 400, max: 599 }],
    ['ok', { min: 200, max: 399 }],
    ['400-404', { min: 400, max: 404 }],
  ])('status %s', (text, range) => {
    expect(parseStatusFilter(text)).toEqual(range);
  });
  it.each(['4x', '600', 'abc', '404-400', ''])('rejects status %j', (text) => {
    expect(() => parseStatusFilter(text)).toThrow(LogQueryError);
  });

  const now = new Date('2024-05-10T12:00:00.000Z');
  it.each([
    ['30m', '2024-05-10T11:30:00.000Z'],
    ['1h', '2024-05-10T11:00:00.000Z'],
    ['2d', '2024-05-08T12:00:00.000Z'],
    ['1w', '2024-05-03T12:00:00.000Z'],
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T08:30:00Z', '2024-05-01T08:30:00.000Z'],
    ['2024-05-01T08:30:00+02:00', '2024-05-01T06:30:00.000Z'],
  ])('since %s', (text, iso) => {
    expect(parseSince(text, now).toISOString()).toBe(iso);
  });
  it.each(['yesterday', '1y', '-1h', '2024-13-45', ''])('rejects since %j', (text) => {
    expect(() => parseSince(text, now)).toThrow(LogQueryError);
  });

  it('reads the retention from the environment', () => {
    expect(retentionDaysFrom({})).toBe(30);
    expect(retentionDaysFrom({ ROSTER_LOG_RETENTION_DAYS: '7' })).toBe(7);
    expect(() => retentionDaysFrom({ ROSTER_LOG_RETENTION_DAYS: '0' })).toThrow(/ROSTER_LOG_RETENTION_DAYS/);
    expect(() => retentionDaysFrom({ ROSTER_LOG_RETENTION_DAYS: 'forever' })).toThrow(/ROSTER_LOG_RETENTION_DAYS/);
  });

  it('rejects a forged page cursor', async () => {
    const log = new ProvisioningLog(storage);
    await expect(log.query(dirA, { before: 'not-a-cursor' })).rejects.toThrow(LogQueryError);
  });
});
