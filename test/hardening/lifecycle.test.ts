// The server's life as an operator sees it, on the real process: graceful shutdown on SIGTERM (requests in flight
// finish, then exit 0), `roster backup` while it serves under load, `roster restore` (refused while it runs), and
// HTTPS with --tls-cert/--tls-key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Roster as DirectoryService } from '../../src/directory/roster.js';
import { Outbound } from '../../src/outbound/index.js';
import { SecretBox } from '../../src/outbound/secrets.js';
import { migrate, openStorage } from '../../src/storage/database.js';
import { BULK_REQUEST, USER_SCHEMA } from '../http/helpers.js';
import { FAST_ENV, SECRET_KEY, fakeTarget, waitFor } from '../outbound/support.js';
import { backend, createTestDatabase } from '../support/backends.js';
import { TOKEN, call, integrityCheck, roster, startProcess } from './processes.js';

const folder = mkdtempSync(join(tmpdir(), 'roster-lifecycle-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe.skipIf(backend !== 'sqlite')('graceful shutdown on SIGTERM', () => {
  it('finishes the requests in flight, refuses new connections, and exits 0', async () => {
    const database = join(folder, 'shutdown.db');
    const server = await startProcess(database);
    const operations = Array.from({ length: 150 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: { schemas: [USER_SCHEMA], userName: `drain-${i}@example.com` } }));
    const bulk = call(server.baseUrl, 'POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: operations });
    const singles = Array.from({ length: 10 }, (_, i) => call(server.baseUrl, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `single-${i}@example.com` }));
    // SIGTERM once the Bulk request is surely in flight: its first users exist.
    for (let seen = 0; seen === 0; ) {
      seen = (await call(server.baseUrl, 'GET', `/Users?count=0&filter=${encodeURIComponent('userName sw "drain-"')}`)).body.totalResults;
    }
    server.child.kill('SIGTERM');
    const [bulkAnswer, ...singleAnswers] = await Promise.all([bulk, ...singles]);
    const { code } = await server.exited;
    expect(code).toBe(0);
    // The Bulk in flight got its whole answer, not a reset connection or a 503; a single request either was answered
    // or (sent too late) was refused at connect time (status 0) and had no effect.
    expect(bulkAnswer.status).toBe(200);
    expect(bulkAnswer.body.Operations.map((o: { status: string }) => o.status)).toEqual(Array(150).fill('201'));
    for (const answer of singleAnswers) expect([0, 201]).toContain(answer.status);
    const answered = singleAnswers.filter((a) => a.status === 201).length;
    // Nothing listens any more.
    expect((await call(server.baseUrl, 'GET', '/Users')).status).toBe(0);
    expect(integrityCheck(database)).toEqual(['ok']);
    const again = await startProcess(database);
    try {
      expect((await call(again.baseUrl, 'GET', '/Users?count=0')).body.totalResults).toBe(150 + answered);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  }, 60_000);
});

describe('graceful shutdown with a delivery in flight', () => {
  it('SIGTERM lets the claimed delivery finish and record its outcome before the process exits', async () => {
    const target = await fakeTarget();
    target.delayMs = 700; // slow, but within the delivery timeout (1 s in FAST_ENV): the SIGTERM lands while a delivery waits
    const database = await createTestDatabase();
    try {
      const storage = openStorage(database.url);
      await migrate(storage);
      const service = new DirectoryService(storage);
      const { directory } = await service.tenants.bootstrap(TOKEN);
      await new Outbound(service, { secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')) }).targets.add(directory, { name: 'slow', url: target.url, auth: { type: 'none' }, initialSync: false });
      await storage.close();

      const server = await startProcess(join(folder, 'unused.db'), { ...FAST_ENV, ROSTER_DATABASE_URL: database.url });
      expect((await call(server.baseUrl, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'in-flight@example.com' })).status).toBe(201);
      await waitFor('the delivery to reach the target', () => target.requests.some((r) => r.method === 'POST'), 20_000, 5);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      // The target answered the request in flight, and Roster recorded that answer: nothing waits, nothing is sent twice.
      const created = target.requests.filter((r) => r.method === 'POST');
      expect(created).toHaveLength(1);
      expect(created[0].status).toBe(201);
      const check = openStorage(database.url);
      try {
        const endpoint = await check.db.selectFrom('outbound_endpoints').select('cursor_seq').executeTakeFirstOrThrow();
        const latest = await check.db.selectFrom('directory_counters').select('change_seq').where('directory_id', '=', directory.id).executeTakeFirstOrThrow();
        expect(Number(endpoint.cursor_seq)).toBe(Number(latest.change_seq));
        expect(await check.db.selectFrom('outbound_lanes').select('resource_id').execute()).toEqual([]);
        const outcomes = await check.db.selectFrom('outbound_deliveries').select('outcome').execute();
        expect(outcomes.map((o) => o.outcome)).toContain('delivered');
      } finally {
        await check.close();
      }
    } finally {
      await target.close();
      await database.drop();
    }
  }, 60_000);
});

describe.skipIf(backend !== 'sqlite')('roster backup and roster restore', () => {
  it('backs up a consistent copy while the server writes, and restores it exactly', async () => {
    const database = join(folder, 'backup.db');
    const server = await startProcess(database);
    const acked: { userName: string; at: number }[] = [];
    let writing = true;
    const writer = async (w: number) => {
      for (let n = 0; writing; n++) {
        const userName = `load-${w}-${n}@example.com`;
        const res = await call(server.baseUrl, 'POST', '/Users', { schemas: [USER_SCHEMA], userName });
        expect(res.status).toBe(201);
        acked.push({ userName, at: performance.now() });
      }
    };
    const writers = [writer(0), writer(1), writer(2)];
    await new Promise((resolve) => setTimeout(resolve, 700));

    const file = join(folder, 'backup-1.db');
    const startedAt = performance.now();
    const backedUp = await roster(database, 'backup', file, '--json');
    const finishedAt = performance.now();
    expect(backedUp.code, backedUp.stderr).toBe(0);
    const summary = JSON.parse(backedUp.stdout);
    expect(summary).toMatchObject({ file, migrations: expect.arrayContaining(['001-initial']) });
    await new Promise((resolve) => setTimeout(resolve, 300));

    // A backup never overwrites; restore refuses while the server has the database open.
    expect((await roster(database, 'backup', file)).stderr).toContain('already exists');
    const refused = await roster(database, 'restore', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('in use');

    writing = false;
    await Promise.all(writers);
    const total = acked.length;
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);

    const restored = await roster(database, 'restore', file, '--json');
    expect(restored.code, restored.stderr).toBe(0);
    const result = JSON.parse(restored.stdout);
    expect(result.counts.users).toBe(summary.counts.users);
    expect(existsSync(result.previous)).toBe(true);
    expect(integrityCheck(database)).toEqual(['ok']);

    const back = await startProcess(database);
    try {
      const list = await call(back.baseUrl, 'GET', '/Users?count=1000&attributes=userName');
      const names = new Set((list.body.Resources as { userName: string }[]).map((u) => u.userName));
      expect(list.body.totalResults).toBe(summary.counts.users);
      // Everything acknowledged before the backup began is in it; nothing acknowledged after it ended is.
      for (const { userName, at } of acked) {
        if (at < startedAt) expect(names.has(userName), `${userName} (before the backup)`).toBe(true);
        if (at > finishedAt) expect(names.has(userName), `${userName} (after the backup)`).toBe(false);
      }
      expect(total).toBeGreaterThan(summary.counts.users);
      console.log(`[backup] ${summary.counts.users} of ${total} users in a backup taken under load in ${summary.ms} ms; restored in ${result.ms} ms`);
    } finally {
      back.child.kill('SIGTERM');
      await back.exited;
    }
  }, 90_000);

  it('explains what it cannot do', async () => {
    const pg = await roster(join(folder, 'x.db'), 'backup', join(folder, 'pg.db'), '--database', 'postgres://user:secret@127.0.0.1/roster');
    expect(pg.code).toBe(1);
    expect(pg.stderr).toContain('not supported for PostgreSQL yet');
    expect(pg.stderr).not.toContain('secret');
    expect((await roster(join(folder, 'none.db'), 'backup', join(folder, 'b.db'))).stderr).toContain('no database at');
    writeFileSync(join(folder, 'junk.db'), 'not a database at all, just text');
    const junk = await roster(join(folder, 'target.db'), 'restore', join(folder, 'junk.db'));
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/not a (SQLite )?database/);
    expect(existsSync(join(folder, 'target.db'))).toBe(false);
  });
});

describe.skipIf(backend !== 'sqlite')('HTTPS without a proxy', () => {
  it('serves TLS with --tls-cert/--tls-key and prints an https base URL', async () => {
    const cert = join(folder, 'cert.pem');
    const key = join(folder, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const server = await startProcess(join(folder, 'tls.db'), {}, ['--tls-cert', cert, '--tls-key', key]);
    try {
      expect(server.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
      const { status, body, hsts } = await new Promise<{ status: number; body: string; hsts?: string }>((resolve, reject) => {
        const req = httpsRequest(`${server.baseUrl}/Users`, { ca: readFileSync(cert), headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text, hsts: res.headers['strict-transport-security'] as string | undefined }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      expect(JSON.parse(body).totalResults).toBe(0);
      expect(hsts).toMatch(/max-age=/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const missing = await roster(join(folder, 'tls.db'), 'serve', '--tls-cert', cert);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('give both the certificate and the key');
  }, 60_000);
});
