// Rate limits per token, per client address and per directory, and throttling of failed authentication, each
// proved with small limits: 429 with a SCIM Error body and an integer Retry-After, nothing written by a refused
// request, other tokens and tenants unaffected, and the limit lifted once Retry-After has passed. Buckets refill
// very slowly (0.01/s) where a test counts requests, so a slow machine cannot refill them mid-test.
import { afterEach, describe, expect, it } from 'vitest';
import { USER_SCHEMA, BULK_REQUEST, directoryClient, expectError, expectStatus, unique, type ScimResponse } from '../http/helpers.js';
import { startServer, type Server } from './harness.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const off = { token: null, address: null, directory: null, authFailures: null };

function expectTooMany(res: ScimResponse, context = ''): number {
  expectError(res, 429);
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter, `${context}: Retry-After`).toMatch(/^[1-9]\d*$/);
  expect(res.body.detail).toMatch(/retry after \d+ seconds/);
  return Number(retryAfter);
}

async function burst(n: number, send: () => Promise<ScimResponse>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await send()).status);
  return statuses;
}

describe('per token', () => {
  it('allows the burst, then answers 429 with Retry-After; another token is not affected', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, token: { perSecond: 0.01, burst: 5 } } } });
    const statuses = await burst(5, () => server!.scim('GET', '/Users'));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const seconds = expectTooMany(await server.scim('GET', '/Users'), 'sixth request');
    expect(seconds).toBeGreaterThan(60);
    expect(seconds).toBeLessThanOrEqual(100);

    // A refused write writes nothing.
    const userName = unique('limited');
    expectTooMany(await server.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName }));
    const other = await server.service.tenants.createToken(await server.service.tenants.requireDirectory('default'), { label: 'second' });
    const client = directoryClient(server.baseUrl, other.token);
    const search = await client.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expectStatus(search, 200);
    expect(search.body.totalResults).toBe(0);
  });

  it('lifts once Retry-After has passed', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, token: { perSecond: 2, burst: 1 } } } });
    let refused: ScimResponse | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const res = await server.scim('GET', '/Users');
      if (res.status === 429) refused = res;
    }
    expect(refused, 'no 429 in 20 requests').toBeDefined();
    const seconds = expectTooMany(refused!);
    expect(seconds).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 50));
    expectStatus(await server.scim('GET', '/Users'), 200);
  });

  it('a Bulk request costs one per operation, and a refused Bulk runs none of them', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, token: { perSecond: 0.01, burst: 10 } } } });
    const operations = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: { schemas: [USER_SCHEMA], userName: `${tag}-${i}` } }));
    const first = await server.scim('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: operations(8, 'first') });
    expectStatus(first, 200);
    expect(first.body.Operations.map((o: { status: string }) => o.status)).toEqual(Array(8).fill('201'));
    const second = await server.scim('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: operations(5, 'second') });
    expectTooMany(second, 'bulk beyond the budget');
    const count = await server.service.storage.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(8);
  });
});

describe('per client address', () => {
  it('limits every request from one address whatever the token, except /healthz, /readyz and /metrics', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, address: { perSecond: 0.01, burst: 4 } } } });
    const second = await server.service.tenants.createToken(await server.service.tenants.requireDirectory('default'), { label: 'second' });
    const other = directoryClient(server.baseUrl, second.token);
    expect(await burst(2, () => server!.scim('GET', '/Users'))).toEqual([200, 200]);
    expect(await burst(2, () => other.scim('GET', '/Groups'))).toEqual([200, 200]);
    expectTooMany(await other.scim('GET', '/Users'), 'fifth request');
    expectTooMany(await server.scim('GET', '/Nothing/here'), 'unknown route');
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await server.get(path)).status, path).toBe(200);
  });

  it('behind a trusted proxy, the address is the client in X-Forwarded-For', async () => {
    server = await startServer({ trustProxy: ['127.0.0.1'], operations: { rateLimits: { ...off, address: { perSecond: 0.01, burst: 2 } } } });
    const from = (ip: string) => server!.scim('GET', '/Users', undefined, { 'x-forwarded-for': ip });
    expect(await burst(2, () => from('203.0.113.7'))).toEqual([200, 200]);
    expectTooMany(await from('203.0.113.7'));
    expect((await from('198.51.100.9')).status).toBe(200);
  });

  it('without trustProxy, X-Forwarded-For cannot be used to dodge the limit', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, address: { perSecond: 0.01, burst: 2 } } } });
    const statuses = await burst(3, async () => server!.scim('GET', '/Users', undefined, { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}` }));
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('per directory', () => {
  it('one tenant using up its share does not slow another; requests without a valid token use none of it', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, directory: { perSecond: 0.01, burst: 4 } } } });
    const acmeDirectory = await server.service.tenants.createDirectory('acme');
    const acmeTokens = [
      (await server.service.tenants.createToken(acmeDirectory, { label: 'one' })).token,
      (await server.service.tenants.createToken(acmeDirectory, { label: 'two' })).token,
    ];
    const acme = acmeTokens.map((token) => directoryClient(`${server!.origin}/d/acme/scim/v2`, token));
    // Forty requests with a wrong token to acme: 401s, and acme's share is untouched.
    const intruder = directoryClient(`${server.origin}/d/acme/scim/v2`, 'not-a-valid-token-0000');
    expect(new Set(await burst(40, () => intruder.scim('GET', '/Users')))).toEqual(new Set([401]));
    expect(await burst(2, () => acme[0].scim('GET', '/Users'))).toEqual([200, 200]);
    expect(await burst(2, () => acme[1].scim('GET', '/Users'))).toEqual([200, 200]);
    const refused = await acme[1].scim('GET', '/Groups');
    expectTooMany(refused, 'acme beyond its share');
    expect(refused.body.detail).toContain('directory');
    // The default directory still answers at once.
    expect(await burst(4, () => server!.scim('GET', '/Users'))).toEqual([200, 200, 200, 200]);
  });
});

describe('failed authentication', () => {
  it('throttles an address after repeated 401s, without locking out a token that works', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, authFailures: { perSecond: 0.01, burst: 3 } } } });
    // The IdP's token works before the attack starts.
    expectStatus(await server.scim('GET', '/Users'), 200);
    const guess = (n: number) => server!.scim('GET', '/Users', undefined, { authorization: `Bearer guess-${n}-0000000000000` });
    expect(await burst(3, async () => guess(Math.random()))).toEqual([401, 401, 401]);
    const seconds = expectTooMany(await guess(4), 'fourth guess');
    expect(seconds).toBeGreaterThan(60);
    expectTooMany(await server.scim('GET', '/Users', undefined, { authorization: '' }), 'no token at all');
    // A token never used from here is throttled with the guesses; the working one is not.
    const fresh = await server.service.tenants.createToken(await server.service.tenants.requireDirectory('default'), { label: 'fresh' });
    expectTooMany(await directoryClient(server.baseUrl, fresh.token).scim('GET', '/Users'), 'unproven token');
    expectStatus(await server.scim('GET', '/Users'), 200);
    // Revoked: its next request fails, and it no longer skips the throttle.
    const revoked = await server.service.tenants.revokeToken(await server.service.tenants.requireDirectory('default'), (await server.service.tenants.listTokens(await server.service.tenants.requireDirectory('default'))).find((t) => t.label === 'bootstrap')!.id);
    expect(revoked).toBe(true);
    expectError(await server.scim('GET', '/Users'), 401);
    expectTooMany(await server.scim('GET', '/Users'), 'revoked token');
  });

  it('counts 401s on unknown directories too, and never on health checks', async () => {
    server = await startServer({ operations: { rateLimits: { ...off, authFailures: { perSecond: 0.01, burst: 2 } } } });
    const ghost = directoryClient(`${server.origin}/d/ghost/scim/v2`, 'x'.repeat(20));
    expect(await burst(2, () => ghost.scim('GET', '/Users'))).toEqual([401, 401]);
    expectTooMany(await server.scim('GET', '/Users', undefined, { authorization: 'Bearer wrong-wrong-wrong' }));
    expect((await server.get('/healthz')).status).toBe(200);
    const metrics = await (await server.get('/metrics')).text();
    expect(metrics).toMatch(/roster_rate_limited_total\{limit="auth-failures"\} 1/);
    expect(metrics).toMatch(/roster_auth_failures_total 2/);
  });
});

describe('defaults', () => {
  it('are on, and generous: an IdP burst of 200 requests from one token passes untouched', async () => {
    server = await startServer();
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => server!.scim('GET', i % 2 ? '/Users?count=1' : '/Groups?count=1')));
    expect(new Set(statuses.map((r) => r.status))).toEqual(new Set([200]));
  });
});
