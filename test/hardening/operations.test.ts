// Health, readiness, metrics, request ids and security headers, as an operator or a load balancer sees them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Outbound } from '../../src/outbound/index.js';
import { SecretBox } from '../../src/outbound/secrets.js';
import { compareMigrations } from '../../src/operations/readiness.js';
import { MIGRATION_NAMES } from '../../src/storage/database.js';
import { ERROR_SCHEMA, USER_SCHEMA, expectError, expectStatus, unique } from '../http/helpers.js';
import { backend } from '../support/backends.js';
import { FAST, fakeTarget, waitFor } from '../outbound/support.js';
import { startServer, type Server } from './harness.js';

let server: Server;
beforeAll(async () => {
  server = await startServer({ operations: { metrics: { enabled: true, token: 'metrics-token-0123456789' } } });
});
afterAll(async () => {
  await server?.close();
});

describe('/healthz and /readyz', () => {
  it('/healthz answers 200 JSON without a token', async () => {
    const res = await server.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz checks the database and the migrations', async () => {
    const res = await server.get('/readyz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.status).toBe('ready');
    expect(body.checks.database.ok).toBe(true);
    expect(body.checks.migrations.ok).toBe(true);
    expect(body.checks.migrations.detail).toMatch(/applied/);
  });

  it('/readyz answers 503 once a migration the server started with is gone', async () => {
    const other = await startServer();
    try {
      expect((await other.get('/readyz')).status).toBe(200);
      const first = await sql<{ name: string }>`select name from roster_migrations order by name limit 1`.execute(other.storage.db);
      await sql`delete from roster_migrations where name = ${first.rows[0].name}`.execute(other.storage.db);
      const res = await other.get('/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.status).toBe('not ready');
      expect(body.checks.migrations.detail).toContain(first.rows[0].name);
      // Alive all the same: a restart would not help.
      expect((await other.get('/healthz')).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('/readyz answers 503 naming the migrations this version needs that are not applied', async () => {
    const other = await startServer();
    try {
      const latest = MIGRATION_NAMES[MIGRATION_NAMES.length - 1];
      await sql`delete from roster_migrations where name = ${latest}`.execute(other.storage.db);
      const res = await other.get('/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.checks.migrations).toEqual({ ok: false, detail: `migrations not applied: ${latest}: run \`roster migrate\`` });
    } finally {
      await other.close();
    }
  });

  it('compares the applied migrations with the list this version carries', () => {
    const required = ['001-a', '002-b', '003-c'];
    expect(compareMigrations(required, undefined)).toEqual({ ok: false, detail: 'no migrations applied: run `roster migrate`' });
    expect(compareMigrations(required, [])).toMatchObject({ ok: false });
    expect(compareMigrations(required, ['001-a', '003-c'])).toEqual({ ok: false, detail: 'migrations not applied: 002-b: run `roster migrate`' });
    expect(compareMigrations(required, ['001-a', '002-b', '003-c'])).toEqual({ ok: true, detail: '3 applied, latest 003-c' });
    // A newer version migrated the database further: still ready (migrations are forward-only and additive).
    expect(compareMigrations(required, ['001-a', '002-b', '003-c', '004-d'])).toEqual({ ok: true, detail: '3 applied, latest 003-c (and 1 newer than this version)' });
    const many = Array.from({ length: 8 }, (_, i) => `00${i}`);
    expect(compareMigrations(many, ['000']).detail).toBe('migrations not applied: 001, 002, 003, 004, 005 and 2 more: run `roster migrate`');
  });

  it('/readyz answers 503 when the database is unreachable', async () => {
    const other = await startServer();
    try {
      await other.storage.close();
      const res = await other.get('/readyz');
      expect(res.status).toBe(503);
      expect(((await res.json()) as any).checks.database.ok).toBe(false);
    } finally {
      await other.app.close();
      await other.database.drop();
    }
  });
});

describe('X-Request-Id', () => {
  it('every answer carries a fresh UUID when the client sent none', async () => {
    const a = await server.scim('GET', '/Users');
    const b = await server.scim('GET', '/Users/nope');
    const c = await server.get('/healthz');
    const ids = [a.headers.get('x-request-id'), b.headers.get('x-request-id'), c.headers.get('x-request-id')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
  });

  it.each(['okta-7f3a9c', 'req_01HZX.4:abc/def+=', 'a'.repeat(128)])('a sane incoming id is kept: %s', async (id) => {
    const res = await server.scim('GET', '/Users', undefined, { 'x-request-id': id });
    expect(res.headers.get('x-request-id')).toBe(id);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['a space', 'a b'],
    ['a quote and a brace', 'x"}{'],
    ['a leading dash', '-abc'],
    ['non-ASCII', 'ä'],
  ])('an incoming id with %s is replaced', async (_label, id) => {
    const res = await server.scim('GET', '/Users', undefined, { 'x-request-id': encodeURIComponent(id) === id ? id : id });
    expect(res.headers.get('x-request-id')).not.toBe(id);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('security headers', () => {
  const cases: [string, () => Promise<{ status: number; headers: Headers }>, number][] = [
    ['a list', () => server.scim('GET', '/Users'), 200],
    ['a missing token', () => server.scim('GET', '/Users', undefined, { authorization: '' }), 401],
    ['an unknown resource', () => server.scim('GET', '/Users/does-not-exist'), 404],
    ['an unknown route', () => server.scim('GET', '/Nothing'), 404],
    ['a wrong content type', () => server.scim('POST', '/Users', 'x', { 'content-type': 'text/plain' }), 415],
    ['a body too large', () => server.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'x'.repeat(3 * 1024 * 1024) }), 413],
    ['a bad filter', () => server.scim('GET', '/Users?filter=' + encodeURIComponent('userName eq')), 400],
    ['a NUL in the URL', () => server.scim('GET', '/Users?filter=%00'), 400],
    ['/healthz', () => server.get('/healthz'), 200],
    ['/readyz', () => server.get('/readyz'), 200],
  ];
  it.each(cases)('on %s', async (_label, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    const h = res.headers;
    expect(h.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(h.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(h.get('cache-control')).toBe('no-store');
    expect(h.get('x-powered-by')).toBeNull();
    expect(h.get('x-request-id')).toBeTruthy();
  });
});

describe('/metrics', () => {
  const scrape = async (token = 'metrics-token-0123456789') => {
    const res = await server.get('/metrics', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('needs its own token when one is configured, and never accepts a SCIM token', async () => {
    for (const authorization of ['', `Bearer ${server.token}`, 'Bearer metrics-token-012345678', 'Bearer metrics-token-0123456789x']) {
      const res = await server.get('/metrics', authorization ? { authorization } : {});
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('counts requests by route template, method, status, client and directory', async () => {
    const okta = { 'user-agent': 'Okta SCIM Client 1.0.0' };
    const entra = { 'user-agent': 'Microsoft Azure AD SCIM provisioning/1.0' };
    const created = await server.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('m') }, okta);
    expectStatus(created, 201);
    await server.scim('GET', `/Users/${created.body.id}`, undefined, okta);
    await server.scim('GET', `/Users/${created.body.id}`, undefined, okta);
    await server.scim('GET', '/Users?filter=userName%20eq%20%22nobody%22', undefined, entra);
    await server.scim('GET', '/Users', undefined, { authorization: 'Bearer wrong-token-wrong-token' });
    await server.get('/no/such/path');
    const text = await scrape();
    const line = (labels: string) => text.split('\n').find((l) => l.startsWith(`roster_http_requests_total{${labels}}`));
    expect(line('route="/scim/v2/Users",method="POST",status="201",client="okta",directory="default"')).toMatch(/ 1$/);
    expect(line('route="/scim/v2/Users/:id",method="GET",status="200",client="okta",directory="default"')).toMatch(/ 2$/);
    expect(line('route="/scim/v2/Users",method="GET",status="200",client="entra",directory="default"')).toMatch(/ 1$/);
    // A refused token never names a directory: labels stay bounded whatever clients send.
    expect(line('route="/scim/v2/Users",method="GET",status="401",client="other",directory="-"')).toBeDefined();
    expect(line('route="unmatched",method="GET",status="404",client="other",directory="-"')).toBeDefined();
    expect(text).not.toContain('/no/such/path');
    expect(text).toMatch(/roster_http_request_duration_seconds_bucket\{le="0\.005",route="\/scim\/v2\/Users\/:id",method="GET",client="okta"\} \d+/);
    expect(text).toMatch(/roster_auth_failures_total \d+/);
    expect(text).toMatch(/roster_ready 1/);
    expect(text).toMatch(/roster_process_resident_memory_bytes \d+/);
    expect(text).toMatch(/roster_http_requests_in_flight 1/); // the scrape itself
  });
});

describe('/metrics: database pool and outbound delivery', () => {
  const scrape = async (target = server) => {
    const res = await target.get('/metrics', { authorization: 'Bearer metrics-token-0123456789' });
    expect(res.status).toBe(200);
    return res.text();
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('reports the connection pool (PostgreSQL) or the one connection (SQLite)', async () => {
    const text = await scrape();
    expect(value(text, 'roster_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    if (backend === 'postgres') {
      expect(value(text, 'roster_db_pool_connections{state="max"}')).toBe(10);
      expect(value(text, 'roster_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(0);
      // The scrape's own queries (readiness, outbound gauges) may be waiting for a connection being opened.
      expect(value(text, 'roster_db_pool_connections{state="waiting"}')).toBeGreaterThanOrEqual(0);
      expect(value(text, 'roster_db_pool_connections{state="total"}')).toBeLessThanOrEqual(10);
    } else {
      expect(value(text, 'roster_db_pool_connections{state="max"}')).toBe(1);
    }
  });

  it('reports each target\'s outbox depth, waiting resources and delivery failures', async () => {
    const directory = await server.service.tenants.requireDirectory('default');
    const target = await fakeTarget();
    target.behave = () => ({ status: 503 }); // every delivery fails, and is retried
    const outbound = new Outbound(server.service, { settings: { ...FAST, backoffBaseMs: 5000, backoffMaxMs: 5000 }, secrets: new SecretBox(randomBytes(32)) });
    await outbound.targets.add(directory, { name: 'crm', url: target.url, auth: { type: 'bearer', token: 'crm-token-0123456789' }, initialSync: false });
    const labels = 'directory="default",kind="scim",target="crm"';
    try {
      for (let i = 0; i < 3; i++) expectStatus(await server.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('outbox') }), 201);
      // No worker runs yet: the three changes wait behind the target's cursor.
      await waitFor('the outbox depth', async () => value(await scrape(), `roster_outbound_pending_changes{${labels}}`) === 3, 10_000, 300);
      const worker = outbound.worker().start();
      try {
        let lastText = '';
        const text = await waitFor('failures to show', async () => {
          const text = (lastText = await scrape());
          return (value(text, `roster_outbound_delivery_failures_last_hour{${labels}}`) ?? 0) > 0 ? text : undefined;
        }, 15_000, 300).catch((error) => {
          console.log(lastText.split('\n').filter((l) => l.startsWith('roster_outbound')).join('\n'));
          throw error;
        });
        expect(value(text, `roster_outbound_consecutive_failures{${labels}}`)).toBeGreaterThan(0);
        expect(value(text, `roster_outbound_waiting_resources{${labels},state="retrying"}`)).toBeGreaterThanOrEqual(0);
        expect(value(text, `roster_outbound_waiting_resources{${labels},state="failed"}`)).toBeGreaterThanOrEqual(0);
      } finally {
        await worker.stop();
      }
    } finally {
      await outbound.targets.remove(directory, 'crm');
      await target.close();
    }
  });
});

describe('request-level SCIM answers outside the routes', () => {
  it('an unknown route is a SCIM 404 with all the headers', async () => {
    const res = await server.scim('DELETE', '/Whatever/1');
    expectError(res, 404);
    expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  });
});
