import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roster } from '../../src/directory/roster.js';
import { migrate, openStorage } from '../../src/storage/database.js';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { FAST_ENV, fakeTarget, runCli, type FakeTarget } from './support.js';

// The CLI as an operator types it: targets saved and tested, listed without secrets, shown and removed; webhooks
// with their secret shown once; application token scopes. Secrets never reach the database in clear. Commands run
// in this process (the same code, without a second of start-up each), except where a real process matters: a
// secret read from standard input, and the key file a first run generates.

const BIN = join(process.cwd(), 'bin', 'roster.js');
const cli = (args: string[]) => runCli([...args, '--database', database.url]);
const TARGET_TOKEN = 'cli-target-secret-token-0123456789';

let database: TestDatabase;
let target: FakeTarget;

function roster(args: string[], options: { stdin?: string; env?: Record<string, string | undefined>; database?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...FAST_ENV, ...options.env };
    for (const [k, v] of Object.entries(options.env ?? {})) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args, '--database', options.database ?? database.url], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.end(options.stdin ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A migrated database with its default directory, as the first `roster serve` leaves it. */
async function bootstrapped(url: string): Promise<void> {
  const storage = openStorage(url);
  await migrate(storage);
  await new Roster(storage).tenants.bootstrap();
  await storage.close();
}

beforeAll(async () => {
  database = await createTestDatabase();
  await bootstrapped(database.url);
  target = await fakeTarget({ token: TARGET_TOKEN });
});
afterAll(async () => {
  await target?.close();
  await database?.drop();
});

describe('roster target / webhook / token', { timeout: 120_000 }, () => {
  it('adds, tests, lists, shows and removes targets; secrets stay sealed', async () => {
    const added = await roster(['target', 'add', 'mirror', '--url', target.url, '--token', '-', '--preset', 'aws', '--operations', 'create,update,deactivate,groups', '--no-initial-sync', '--json'], { stdin: `${TARGET_TOKEN}\n` });
    expect(added.code).toBe(0);
    const body = JSON.parse(added.stdout);
    expect(body.test).toMatchObject({ ok: true, status: 200 });
    expect(body.target).toMatchObject({ name: 'mirror', preset: 'aws', maxMembersPerPatch: 100, operations: { delete: false, groups: true }, auth: { type: 'bearer', credentialsSet: true } });
    expect(added.stdout).not.toContain(TARGET_TOKEN);
    expect(target.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TARGET_TOKEN}`);

    const wrong = await cli(['target', 'add', 'broken', '--url', target.url, '--token', 'not-the-right-one', '--no-initial-sync']);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toMatch(/test: FAILED: The target refused the credentials \(HTTP 401/);

    const listed = await cli(['target', 'list', '--json']);
    const list = JSON.parse(listed.stdout);
    expect(list.map((t: { name: string }) => t.name)).toEqual(['mirror', 'broken']);
    expect(listed.stdout).not.toContain(TARGET_TOKEN);

    const shown = await cli(['target', 'show', 'mirror']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Target mirror');
    expect(shown.stdout).toMatch(/sends: +create, update, deactivate, groups; people: everyone/);
    expect(shown.stdout).toContain('Nothing waiting.');
    expect(shown.stdout).toMatch(/mapping: +26 attributes \(the aws preset\)/);
    const scheduled = await cli(['target', 'set', 'mirror', '--sync-every', '24h']);
    expect(scheduled.stdout).toMatch(/full sync: +every 1d;/);

    const removed = await cli(['target', 'remove', 'broken', '--json']);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: 'broken' });

    const storage = openStorage(database.url);
    try {
      const rows = JSON.stringify(await storage.db.selectFrom('outbound_endpoints').selectAll().execute());
      expect(rows).not.toContain(TARGET_TOKEN);
      expect(rows).toContain('"v1:');
    } finally {
      await storage.close();
    }
  });

  it('adds webhooks (secret shown once), sends a test event, and makes application tokens', async () => {
    const added = await cli(['webhook', 'add', '--url', `${target.url.replace('/scim/v2', '')}/hook`, '--events', 'user.created,user.deleted', '--json']);
    expect(added.code).toBe(0);
    const { webhook, secret } = JSON.parse(added.stdout);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook.events).toEqual(['user.created', 'user.deleted']);
    const tested = await cli(['webhook', 'test', webhook.id, '--json']);
    // The fake target refuses it (no bearer token on a webhook): reported, and in the delivery log.
    expect(tested.code).toBe(2);
    expect(JSON.parse(tested.stdout)).toMatchObject({ ok: false, status: 401 });
    const hook = target.requests.at(-1)!;
    expect(hook.headers['webhook-signature']).toMatch(/^v1,/);
    expect(hook.body.type).toBe('roster.test');
    const storage = openStorage(database.url);
    try {
      const log = await storage.db.selectFrom('outbound_deliveries').selectAll().where('endpoint_id', '=', webhook.id).execute();
      expect(log).toMatchObject([{ event: 'roster.test', outcome: 'failed', http_status: 401 }]);
    } finally {
      await storage.close();
    }

    const token = await cli(['token', 'create', '--label', 'feed reader', '--scope', 'changes:read', '--json']);
    expect(JSON.parse(token.stdout)).toMatchObject({ scope: 'changes:read', token: expect.stringMatching(/^rst_/) });
  });

  it.skipIf(backend !== 'sqlite')('generates a key file (mode 0600) next to a SQLite database when no key is set, and says so', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'roster-key-'));
    try {
      const url = `sqlite:${join(folder, 'roster.db')}`;
      await bootstrapped(url);
      const env = { ROSTER_SECRET_KEY: undefined, ROSTER_SECRET_KEY_FILE: undefined };
      // Saved, then tested with the credentials opened again: the generated key works.
      const first = await roster(['target', 'add', 'keyed', '--url', target.url, '--token', TARGET_TOKEN, '--no-initial-sync'], { env, database: url });
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('test: OK');
      expect(first.stderr).toContain(`generated the secret key file ${join(folder, 'secret.key')}`);
      expect(statSync(join(folder, 'secret.key')).mode & 0o777).toBe(0o600);
      // Another key cannot open it, and says why.
      const other = await roster(['target', 'test', 'keyed'], { env: { ROSTER_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }, database: url });
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('sealed with another key');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
