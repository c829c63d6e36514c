// Request limits, each configurable and each answered with a SCIM Error: body size, filter length, page size,
// Bulk operations, members per request, header size, time to send a request and time to answer it. Those SCIM has
// a place for are advertised in ServiceProviderConfig.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roster as DirectoryService } from '../../src/directory/roster.js';
import { buildServer } from '../../src/http/server.js';
import { migrate, openStorage } from '../../src/storage/database.js';
import { createTestDatabase } from '../support/backends.js';
import { BULK_REQUEST, GROUP_SCHEMA, PATCH_OP, SEARCH_REQUEST, USER_SCHEMA, createUser, expectError, expectStatus, unique } from '../http/helpers.js';
import { startServer, type Server } from './harness.js';

let server: Server;
const users: string[] = [];
beforeAll(async () => {
  server = await startServer({
    limits: { bodyLimit: 64 * 1024, maxCount: 5, defaultCount: 3, bulkMaxOperations: 3, maxMembersPerRequest: 3, maxFilterLength: 100, maxPatchOperations: 4 },
    operations: { maxHeaderBytes: 4096, requestTimeoutMs: 1000 },
  });
  for (let i = 0; i < 6; i++) users.push((await createUser(server, { userName: unique('lim') })).id);
});
afterAll(async () => {
  await server?.close();
});

describe('advertised in ServiceProviderConfig', () => {
  it('bulk.maxOperations, bulk.maxPayloadSize and filter.maxResults follow the configuration', async () => {
    const res = await server.scim('GET', '/ServiceProviderConfig');
    expectStatus(res, 200);
    expect(res.body.bulk).toMatchObject({ supported: true, maxOperations: 3, maxPayloadSize: 64 * 1024 });
    expect(res.body.filter).toMatchObject({ supported: true, maxResults: 5 });
  });
});

describe('body size', () => {
  it('a body over the limit is a 413, and nothing is created', async () => {
    const userName = unique('big');
    expectError(await server.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, title: 'x'.repeat(70 * 1024) }), 413);
    const found = await server.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(found.body.totalResults).toBe(0);
    expectStatus(await server.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, title: 'x'.repeat(60 * 1024) }), 201);
  });
});

describe('long values on indexed attributes', () => {
  // Indexed columns have size limits in some databases (a PostgreSQL b-tree entry must fit in about 2.7 kB):
  // a long value is stored or refused with a 400, never a 500.
  it.each([
    ['userName', (n: number) => ({ userName: `${'u'.repeat(n)}${unique('')}` })],
    ['externalId', (n: number) => ({ userName: unique('ext'), externalId: 'e'.repeat(n) })],
    ['emails.value', (n: number) => ({ userName: unique('mail'), emails: [{ value: `${'m'.repeat(n)}@example.com`, type: 'work' }] })],
    ['displayName', (n: number) => ({ userName: unique('dn'), displayName: 'd'.repeat(n) })],
  ])('%s of 10,000 and 60,000 characters', async (_name, body) => {
    for (const n of [10_000, 60_000]) {
      const res = await server.scim('POST', '/Users', { schemas: [USER_SCHEMA], ...body(n) });
      expect([201, 400], `${n}: ${res.status} ${res.text.slice(0, 300)}`).toContain(res.status);
      if (res.status === 400) expectError(res, 400);
    }
  });

  it('a group displayName of 10,000 characters', async () => {
    const res = await server.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `${'g'.repeat(10_000)}${unique('')}` });
    expect([201, 400], `${res.status} ${res.text.slice(0, 300)}`).toContain(res.status);
  });
});

describe('filters', () => {
  it('a filter longer than the limit is a 400 invalidFilter, by GET and by .search', async () => {
    const long = `userName eq "${'a'.repeat(100 - 14)}"`;
    expect(long.length).toBe(100);
    expectStatus(await server.scim('GET', `/Users?filter=${encodeURIComponent(long)}`), 200);
    const longer = `${long} `;
    const res = await server.scim('GET', `/Users?filter=${encodeURIComponent(longer)}`);
    expectError(res, 400, 'invalidFilter');
    expect(res.body.detail).toContain('101 characters');
    expectError(await server.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: longer }), 400, 'invalidFilter');
  });

  it('a filter nested deeper than the parser allows is a 400 invalidFilter', async () => {
    const other = await startServer();
    try {
      const deep = `${'('.repeat(40)}userName pr${')'.repeat(40)}`;
      expectError(await other.scim('GET', `/Users?filter=${encodeURIComponent(deep)}`), 400, 'invalidFilter');
    } finally {
      await other.close();
    }
  });
});

describe('paging', () => {
  it('count is capped at maxResults; the default page is defaultCount', async () => {
    const capped = await server.scim('GET', '/Users?count=1000');
    expect(capped.body.Resources).toHaveLength(5);
    expect(capped.body.itemsPerPage).toBe(5);
    expect((await server.scim('GET', '/Users')).body.Resources).toHaveLength(3);
  });
});

describe('Bulk operations', () => {
  it('more operations than bulkMaxOperations is a 413', async () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/Groups', bulkId: `g${i}`, data: { schemas: [GROUP_SCHEMA], displayName: unique('bulk') } }));
    expectStatus(await server.scim('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: ops(3) }), 200);
    expectError(await server.scim('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: ops(4) }), 413);
  });
});

describe('members per request', () => {
  const members = (n: number) => users.slice(0, n).map((value) => ({ value }));

  it('POST, PUT and PATCH naming more members than allowed are a 413, and change nothing', async () => {
    const name = unique('grp');
    expectError(await server.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: name, members: members(4) }), 413);
    const created = await server.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: name, members: members(3) });
    expectStatus(created, 201);
    const id = created.body.id;
    expectError(await server.scim('PUT', `/Groups/${id}`, { schemas: [GROUP_SCHEMA], displayName: name, members: members(4) }), 413);
    expectError(await server.scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members(4) }] }), 413);
    expectError(
      await server.scim('PATCH', `/Groups/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'add', path: 'members', value: members(2) },
          { op: 'Remove', path: 'Members', value: members(2) },
        ],
      }),
      413,
    );
    expectError(await server.scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { members: members(4) } }] }), 413);
    const group = await server.scim('GET', `/Groups/${id}`);
    expect(group.body.members.map((m: { value: string }) => m.value).sort()).toEqual(users.slice(0, 3).sort());
    expectStatus(await server.scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${users[0]}"]` }] }), 204);
  });
});

describe('members per request inside Bulk', () => {
  const members = (n: number) => users.slice(0, n).map((value) => ({ value }));

  it('a Bulk request whose group operations name more members than allowed in all is a 413, and runs none', async () => {
    const names = [unique('bulkgrp'), unique('bulkgrp')];
    const res = await server.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Groups', bulkId: 'a', data: { schemas: [GROUP_SCHEMA], displayName: names[0], members: members(2) } },
        { method: 'POST', path: '/Groups', bulkId: 'b', data: { schemas: [GROUP_SCHEMA], displayName: names[1], members: members(2) } },
      ],
    });
    expectError(res, 413);
    expect(res.body.detail).toContain('4 group members');
    expect(res.body.detail).toContain('at most 3');
    for (const name of names) expect((await server.scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.totalResults).toBe(0);
  });

  it('within the total, each operation is checked too, and PATCH member values count', async () => {
    const created = await server.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: unique('bulkgrp') });
    const id = created.body.id;
    const res = await server.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'PATCH', path: `/Groups/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members(2) }] } },
        { method: 'PATCH', path: `/Groups/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', value: { members: members(2) } }] } },
      ],
    });
    expectError(res, 413);
    const ok = await server.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [{ method: 'PATCH', path: `/Groups/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members(3) }] } }],
    });
    expectStatus(ok, 200);
    expect(ok.body.Operations[0].status).toBe('204');
    expect((await server.scim('GET', `/Groups/${id}`)).body.members).toHaveLength(3);
  });
});

describe('values of attributes', () => {
  it('indexed values and values per multi-valued attribute follow the configuration, with a 400 naming the attribute', async () => {
    // Its own server, started last: the value limits are one setting per process.
    const strict = await startServer({ limits: { maxIndexedValueBytes: 100, maxValuesPerAttribute: 5 } });
    try {
      const long = await strict.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'u'.repeat(101) });
      expectError(long, 400, 'invalidValue');
      expect(long.body.detail).toBe('userName is too long: 101 bytes (UTF-8); this server accepts at most 100 bytes for userName');
      expectStatus(await strict.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'u'.repeat(100) }), 201);

      const emails = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `m${i}@example.com` }));
      const many = await strict.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('many'), emails: emails(6) });
      expectError(many, 400, 'invalidValue');
      expect(many.body.detail).toBe('emails has 6 values; this server accepts at most 5 values per attribute');
      const user = await strict.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('five'), emails: emails(5) });
      expectStatus(user, 201);
      const grow = await strict.scim('PATCH', `/Users/${user.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails[type eq "home"].value', value: 'home@example.com' }] });
      expectError(grow, 400, 'invalidValue');
      expect(grow.body.detail).toBe('emails has 6 values; this server accepts at most 5 values per attribute');
      expect((await strict.scim('GET', `/Users/${user.body.id}`)).body.emails).toHaveLength(5);
    } finally {
      await strict.close();
    }
  });

  it('a PATCH adding 30,000 emails is refused before the engine runs, and the server keeps answering', async () => {
    const other = await startServer({ limits: { bodyLimit: 8 * 1024 * 1024 } });
    try {
      const user = await createUser(other, { userName: unique('huge') });
      const value = Array.from({ length: 30_000 }, (_, i) => ({ value: `bulk${i}@example.com`, type: 'work' }));
      const res = await other.scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails', value }] });
      expectError(res, 400, 'invalidValue');
      expect(res.body.detail).toContain('emails has 30000 values');
      expectStatus(await other.scim('GET', `/Users/${user.id}`), 200);
    } finally {
      await other.close();
    }
  });
});

describe('PATCH operations', () => {
  it('more operations than maxPatchOperations is a 413, and changes nothing', async () => {
    const id = users[5];
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ op: 'replace', path: 'title', value: `t${i}` }));
    expectError(await server.scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: ops(5) }), 413);
    expect((await server.scim('GET', `/Users/${id}`)).body.title).toBeUndefined();
    const ok = await server.scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: ops(4) });
    expectStatus(ok, 200);
    expect(ok.body.title).toBe('t3');
  });
});

/** Sends raw bytes and returns what the server answers before it closes the connection. */
function rawRequest(text: string, { pauseAfterMs }: { pauseAfterMs?: number } = {}): Promise<string> {
  const { port } = new URL(server.origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(answer) : reject(error)));
    socket.on('close', () => resolve(answer));
    socket.write(text);
    if (pauseAfterMs === undefined) socket.end();
    setTimeout(() => socket.destroy(), 10_000);
  });
}

describe('headers and time', () => {
  it('headers over maxHeaderBytes get a 431 SCIM Error', async () => {
    const res = await server.scim('GET', '/Users', undefined, { 'x-padding': 'p'.repeat(5000) });
    expectError(res, 431);
    expect(res.body.detail).toMatch(/headers/);
  });

  it('a request whose body never finishes arriving gets a 408 SCIM Error after requestTimeout', async () => {
    const started = Date.now();
    const answer = await rawRequest(
      `POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{"sche`,
      { pauseAfterMs: 0 },
    );
    const elapsed = Date.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"status":"408"');
    expect(answer).toContain('urn:ietf:params:scim:api:messages:2.0:Error');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
  });

  it('a handler slower than handlerTimeout gets a 503 SCIM Error, and the server keeps serving', async () => {
    const database = await createTestDatabase();
    const storage = openStorage(database.url);
    await migrate(storage);
    const service = new DirectoryService(storage);
    await service.tenants.bootstrap();
    const app = buildServer({ roster: service, operations: { handlerTimeoutMs: 1000 } });
    app.get('/slow', async () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 2500)));
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = app.server.address();
      const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      // A 503 can only come from the timeout: the handler itself would answer 200.
      const res = await fetch(`${origin}/slow`);
      const body = (await res.json()) as { status: string; detail: string; schemas: string[] };
      expect(res.status).toBe(503);
      expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect(body.detail).toMatch(/within 1000 ms/);
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
      await storage.close();
      await database.drop();
    }
  });
});
