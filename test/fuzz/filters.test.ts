// Fuzzing filters, sort keys and attribute lists over HTTP against a real server: generated filters from the
// RFC grammar, mutated near-misses, deep nesting, long chains and random bytes, sent as GET query strings and as
// POST .search bodies. Every answer is a ListResponse or a 400 Error; reads never change the data.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import { ENTERPRISE, GROUP_SCHEMA, LIST_RESPONSE, SEARCH_REQUEST, USER_SCHEMA, createGroup, createUser } from '../http/helpers.js';
import { isKnownBug } from './known-bugs.js';
import { anyFilter, describe, enc, anyPath, expectWellFormed, fuzz, hostileString, send, snapshot, testTimeout, printTotals } from './fuzz-support.js';

let roster: Roster;
let before: string;

beforeAll(async () => {
  roster = await startRoster({ operations: { rateLimits: false } });
  const users = [];
  for (const [i, name] of ['alice', 'bob', "o'brien", '%percent_', 'back\\slash', 'émile', '😀'].entries()) {
    users.push(
      await createUser(roster, {
        userName: `${name}@example.com`,
        externalId: `ext-${i}`,
        displayName: name,
        active: i % 2 === 0,
        name: { givenName: name, familyName: `F${i}` },
        emails: [{ value: `${name}@work.example`, type: 'work', primary: true }, { value: `${name}@home.example`, type: 'home' }],
        [ENTERPRISE]: { employeeNumber: String(1000 + i), manager: { value: 'm-1' } },
      }),
    );
  }
  const team = await createGroup(roster, { displayName: 'Team', members: users.slice(0, 3).map((u) => ({ value: u.id })) });
  await createGroup(roster, { displayName: 'Outer', members: [{ value: team.id }] });
  before = await snapshot(roster.storage);
});

afterAll(async () => {
  printTotals('filters');
  if (roster) {
    // No read, however hostile, changed anything.
    expect(await snapshot(roster.storage)).toBe(before);
    expect((await roster.request('GET', `${roster.origin}/healthz`)).status).toBe(200);
    await roster.close();
  }
});

const auth = () => ({ authorization: `Bearer ${roster.token}` });

function expectList(res: { status: number; body: any }, input: unknown): void {
  expectWellFormed(res as never, input);
  if (res.status === 200) {
    expect(res.body.schemas, describe(input)).toEqual([LIST_RESPONSE]);
    expect(Number.isInteger(res.body.totalResults)).toBe(true);
  } else {
    // 431: a URL longer than the header limit (ROSTER_MAX_HEADER_BYTES) never reaches the filter parser.
    expect([400, 431], describe(input)).toContain(res.status);
  }
}

it(
  'GET ?filter= on /Users and /Groups',
  async () => {
    await fuzz(
      'filter via GET',
      fc.tuple(anyFilter, fc.constantFrom('/Users', '/Groups')),
      async ([filter, endpoint]) => {
        const res = await send('filter via GET', `${roster.baseUrl}${endpoint}?filter=${enc(filter)}`, { method: 'GET', headers: auth() });
        expectList(res, filter);
      },
      2000,
      10_000,
    );
  },
  testTimeout(10_000),
);

it(
  'POST .search bodies with random filters, sort keys, attribute lists and paging',
  async () => {
    const searchBody = fc.record(
      {
        schemas: fc.oneof({ weight: 5, arbitrary: fc.constant([SEARCH_REQUEST]) }, { weight: 1, arbitrary: fc.constant([USER_SCHEMA]) }),
        filter: fc.oneof(anyFilter, fc.constantFrom(1, null, true, [], {})),
        sortBy: anyPath,
        sortOrder: fc.oneof(fc.constantFrom('ascending', 'descending', 'DESCENDING'), hostileString),
        attributes: fc.oneof(fc.array(anyPath, { maxLength: 4 }), anyPath),
        excludedAttributes: fc.oneof(fc.array(anyPath, { maxLength: 4 }), anyPath),
        startIndex: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constantFrom(0, 1e308, -1e308, '3', 'x', 1.5, null)),
        count: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constantFrom(0, 1e308, '10', 'all', 2.5, null)),
      },
      { requiredKeys: ['schemas'] },
    );
    await fuzz(
      '.search body',
      fc.tuple(searchBody, fc.constantFrom('/Users/.search', '/Groups/.search', '/.search')),
      async ([body, endpoint]) => {
        fc.pre(!isKnownBug({ kind: 'sortBy', value: body.sortBy }));
        const res = await send('.search body', `${roster.baseUrl}${endpoint}`, {
          method: 'POST',
          headers: { ...auth(), 'content-type': 'application/scim+json' },
          body: JSON.stringify(body),
        });
        expectList(res, body);
        if (res.status === 200 && typeof body.count === 'number' && body.count >= 0) {
          expect(res.body.Resources?.length ?? 0).toBeLessThanOrEqual(Math.min(body.count, 1000));
        }
      },
      1000,
      8000,
    );
  },
  testTimeout(8000),
);

it(
  'GET query parameters: sortBy, attributes, excludedAttributes, startIndex and count, repeated and odd',
  async () => {
    const parameter = fc.tuple(
      fc.constantFrom('sortBy', 'sortOrder', 'attributes', 'excludedAttributes', 'startIndex', 'count', 'filter', 'SORTBY', 'Count', 'cursor', 'aadOptscim062020', '__proto__', 'constructor'),
      fc.oneof(anyPath, hostileString.map((s) => s.slice(0, 3000)), fc.integer().map(String)),
    );
    await fuzz(
      'query parameters',
      fc.tuple(fc.array(parameter, { minLength: 1, maxLength: 5 }), fc.constantFrom('/Users', '/Groups', '/Users/{id}', '/Groups/{id}')),
      async ([params, endpoint]) => {
        fc.pre(!params.some(([k, v]) => k.toLowerCase() === 'sortby' && isKnownBug({ kind: 'sortBy', value: v })));
        const query = params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
        const path = endpoint.replace('{id}', 'not-an-id');
        const res = await send('query parameters', `${roster.baseUrl}${path}?${query}`, { method: 'GET', headers: auth() });
        expectWellFormed(res, params);
        if (path.endsWith('not-an-id')) expect([400, 404, 431]).toContain(res.status);
        else expectList(res, params);
      },
      1000,
      6000,
    );
  },
  testTimeout(6000),
);

it('a group and a user read back with hostile attribute lists keep their id and schemas', async () => {
  const list = await send('projection', `${roster.baseUrl}/Groups?filter=${enc('displayName eq "Team"')}`, { method: 'GET', headers: auth() });
  const id = list.body.Resources[0].id;
  await fuzz(
    'projection',
    fc.tuple(fc.array(anyPath, { minLength: 1, maxLength: 4 }), fc.boolean()),
    async ([paths, exclude]) => {
      const name = exclude ? 'excludedAttributes' : 'attributes';
      const res = await send('projection', `${roster.baseUrl}/Groups/${id}?${name}=${enc(paths.join(','))}`, { method: 'GET', headers: auth() });
      expectWellFormed(res, paths);
      if (res.status === 200) {
        expect(res.body.id).toBe(id);
        expect(res.body.schemas).toContain(GROUP_SCHEMA);
      }
    },
    500,
    4000,
  );
}, testTimeout(4000));
