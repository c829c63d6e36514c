// Inputs the fuzzing run (test/fuzz) found to break the server, kept as fixed regression cases on both databases.
// A case whose bug is still open is marked with `known` and expected to fail where the bug reproduces: when it is
// fixed the test starts failing, so flip it to a plain test and drop its rule in test/fuzz/known-bugs.ts.
// Each case names the run that found it (ROSTER_FUZZ_SEED replays the run; the seed printed per property too).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, SEARCH_REQUEST, USER_SCHEMA, createGroup, expectError, expectHandled } from '../http/helpers.js';
import { backend } from '../support/backends.js';
import { startRoster, type Roster } from '../support/roster.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

/** A test expected to fail while its bug is open (on the given backends). */
const known = (backends: string[]) => (backends.includes(backend) ? it.fails : it);
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
  // of 2,800 random characters get a 500. Expected: stored (as on SQLite) or a 400 invalidValue naming the
  // attribute and its maximum length, the same on both databases.
  const cases: [string, () => Promise<{ status: number; text: string }>][] = [
    ['POST /Users userName', () => roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: random(2800) })],
    ['POST /Users externalId', () => roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: random(20), externalId: random(2800) })],
    ['POST /Users emails.value', () => roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: random(20), emails: [{ value: random(2800) }] })],
    ['POST /Groups displayName', () => roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: random(2800) })],
    ['POST /Groups externalId', () => roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: random(20), externalId: random(2800) })],
    [
      'PATCH /Groups displayName',
      async () => {
        const group = await createGroup(roster);
        return roster.scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: random(2800) }] });
      },
    ],
  ];
  for (const [label, send] of cases) {
    known(['postgres'])(`${label} of 2,800 random characters is stored or refused with a 400`, async () => {
      const res = await send();
      expectHandled(res as never, label);
      expect(res.status, res.text.slice(0, 200)).toBeLessThan(500);
    });
  }
});
