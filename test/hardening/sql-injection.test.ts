// SQL injection is impossible by construction (every value is bound, every name is resolved against the schema);
// this proves it from the outside, on both databases. The classic payloads go through every filter operator on
// indexed columns, child tables, JSON documents and value paths, as attribute names, sort keys and attribute
// lists, and in PATCH paths. Each answer is a 400 or a correct 200 (the users whose values really are the payload),
// and the data is byte-for-byte intact afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../support/backends.js';
import { startRoster, type Roster } from '../support/roster.js';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, SEARCH_REQUEST, USER_SCHEMA, expectHandled } from '../http/helpers.js';
import { OPERATORS, SQL_PAYLOADS, snapshot } from '../fuzz/fuzz-support.js';

let roster: Roster;
let before: string;
/** userName → the values each seeded user holds, for computing the right answer in JS. */
const seeded: { id: string; userName: string; externalId: string; emails: string[]; title: string; givenName: string; employeeNumber: string }[] = [];
const groups: { id: string; displayName: string }[] = [];

const PAYLOADS = SQL_PAYLOADS;

beforeAll(async () => {
  roster = await startRoster({ operations: { rateLimits: false } }); // thousands of requests from one token
  const values = [...PAYLOADS, 'alice', 'bob', 'ALICE-2'];
  for (const [i, value] of values.entries()) {
    const user = {
      userName: value,
      externalId: value,
      title: value,
      displayName: value,
      name: { givenName: value },
      emails: [{ value, type: 'work' }, { value: `other-${i}@example.com`, type: 'home' }],
      [ENTERPRISE]: { employeeNumber: value },
    };
    const res = await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], ...user });
    expect(res.status, `seeding ${JSON.stringify(value)}: ${res.text}`).toBe(201);
    seeded.push({ id: res.body.id, userName: value, externalId: value, emails: [value, `other-${i}@example.com`], title: value, givenName: value, employeeNumber: value });
    const group = await roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: value, members: [{ value: res.body.id }] });
    expect(group.status, group.text).toBe(201);
    groups.push({ id: group.body.id, displayName: value });
  }
  before = await snapshot(roster.storage);
}, 120_000);

afterAll(async () => {
  if (!roster) return;
  expect(await snapshot(roster.storage), 'the data changed').toBe(before);
  await roster.close();
});

type Seeded = (typeof seeded)[number];
/** Attribute paths with how to read the seeded value and whether the schema compares them case-insensitively. */
const ALL = OPERATORS;
const SOME = ['eq', 'sw', 'gt'];
const USER_PATHS: { path: string; values: (u: Seeded) => string[]; caseExact: boolean; ops: string[] }[] = [
  { path: 'userName', values: (u) => [u.userName], caseExact: false, ops: ALL }, // indexed, folded column
  { path: 'externalId', values: (u) => [u.externalId], caseExact: true, ops: SOME }, // indexed, case-exact column
  { path: 'emails.value', values: (u) => u.emails, caseExact: false, ops: ALL }, // child table
  { path: 'name.givenName', values: (u) => [u.givenName], caseExact: false, ops: ALL }, // JSON document
  { path: `${ENTERPRISE}:employeeNumber`, values: (u) => [u.employeeNumber], caseExact: false, ops: SOME }, // extension in JSON
  { path: 'emails', values: (u) => u.emails, caseExact: false, ops: ['eq'] },
  { path: 'title', values: (u) => [u.title], caseExact: false, ops: ['co'] },
  { path: 'urn:ietf:params:scim:schemas:core:2.0:User:userName', values: (u) => [u.userName], caseExact: false, ops: ['eq'] },
];

function matches(op: string, actual: string, wanted: string, caseExact: boolean): boolean | undefined {
  const a = caseExact ? actual : actual.toLowerCase();
  const w = caseExact ? wanted : wanted.toLowerCase();
  switch (op) {
    case 'eq':
      return a === w;
    case 'co':
      return a.includes(w);
    case 'sw':
      return a.startsWith(w);
    case 'ew':
      return a.endsWith(w);
  }
  // Ordering follows the database's collation: SQLite compares code points (as JS does for these ASCII values);
  // PostgreSQL's collation may differ, so there only the status and the intact data are checked.
  if (backend !== 'sqlite') return undefined;
  return op === 'gt' ? a > w : op === 'ge' ? a >= w : op === 'lt' ? a < w : op === 'le' ? a <= w : undefined;
}

async function ids(path: string, filter: string): Promise<string[] | undefined> {
  const res = await roster.scim('GET', `${path}?count=1000&attributes=id&filter=${encodeURIComponent(filter)}`);
  expectHandled(res, filter);
  expect([200, 400], `${filter} → ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
  return res.status === 200 ? (res.body.Resources ?? []).map((r: { id: string }) => r.id).sort() : undefined;
}

describe('payloads as filter values, through every operator', () => {
  for (const { path, values, caseExact, ops } of USER_PATHS) {
    it(`/Users: ${path}`, async () => {
      for (const op of ops) {
        for (const payload of PAYLOADS) {
          const filter = `${path} ${op} ${JSON.stringify(payload)}`;
          const got = await ids('/Users', filter);
          expect(got, `${filter} is a valid filter on a string attribute`).toBeDefined();
          const expected = seeded.filter((u) => values(u).some((v) => matches(op, v, payload, caseExact))).map((u) => u.id).sort();
          if (matches(op, 'x', 'x', true) !== undefined) expect(got, filter).toEqual(expected);
        }
      }
    });
  }

  it('/Users: value paths with same-element semantics', async () => {
    for (const payload of PAYLOADS) {
      for (const op of ['eq', 'ew']) {
        const filter = `emails[type eq "work" and value ${op} ${JSON.stringify(payload)}]`;
        const expected = seeded.filter((u) => matches(op, u.emails[0], payload, false)).map((u) => u.id).sort();
        expect(await ids('/Users', filter), filter).toEqual(expected);
      }
      const nested = `not (emails[value eq ${JSON.stringify(payload)}]) and userName eq ${JSON.stringify(payload)}`;
      expect(await ids('/Users', nested), nested).toEqual([]);
    }
  });

  it('/Groups: displayName and members', async () => {
    for (const payload of PAYLOADS) {
      for (const op of SOME) {
        const filter = `displayName ${op} ${JSON.stringify(payload)}`;
        const got = await ids('/Groups', filter);
        expect(got, filter).toBeDefined();
        const expected = groups.filter((g) => matches(op, g.displayName, payload, false)).map((g) => g.id).sort();
        if (matches(op, 'x', 'x', true) !== undefined) expect(got, filter).toEqual(expected);
      }
      const member = `members[value eq ${JSON.stringify(payload)}]`;
      expect(await ids('/Groups', member), member).toEqual([]);
      expect(await ids('/Groups', `members.value eq ${JSON.stringify(payload)}`)).toEqual([]);
    }
  });

  // Every other attribute a filter can name (columns, child tables, JSON, dates, booleans, references), through
  // every operator and `pr`: a correct empty answer or a 400 for a type that cannot compare with a string.
  const OTHER_USER_PATHS = [
    'id', 'active', 'meta.created', 'meta.lastModified', 'meta.resourceType', 'meta.version',
    'name.familyName', 'name.formatted', 'nickName', 'locale', 'timezone', 'userType', 'preferredLanguage',
    'emails.type', 'emails.primary', 'phoneNumbers.value', 'addresses.locality', 'roles.value', 'entitlements.value',
    'groups', 'groups.value', 'groups.display', 'x509Certificates.value', `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`,
    `${ENTERPRISE}:department`,
  ];
  // Quotes, comments, LIKE wildcards and escapes: a third of the payloads, each kind represented.
  const SAMPLE = [...new Set([...PAYLOADS.filter((_, i) => i % 3 === 0), '%', '_', '\\', "x' ESCAPE '\\"])];
  const OTHER_GROUP_PATHS = ['id', 'externalId', 'members', 'members.type', 'members.display', 'meta.created', 'meta.lastModified'];
  it.each([
    ['/Users', OTHER_USER_PATHS],
    ['/Groups', OTHER_GROUP_PATHS],
  ])('%s: every other filterable attribute, every operator', async (resource, paths) => {
    for (const path of paths) {
      await ids(resource, `${path} pr and not (${path} pr)`); // a 200 or a 400 (some attributes are not filterable)
      for (const op of ALL) {
        for (const payload of SAMPLE) {
          const filter = `${path} ${op} ${JSON.stringify(payload)}`;
          const got = await ids(resource, filter);
          // No value these attributes hold contains a payload (the seeded names live in displayName and title,
          // which the list leaves out, and in the `display` of groups and members): the string matches find none.
          if (got && ['eq', 'co', 'sw', 'ew'].includes(op) && !['title', 'displayName', 'groups.display', 'members.display'].includes(path)) {
            expect(got, filter).toEqual([]);
          }
        }
      }
    }
  }, 120_000);

  it('unquoted and half-quoted payloads never widen a match', async () => {
    for (const payload of PAYLOADS) {
      for (const filter of [`userName eq ${payload}`, `userName eq "${payload}`, `userName eq "x" ${payload}`, `(userName eq "alice") ${payload}`]) {
        const got = await ids('/Users', filter);
        if (got) expect(got.length, `${filter} → ${got.length} users`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('.search bodies carry the same payloads', async () => {
    for (const payload of PAYLOADS) {
      const res = await roster.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: `userName eq ${JSON.stringify(payload)}`, attributes: ['id'] });
      expect(res.status, res.text).toBe(200);
      expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual(seeded.filter((u) => u.userName.toLowerCase() === payload.toLowerCase()).map((u) => u.id));
    }
  });
});

describe('payloads as attribute names', () => {
  it.each(PAYLOADS)('%s as a filter attribute, sortBy, attributes, excludedAttributes and PATCH path', async (payload) => {
    for (const filter of [`${payload} eq "x"`, `${payload} pr`, `emails[${payload} eq "x"]`, `emails.${payload} eq "x"`, `${ENTERPRISE}:${payload} eq "x"`]) {
      const res = await roster.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expectHandled(res, filter);
      expect(res.status, `${filter} → ${res.text.slice(0, 200)}`).toBe(400);
    }
    for (const param of ['sortBy', 'attributes', 'excludedAttributes']) {
      const res = await roster.scim('GET', `/Users?${param}=${encodeURIComponent(payload)}`);
      expectHandled(res, `${param}=${payload}`);
      // Unknown names in attribute lists are ignored (RFC 7644 3.9); an unknown sort key is a 400.
      if (res.status === 200) expect(res.body.totalResults).toBe(seeded.length);
    }
    const target = seeded[seeded.length - 1];
    const patched = await roster.scim('PATCH', `/Users/${target.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: payload, value: 'x' }] });
    expectHandled(patched, `PATCH path ${payload}`);
    expect(patched.status, patched.text).toBe(400);
  });
});
