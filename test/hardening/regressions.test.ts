// Inputs the fuzzing run (test/fuzz) and the hardening work found to break the server, kept as fixed regression
// cases on both databases. A new open bug goes here as `it.fails` (on the backends where it reproduces) with a rule
// in test/fuzz/known-bugs.ts; once fixed, it becomes a plain test and its rule goes. None is open now.
// Each case names the run that found it (ROSTER_FUZZ_SEED replays the run; the seed printed per property too).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BULK_REQUEST,
  ENTERPRISE,
  GROUP_SCHEMA,
  PATCH_OP,
  SEARCH_REQUEST,
  USER_SCHEMA,
  createGroup,
  createUser,
  expectError,
  expectStatus,
  type ScimResponse,
} from '../http/helpers.js';
import { startRoster, type Roster } from '../support/roster.js';
import { startServer } from './harness.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const random = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);

describe('bug 1: sortBy naming an extension schema rather than an attribute (filters.test.ts, .search body)', () => {
  // Found by `.search body` (seed 1748922294): {"sortBy":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}.
  // Got 500 (TypeError in storage/filter-sql.ts singleValue via sortExpression); expected 400 invalidValue as for
  // sortBy=name.
  it('GET /Users?sortBy=<enterprise URN> is a 400', async () => {
    expectError(await roster.scim('GET', `/Users?sortBy=${encodeURIComponent(ENTERPRISE)}`), 400, 'invalidValue');
  });
  it('POST /Users/.search with that sortBy is a 400', async () => {
    expectError(await roster.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], sortBy: ENTERPRISE }), 400, 'invalidValue');
  });
  it('sortBy on complex attributes is already a 400', async () => {
    for (const sortBy of ['name', 'meta', 'groups']) expectError(await roster.scim('GET', `/Users?sortBy=${sortBy}`), 400, 'invalidValue');
  });
});

describe('bug 2: long values in indexed columns on PostgreSQL (bodies.test.ts, patch.test.ts)', () => {
  // Found by `hostile bodies` (seed 1217420776, a 2 MB userName) and `PATCH hostile values` (seed 1301324006, a
  // 764 kB group displayName) on PostgreSQL. A value that does not compress below PostgreSQL's b-tree entry limit
  // (about 2.7 kB) cannot be indexed: userName, externalId, emails.value, group displayName and group externalId
  // of 2,800 random characters got a 500. Fixed: indexed values are limited (ROSTER_MAX_INDEXED_VALUE_BYTES, 2048
  // UTF-8 bytes by default) in the protocol core, a 400 invalidValue naming the attribute, on both databases.
  const cases: [string, string, () => Promise<ScimResponse>][] = [
    ['POST /Users userName', 'userName', () => roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: random(2800) })],
    ['POST /Users externalId', 'externalId', () => roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: random(20), externalId: random(2800) })],
    ['POST /Users emails.value', 'emails[0].value', () => roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: random(20), emails: [{ value: random(2800) }] })],
    ['POST /Users displayName', 'displayName', () => roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: random(20), displayName: random(5000) })],
    ['POST /Groups displayName', 'displayName', () => roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: random(2800) })],
    ['POST /Groups externalId', 'externalId', () => roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: random(20), externalId: random(2800) })],
    [
      'PATCH /Groups displayName',
      'displayName',
      async () => {
        const group = await createGroup(roster);
        return roster.scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: random(2800) }] });
      },
    ],
    [
      'PATCH /Users emails[type eq "work"].value',
      'emails[0].value',
      async () => {
        const user = await createUser(roster);
        return roster.scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails[type eq "work"].value', value: random(5000) }] });
      },
    ],
    [
      'PUT /Users userName',
      'userName',
      async () => {
        const user = await createUser(roster);
        return roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: random(5000) });
      },
    ],
  ];
  for (const [label, attribute, send] of cases) {
    it(`${label} of thousands of random characters is a 400 naming ${attribute}`, async () => {
      const res = await send();
      expectError(res, 400, 'invalidValue');
      expect(res.body.detail).toContain(`${attribute} is too long`);
      expect(res.body.detail).toContain('at most 2048 bytes');
    });
  }

  it('inside Bulk, the operation gets the 400 and the others go on', async () => {
    const res = await roster.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'long', data: { schemas: [USER_SCHEMA], userName: random(2800) } },
        { method: 'POST', path: '/Users', bulkId: 'fine', data: { schemas: [USER_SCHEMA], userName: random(30) } },
      ],
    });
    expectStatus(res, 200);
    expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(['400', '201']);
  });

  it('values up to the limit are stored and found, multi-byte and random ones included', async () => {
    // The limit must sit below what PostgreSQL can index: random text does not compress.
    const values = [random(2048), '\u{1F600}'.repeat(512), `${'é'.repeat(1000)}${random(48)}`];
    for (const userName of values) {
      const created = await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, externalId: userName, emails: [{ value: userName }], displayName: userName });
      expectStatus(created, 201);
      const found = await roster.scim('GET', `/Users?filter=${encodeURIComponent(`emails.value eq ${JSON.stringify(userName)}`)}`);
      expect(found.body.totalResults).toBe(1);
      const group = await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: userName, externalId: userName });
      expectStatus(group, 201);
    }
  });

  it('filters comparing with values longer than any stored one match nothing, never a 500', async () => {
    const long = random(3500);
    for (const filter of [`userName eq "${long}"`, `externalId eq "${long}"`, `emails.value eq "${long}"`, `emails[type eq "work" and value co "${long}"]`, `displayName sw "${long}"`, `userName gt "${long}"`]) {
      const users = await roster.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect([200, 400], `${filter.slice(0, 40)}: ${users.text.slice(0, 200)}`).toContain(users.status);
      if (users.status === 200 && !filter.includes(' gt ')) expect(users.body.totalResults).toBe(0);
    }
    const groups = await roster.scim('POST', '/Groups/.search', { schemas: [SEARCH_REQUEST], filter: `displayName eq "${long}"` });
    expectStatus(groups, 200);
    expect(groups.body.totalResults).toBe(0);
  });
});

describe('bug 3: a Bulk request in flight when the server closes', () => {
  // Bulk runs its operations through fastify's inject, which fastify refuses once close() has begun; a Bulk served
  // while `app.close()` was called (rather than `roster serve`, which drained first) lost its remaining
  // operations. Fixed: app.close() drains the requests in flight first (src/http/operations/graceful-close.ts).
  it('app.close() waits for a Bulk request served over HTTP and one served through inject, and both finish', async () => {
    const server = await startServer();
    try {
      const operations = (prefix: string) =>
        Array.from({ length: 80 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: { schemas: [USER_SCHEMA], userName: `${prefix}-${i}@example.com` } }));
      const overHttp = server.scim('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: operations('http') });
      const injected = server.app.inject({
        method: 'POST',
        url: '/scim/v2/Bulk',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ schemas: [BULK_REQUEST], Operations: operations('inject') }),
      });
      // Close once both are surely in flight: each has created its first user.
      const directory = await server.service.tenants.requireDirectory('default');
      const started = async (prefix: string) =>
        (await server.storage.db.selectFrom('users').select('id').where('directory_id', '=', directory.id).where('user_name', '=', `${prefix}-0@example.com`).executeTakeFirst()) !== undefined;
      while (!((await started('http')) && (await started('inject')))) await new Promise((resolve) => setTimeout(resolve, 5));
      const closed = server.app.close();
      const [http, inject] = await Promise.all([overHttp, injected]);
      await closed;
      expectStatus(http, 200);
      expect(http.body.Operations.map((o: { status: string }) => o.status)).toEqual(Array(80).fill('201'));
      expect(inject.statusCode).toBe(200);
      expect(JSON.parse(inject.body).Operations.map((o: { status: string }) => o.status)).toEqual(Array(80).fill('201'));
    } finally {
      await server.storage.close();
      await server.database.drop();
    }
  });
});
