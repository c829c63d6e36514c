import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../../src/storage/copy.js';
import { openStorage } from '../../src/storage/database.js';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { startRoster, type Roster } from '../support/roster.js';

// `roster copy` from SQLite to PostgreSQL and back, compared record by record through SCIM and by checksum.

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'roster.js');
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

async function snapshot(roster: Roster) {
  const users = await roster.scim('GET', '/Users?count=1000');
  const groups = await roster.scim('GET', '/Groups?count=1000');
  const strip = (text: string) => JSON.parse(JSON.stringify(text).replaceAll(roster.origin, 'ORIGIN'));
  return { users: strip(users.body.Resources), groups: strip(groups.body.Resources) };
}

describe.skipIf(backend !== 'postgres')('roster copy', () => {
  let sqlite: TestDatabase;
  let postgres: TestDatabase;
  let back: TestDatabase;
  let expected: Awaited<ReturnType<typeof snapshot>>;
  let token: string;

  beforeAll(async () => {
    sqlite = await createTestDatabase('sqlite');
    postgres = await createTestDatabase('postgres');
    back = await createTestDatabase('sqlite');
    const source = await startRoster({ databaseUrl: sqlite.url });
    token = source.token;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const user = await source.scim('POST', '/Users', {
        schemas: [USER, ENTERPRISE],
        userName: `person${i}@example.com`,
        name: { givenName: `Given${i}`, familyName: 'Family' },
        emails: [{ value: `person${i}@example.com`, type: 'work', primary: true }],
        active: i % 3 !== 0,
        password: i === 0 ? 'a synced password' : undefined,
        [ENTERPRISE]: { department: i % 2 ? 'Sales' : 'R&D', employeeNumber: String(1000 + i) },
      });
      expect(user.status).toBe(201);
      ids.push(user.body.id);
    }
    const parent = await source.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'All staff', members: ids.slice(0, 10).map((value) => ({ value })) });
    const child = await source.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: ids.slice(10, 20).map((value) => ({ value })) });
    await source.scim('PATCH', `/Groups/${parent.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: child.body.id, type: 'Group' }] }],
    });
    await source.scim('GET', '/Users/does-not-exist');
    await source.service.tenants.createDirectory('acme');
    expected = await snapshot(source);
    await source.close();
  }, 60_000);

  afterAll(async () => {
    await sqlite?.drop();
    await postgres?.drop();
    await back?.drop();
  });

  it('copies SQLite to PostgreSQL with a verified count and checksum per table', async () => {
    const { stdout } = await run(process.execPath, [bin, 'copy', '--from', sqlite.url, '--to', postgres.url, '--json']);
    const report = JSON.parse(stdout);
    expect(report.verified).toBe(true);
    const rows = Object.fromEntries(report.tables.map((t: { table: string; rows: number }) => [t.table, t.rows]));
    expect(rows).toMatchObject({ directories: 2, users: 30, groups: 2, memberships: 21, user_emails: 30 });

    const [from, to] = [openStorage(sqlite.url), openStorage(postgres.url)];
    expect(await checksums(to)).toEqual(await checksums(from));
    await Promise.all([from.close(), to.close()]);
  });

  it('serves the copied data on PostgreSQL exactly as it was on SQLite, token and password included', async () => {
    const target = await startRoster({ databaseUrl: postgres.url });
    try {
      const copied = await target.scim('GET', '/Users?count=1', undefined, { authorization: `Bearer ${token}` });
      expect(copied.status).toBe(200);
      const now = await snapshot({ ...target, scim: (m, p, b) => target.request(m, `${target.origin}/scim/v2${p}`, b, { authorization: `Bearer ${token}` }) });
      expect(now).toEqual(expected);
      expect(now.users.find((u: { userName: string }) => u.userName === 'person15@example.com').groups).toEqual([
        expect.objectContaining({ display: 'All staff', type: 'indirect' }),
        expect.objectContaining({ display: 'Engineering', type: 'direct' }),
      ]);
      // New rows continue after the copied ones in creation order.
      const created = await target.request('POST', `${target.origin}/scim/v2/Users`, { schemas: [USER], userName: 'after-copy@example.com' }, { authorization: `Bearer ${token}` });
      expect(created.status).toBe(201);
      const last = await target.request('GET', `${target.origin}/scim/v2/Users?startIndex=31&count=1`, undefined, { authorization: `Bearer ${token}` });
      expect(last.body.Resources[0].userName).toBe('after-copy@example.com');
    } finally {
      await target.close();
    }
  });

  it('refuses a non-empty target without --force, and copies back to SQLite with it', async () => {
    const refused = await run(process.execPath, [bin, 'copy', '--from', sqlite.url, '--to', postgres.url]).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already holds data');

    await run(process.execPath, [bin, 'copy', '--from', postgres.url, '--to', back.url, '--json']);
    const again = await run(process.execPath, [bin, 'copy', '--from', postgres.url, '--to', back.url, '--force', '--json']);
    expect(JSON.parse(again.stdout).verified).toBe(true);
    const [pg, lite] = [openStorage(postgres.url), openStorage(back.url)];
    expect(await checksums(lite)).toEqual(await checksums(pg));
    await Promise.all([pg.close(), lite.close()]);
  });
});
