import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { spawnRoster, type RosterProcess } from '../support/process.js';

// Two real Roster processes on one PostgreSQL database, started at the same moment: they race to migrate and
// to bootstrap, then every concurrency claim of the PostgreSQL issue is checked across them.

const TOKEN = 'multi-instance-bootstrap-token';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe.skipIf(backend !== 'postgres')('several Roster instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: RosterProcess;
  let b: RosterProcess;

  const call = async (instance: RosterProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${instance.origin}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/scim+json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // Both start on an empty database at once: one migrates and bootstraps, the other waits and finds it done.
    [a, b] = await Promise.all([
      spawnRoster({ databaseUrl: database.url, env: { ROSTER_BOOTSTRAP_TOKEN: TOKEN, ROSTER_DB_POOL_SIZE: '30' } }),
      spawnRoster({ databaseUrl: database.url, env: { ROSTER_BOOTSTRAP_TOKEN: TOKEN, ROSTER_DB_POOL_SIZE: '30' } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it('both instances started, share one default directory and one bootstrap token', async () => {
    expect((await call(a, 'GET', '/Users')).status).toBe(200);
    expect((await call(b, 'GET', '/Users')).status).toBe(200);
    const printed = [a.output(), b.output()].filter((o) => o.includes(`Bearer token:   ${TOKEN}`));
    expect(printed).toHaveLength(1);
  });

  it('keeps all 100 members when two instances each send 50 concurrent one-member PATCHes to one group', async () => {
    const users: string[] = [];
    for (let i = 0; i < 100; i++) {
      const created = await call(i % 2 ? a : b, 'POST', '/Users', { schemas: [USER], userName: `member${i}@example.com` });
      expect(created.status).toBe(201);
      users.push(created.body.id);
    }
    const group = await call(a, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Everyone' });
    const results = await Promise.all(
      users.map((id, i) =>
        call(i < 50 ? a : b, 'PATCH', `/Groups/${group.body.id}`, {
          schemas: [PATCH],
          Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
        }),
      ),
    );
    expect(results.filter((r) => r.status !== 204).map((r) => JSON.stringify(r.body))).toEqual([]);
    const read = await call(b, 'GET', `/Groups/${group.body.id}`);
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual([...users].sort());
  });

  it('gives exactly one 201 and 409s for 20 concurrent creates of one userName', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(i % 2 ? a : b, 'POST', '/Users', { schemas: [USER], userName: 'Race@Example.com' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of results.filter((r) => r.status === 409)) expect(r.body.scimType).toBe('uniqueness');
  });

  it('lets one of several concurrent PUTs with the same If-Match win and answers 412 to the others', async () => {
    const created = await call(a, 'POST', '/Users', { schemas: [USER], userName: 'etag-race@example.com' });
    const etag = created.headers.get('etag')!;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(i % 2 ? a : b, 'PUT', `/Users/${created.body.id}`, { schemas: [USER], userName: 'etag-race@example.com', title: `writer ${i}` }, { 'if-match': etag }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(9);
    const final = await call(b, 'GET', `/Users/${created.body.id}`);
    expect(final.body.title).toBe(winners[0].body.title);
    expect(final.body.meta.version).toBe(winners[0].body.meta.version);
  });

  it('makes a revoked token fail at once on every instance', async () => {
    const run = promisify(execFile);
    const bin = join(process.cwd(), 'bin', 'roster.js');
    const env = { ...process.env, ROSTER_DATABASE_URL: database.url };
    const { stdout } = await run(process.execPath, [bin, 'token', 'create', '--label', 'short-lived', '--json'], { env });
    const { id, token } = JSON.parse(stdout);
    const withToken = (instance: RosterProcess) => fetch(`${instance.origin}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } });
    expect((await withToken(a)).status).toBe(200);
    expect((await withToken(b)).status).toBe(200);
    await run(process.execPath, [bin, 'token', 'revoke', id], { env });
    expect((await withToken(a)).status).toBe(401);
    expect((await withToken(b)).status).toBe(401);
  });
});
