// Planted secrets: a SCIM token, user passwords, a SCIM target's bearer token and basic-auth password, a webhook's
// signing secret, an administrator's password (and a wrong one tried at the sign-in form), and the key that seals
// secrets at rest. After traffic that exercises each of them, failures included, none may appear in any column of
// any table, in any log line, or in any response body or header the test saw. Hashes and sealed values are what
// may be stored; the one place a secret is meant to travel is the request to the remote system it is for.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admins } from '../../src/console/auth/admins.js';
import { Outbound } from '../../src/outbound/index.js';
import { SecretBox } from '../../src/outbound/secrets.js';
import type { DeliveryWorker } from '../../src/outbound/worker.js';
import { BULK_REQUEST, PATCH_OP, USER_SCHEMA } from '../http/helpers.js';
import { FAST, fakeTarget, waitFor, type FakeTarget } from '../outbound/support.js';
import { startServer, type Server } from './harness.js';

const secret = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`;
const SECRET_KEY = randomBytes(32);
const planted = {
  scimToken: secret('scim-token'),
  readToken: secret('read-token'),
  checkToken: secret('check-token'),
  password: secret('Pw1'),
  newPassword: secret('Pw2'),
  bulkPassword: secret('Pw3'),
  targetToken: secret('target-bearer'),
  targetPassword: secret('target-basic'),
  adminPassword: secret('admin-pass'),
  wrongAdminPassword: secret('admin-wrong'),
};
const basicUser = 'roster-sync';

const logLines: string[] = [];
const seen: string[] = [];
let server: Server;
let worker: DeliveryWorker;
let bearerTarget: FakeTarget;
let basicTarget: FakeTarget;
let hooks: FakeTarget;
let webhookSecret = '';
let sessionCookie = '';

/** fetch, recording the whole answer (status line, every header, body) for the search. */
async function request(path: string, init: RequestInit = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${server.origin}${path}`, { redirect: 'manual', ...init });
  const text = await res.text();
  seen.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}`);
  return { status: res.status, text, headers: res.headers };
}
const json = (token: string, method: string, body?: unknown) => ({
  method,
  headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

beforeAll(async () => {
  const capture = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, capture);
  server = await startServer({ logger: { level: 'trace', stream: capture } });
  const directory = await server.service.tenants.requireDirectory('default');
  await server.service.tenants.createToken(directory, { label: 'planted', token: planted.scimToken });
  await server.service.tenants.createToken(directory, { label: 'feed', scope: 'changes:read', token: planted.readToken });
  await server.service.tenants.createToken(directory, { label: 'check', scope: 'password:check', token: planted.checkToken });
  await new Admins(server.storage).create('ops@example.com', planted.adminPassword);

  // The bearer target refuses every delivery with a 401 that echoes the credentials it got (as careless servers do).
  bearerTarget = await fakeTarget();
  bearerTarget.behave = (r) => ({ status: 401, body: { status: '401', detail: `invalid credentials: ${r.headers.authorization}` } });
  basicTarget = await fakeTarget();
  basicTarget.authorization = `Basic ${Buffer.from(`${basicUser}:${planted.targetPassword}`).toString('base64')}`;
  // The basic-auth target refuses its first request, echoing the decoded credentials, then accepts.
  let refusedOnce = false;
  basicTarget.behave = (r) => {
    if (refusedOnce) return 'pass';
    refusedOnce = true;
    const pair = Buffer.from(String(r.headers.authorization).replace(/^Basic /, ''), 'base64').toString('utf8');
    return { status: 401, body: `no user with the credentials ${pair}` };
  };
  hooks = await fakeTarget();
  hooks.behave = () => ({ status: 500, body: { error: 'webhook receiver down' } });
  const outbound = new Outbound(server.service, {
    settings: FAST,
    secrets: new SecretBox(SECRET_KEY),
    logger: { info: (o, m) => logger.info(o, m), warn: (o, m) => logger.warn(o, m), error: (o, m) => logger.error(o, m) },
  });
  await outbound.targets.add(directory, { name: 'bearer', url: bearerTarget.url, auth: { type: 'bearer', token: planted.targetToken } });
  await outbound.targets.add(directory, { name: 'basic', url: basicTarget.url, auth: { type: 'basic', username: basicUser, password: planted.targetPassword } });
  webhookSecret = (await outbound.webhooks.add(directory, { url: `${hooks.url}/hook`, name: 'hook' })).secret;
  worker = outbound.worker().start();
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await Promise.all([bearerTarget?.close(), basicTarget?.close(), hooks?.close()]);
});

describe('planted secrets', () => {
  it('appear in no table, no log line and no response', async () => {
    const token = planted.scimToken;
    // SCIM writes carrying passwords, successful and refused.
    const created = await request('/scim/v2/Users', json(token, 'POST', { schemas: [USER_SCHEMA], userName: 'planted@example.com', password: planted.password, emails: [{ value: 'planted@example.com' }] }));
    expect(created.status).toBe(201);
    const id = JSON.parse(created.text).id as string;
    expect((await request(`/scim/v2/Users/${id}`, json(token, 'PATCH', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: planted.newPassword }] }))).status).toBe(200);
    expect((await request('/scim/v2/Users', json(token, 'POST', { schemas: [USER_SCHEMA], userName: 'planted@example.com', password: planted.password }))).status).toBe(409);
    expect((await request('/scim/v2/Users', json(token, 'POST', { schemas: [USER_SCHEMA], userName: 'bad-active', password: planted.password, active: 'perhaps' }))).status).toBe(400);
    expect((await request(`/scim/v2/Users/${id}`, json(token, 'PATCH', { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'password', value: planted.password }] }))).status).toBe(400);
    expect((await request(`/scim/v2/Users/${id}`, json(token, 'PUT', { schemas: [USER_SCHEMA], userName: 'planted@example.com', password: [planted.password] }))).status).toBe(400);
    const bulk = await request('/scim/v2/Bulk', json(token, 'POST', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER_SCHEMA], userName: 'bulk-planted@example.com', password: planted.bulkPassword } },
        { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [USER_SCHEMA], userName: 'bulk-planted@example.com', password: planted.bulkPassword } },
      ],
    }));
    expect(bulk.status).toBe(200);
    expect((await request('/scim/v2/Users?filter=' + encodeURIComponent('userName eq "planted@example.com"'), json(token, 'GET'))).status).toBe(200);
    expect((await request('/scim/v2/Users?attributes=password', json(token, 'GET'))).status).toBe(200);
    // Tokens: a wrong one, one off by a character, the right one on a mount it does not belong to, in a query string.
    expect((await request('/scim/v2/Users', json(`${token}x`, 'GET'))).status).toBe(401);
    expect((await request('/d/nowhere/scim/v2/Users', json(token, 'GET'))).status).toBe(401);
    expect((await request(`/scim/v2/Users?access_token=${token}`, { headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` } })).status).toBe(401);
    expect((await request('/api/v1/changes?after=0', json(planted.readToken, 'GET'))).status).toBe(200);
    expect((await request('/api/v1/changes?after=0', json(token, 'GET'))).status).toBe(403);
    // The password check: right, wrong, and with the wrong scope.
    const check = (password: string, as = planted.checkToken) =>
      request('/api/v1/password-check', { method: 'POST', headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'planted@example.com', password }) });
    expect((await check(planted.newPassword)).status).toBe(200);
    expect((await check(planted.password)).status).toBeLessThan(500);
    expect((await check(planted.newPassword, token)).status).toBe(403);
    // The console: a failed and a successful sign-in.
    const form = await request('/admin/login');
    const loginCookie = /roster_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1];
    const loginToken = /name="_login" value="([^"]+)"/.exec(form.text)![1];
    const signIn = (password: string) =>
      request('/admin/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `roster_login=${loginCookie}` },
        body: new URLSearchParams({ email: 'ops@example.com', password, _login: loginToken }).toString(),
      });
    expect((await signIn(planted.wrongAdminPassword)).status).toBe(401);
    const signedIn = await signIn(planted.adminPassword);
    expect(signedIn.status).toBe(303);
    sessionCookie = /roster_session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1];
    expect((await request('/admin/', { headers: { cookie: `roster_session=${sessionCookie}` } })).status).toBeLessThan(500);

    // Deliveries: the bearer target refuses (401), the webhook receiver fails (500), the basic target accepts.
    await waitFor('deliveries to fail and succeed', async () => {
      const failing = bearerTarget.requests.some((r) => r.status === 401) && hooks.requests.length > 0;
      return failing && basicTarget.user('planted@example.com') !== undefined;
    }, 20_000).catch((error) => {
      console.log(JSON.stringify({ bearer: bearerTarget.requests.map((r) => [r.method, r.path, r.status]), basic: basicTarget.requests.map((r) => [r.method, r.path, r.status]), hooks: hooks.requests.length, logs: logLines.filter((l) => /outbound|deliver/i.test(l)).slice(0, 5) }, null, 1));
      throw error;
    });
    // Each remote got its own credentials (so the secrets were really in use).
    expect(bearerTarget.requests[0].headers.authorization).toBe(`Bearer ${planted.targetToken}`);
    expect(hooks.requests[0].headers['webhook-signature']).toMatch(/^v1,/);
    await waitFor('the failures to be recorded', async () => {
      const rows = await server.storage.db.selectFrom('outbound_deliveries').select('outcome').execute();
      return rows.some((r) => r.outcome !== 'delivered');
    });
    const errors = await server.storage.db.selectFrom('outbound_deliveries').select('message').where('outcome', '!=', 'delivered').execute();
    expect(errors.some((e) => e.message?.includes('invalid credentials: [redacted]'))).toBe(true);
    // The metrics page too.
    expect((await request('/metrics')).status).toBe(200);

    const forms = (value: string) => [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)];
    const secrets: [string, string][] = [
      ...Object.entries(planted).flatMap(([name, value]) => forms(value).map((form) => [name, form] as [string, string])),
      ['basic credentials', Buffer.from(`${basicUser}:${planted.targetPassword}`).toString('base64')],
      ['webhook secret', webhookSecret],
      ['webhook key', webhookSecret.replace(/^whsec_/, '')],
      ['sealing key', SECRET_KEY.toString('base64')],
      ['sealing key (hex)', SECRET_KEY.toString('hex')],
    ];
    const inDatabase = await everyTable();
    const logs = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const [name, value] of secrets) {
      for (const [table, text] of inDatabase) if (text.includes(value)) found.push(`${name} in table ${table}`);
      if (logs.includes(value)) found.push(`${name} in the log: ${logLines.find((l) => l.includes(value))!.slice(0, 300)}`);
      // The answers: the session cookie may appear only in its own Set-Cookie; nothing else may appear at all.
      for (const answer of seen) if (answer.includes(value)) found.push(`${name} in a response: ${answer.slice(0, 300)}`);
    }
    // The session cookie (a bearer secret once issued) is stored only as a hash and never logged.
    for (const [table, text] of inDatabase) if (text.includes(sessionCookie)) found.push(`the session cookie in table ${table}`);
    if (logs.includes(sessionCookie)) found.push('the session cookie in the log');
    expect(found).toEqual([]);
    // The search itself works: the hashes and sealed values are there, and a public value is found.
    expect([...inDatabase.values()].some((text) => text.includes('planted@example.com'))).toBe(true);
    expect(inDatabase.size).toBeGreaterThan(15);
  }, 90_000);
});

/** Every row of every table, as JSON text per table. */
async function everyTable(): Promise<Map<string, string>> {
  const { db, dialect } = server.storage;
  const names =
    dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
  const tables = new Map<string, string>();
  for (const name of names) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    tables.set(name, JSON.stringify(rows));
  }
  return tables;
}
