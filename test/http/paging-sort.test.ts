// Paging (startIndex, count: RFC 7644 section 3.4.2.4) and sorting (sortBy, sortOrder: section 3.4.2.3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  createGroup,
  createUser,
  directoryClient,
  expectError,
  expectHandled,
  expectList,
  expectStatus,
  q,
  unique,
  type ScimClient,
} from './helpers.js';

let roster: Roster;
const tag = unique('pg').toLowerCase();
const created: any[] = [];
// userName suffixes chosen so that creation order, userName order and familyName order all differ.
const seeds = [
  { suffix: 'delta', family: 'Baker', emp: '05' },
  { suffix: 'Alpha', family: 'Young', emp: '03' },
  { suffix: 'echo', family: 'adams', emp: '07' },
  { suffix: 'Charlie', family: 'Zimmer', emp: '01' },
  { suffix: 'bravo', family: 'Miller', emp: '06' },
  { suffix: 'golf', family: 'cole', emp: '02' },
  { suffix: 'Foxtrot', family: 'Evans', emp: '04' },
];
const scoped = `filter=${q(`userName sw "${tag}"`)}`;

beforeAll(async () => {
  roster = await startRoster();
  for (const seed of seeds) {
    created.push(
      await createUser(roster, {
        userName: `${tag}-${seed.suffix}`,
        name: { familyName: seed.family },
        [ENTERPRISE]: { employeeNumber: seed.emp },
      }),
    );
  }
});
afterAll(async () => {
  await roster?.close();
});

/** Byte order of the lower-cased strings (the data is ASCII). */
const caseInsensitive = (a: string, b: string) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0);
const userNames = (list: any[]) => list.map((u) => u.userName);
const creationOrder = () => created.map((u) => u.userName);

describe('paging', () => {
  it('lists in creation order by default', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}`);
    expect(userNames(expectList(res))).toEqual(creationOrder());
    expect(res.body).toMatchObject({ totalResults: 7, itemsPerPage: 7, startIndex: 1 });
  });

  it('pages with startIndex and count, neither skipping nor repeating', async () => {
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 7; startIndex += 3) {
      const res = await roster.scim('GET', `/Users?${scoped}&startIndex=${startIndex}&count=3`);
      const page = expectList(res);
      expect(res.body.totalResults).toBe(7);
      expect(res.body.startIndex).toBe(startIndex);
      expect(res.body.itemsPerPage).toBe(page.length);
      expect(page.length).toBe(Math.min(3, 7 - startIndex + 1));
      seen.push(...userNames(page));
    }
    expect(seen).toEqual(creationOrder());
  });

  it('keeps earlier pages stable while users are added', async () => {
    const ptag = unique('stable').toLowerCase();
    for (let i = 0; i < 5; i++) await createUser(roster, { userName: `${ptag}-${i}` });
    const filter = `filter=${q(`userName sw "${ptag}"`)}`;
    const first = userNames(expectList(await roster.scim('GET', `/Users?${filter}&startIndex=1&count=2`)));
    await createUser(roster, { userName: `${ptag}-new-a` });
    const second = userNames(expectList(await roster.scim('GET', `/Users?${filter}&startIndex=3&count=2`)));
    await createUser(roster, { userName: `${ptag}-new-b` });
    const rest = userNames(expectList(await roster.scim('GET', `/Users?${filter}&startIndex=5&count=10`)));
    const all = [...first, ...second, ...rest];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual([0, 1, 2, 3, 4].map((i) => `${ptag}-${i}`).concat([`${ptag}-new-a`, `${ptag}-new-b`]));
  });

  it('answers count=0 with totalResults and no resources', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&count=0`);
    expect(expectList(res)).toEqual([]);
    expect(res.body.totalResults).toBe(7);
    if (res.body.itemsPerPage !== undefined) expect(res.body.itemsPerPage).toBe(0);
  });

  it('treats a startIndex below 1 as 1', async () => {
    for (const startIndex of ['0', '-5']) {
      const res = await roster.scim('GET', `/Users?${scoped}&startIndex=${startIndex}&count=2`);
      expect(userNames(expectList(res)), startIndex).toEqual(creationOrder().slice(0, 2));
      expect(res.body.startIndex).toBe(1);
    }
  });

  it('treats a negative count as 0', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&count=-3`);
    expect(expectList(res)).toEqual([]);
    expect(res.body.totalResults).toBe(7);
  });

  it('answers an empty page past the end, with the total', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&startIndex=50&count=10`);
    expect(expectList(res)).toEqual([]);
    expect(res.body.totalResults).toBe(7);
  });

  it('pages groups the same way', async () => {
    const gtag = unique('pgG');
    const groups = [];
    for (let i = 0; i < 4; i++) groups.push(await createGroup(roster, { displayName: `${gtag} ${i}` }));
    const filter = `filter=${q(`displayName sw "${gtag}"`)}`;
    const p1 = expectList(await roster.scim('GET', `/Groups?${filter}&startIndex=1&count=3`));
    const p2 = expectList(await roster.scim('GET', `/Groups?${filter}&startIndex=4&count=3`));
    expect([...p1, ...p2].map((g) => g.id)).toEqual(groups.map((g) => g.id));
  });

  it.each(['abc', '1.5', '1e999', '99999999999999999999', '', '%00'])('never answers 5xx for startIndex=%j or count=%j', async (value) => {
    expectHandled(await roster.scim('GET', `/Users?${scoped}&startIndex=${value}`), `startIndex=${value}`);
    expectHandled(await roster.scim('GET', `/Users?${scoped}&count=${value}`), `count=${value}`);
  });

  it('pages through .search with startIndex and count in the body', async () => {
    const res = await roster.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `userName sw "${tag}"`,
      startIndex: 3,
      count: 2,
    });
    expect(userNames(expectList(res))).toEqual(creationOrder().slice(2, 4));
    expect(res.body).toMatchObject({ totalResults: 7, startIndex: 3, itemsPerPage: 2 });
  });
});

describe('count default and maximum', () => {
  let other: ScimClient;
  beforeAll(async () => {
    const dir = await roster.createDirectory(unique('many').toLowerCase());
    other = directoryClient(dir.baseUrl, dir.token);
    const total = 1005;
    for (let i = 0; i < total; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, total - i) }, (_, j) => createUser(other, { userName: `bulk-${String(i + j).padStart(5, '0')}` })),
      );
    }
  }, 240_000);

  it('advertises filter.maxResults 1000', async () => {
    const res = await other.scim('GET', '/ServiceProviderConfig');
    expectStatus(res, 200);
    expect(res.body.filter.maxResults).toBe(1000);
  });

  it('returns 100 resources when count is absent', async () => {
    const res = await other.scim('GET', '/Users');
    expect(expectList(res)).toHaveLength(100);
    expect(res.body).toMatchObject({ totalResults: 1005, itemsPerPage: 100, startIndex: 1 });
  });

  it('caps count at 1000', async () => {
    const res = await other.scim('GET', '/Users?count=5000');
    expect(expectList(res)).toHaveLength(1000);
    expect(res.body).toMatchObject({ totalResults: 1005, itemsPerPage: 1000 });
  });

  it('pages through everything in 100s without skips or repeats', async () => {
    const seen = new Set<string>();
    let total = 0;
    for (let startIndex = 1; startIndex <= 1005; startIndex += 100) {
      const page = expectList(await other.scim('GET', `/Users?startIndex=${startIndex}&count=100`));
      total += page.length;
      for (const u of page) seen.add(u.id);
    }
    expect(total).toBe(1005);
    expect(seen.size).toBe(1005);
  }, 60_000);
});

describe('sorting', () => {
  const byUserName = () => [...created].map((u) => u.userName).sort(caseInsensitive);

  it('sorts by userName ascending, case-insensitively', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=userName`);
    expect(userNames(expectList(res))).toEqual(byUserName());
  });

  it('sorts descending with sortOrder=descending', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=userName&sortOrder=descending`);
    expect(userNames(expectList(res))).toEqual(byUserName().reverse());
  });

  it('sorts ascending with sortOrder=ascending', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=userName&sortOrder=ascending`);
    expect(userNames(expectList(res))).toEqual(byUserName());
  });

  it('accepts the attribute name in any case', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=USERNAME`);
    expect(userNames(expectList(res))).toEqual(byUserName());
  });

  it('sorts by a sub-attribute', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=name.familyName`);
    const families = expectList(res).map((u) => u.name.familyName);
    expect(families).toEqual(seeds.map((s) => s.family).sort(caseInsensitive));
  });

  it('sorts by an enterprise attribute given by its URN', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=${encodeURIComponent(`${ENTERPRISE}:employeeNumber`)}&sortOrder=descending`);
    const emps = expectList(res).map((u) => u[ENTERPRISE].employeeNumber);
    expect(emps).toEqual(['07', '06', '05', '04', '03', '02', '01']);
  });

  it('sorts by meta.created in creation order', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=meta.created`);
    const list = expectList(res);
    const times = list.map((u) => Date.parse(u.meta.created));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('pages through a sorted list without skips or repeats', async () => {
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 7; startIndex += 2) {
      seen.push(...userNames(expectList(await roster.scim('GET', `/Users?${scoped}&sortBy=userName&startIndex=${startIndex}&count=2`))));
    }
    expect(seen).toEqual(byUserName());
  });

  it('sorts groups by displayName', async () => {
    const gtag = unique('sortG');
    for (const name of ['b', 'C', 'a']) await createGroup(roster, { displayName: `${gtag} ${name}` });
    const res = await roster.scim('GET', `/Groups?filter=${q(`displayName sw "${gtag}"`)}&sortBy=displayName&sortOrder=descending`);
    expect(expectList(res).map((g) => g.displayName)).toEqual([`${gtag} C`, `${gtag} b`, `${gtag} a`]);
  });

  it('sorts in a .search body', async () => {
    const res = await roster.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `userName sw "${tag}"`,
      sortBy: 'userName',
      sortOrder: 'descending',
    });
    expect(userNames(expectList(res))).toEqual(byUserName().reverse());
  });

  it('answers 400 for sortBy on an unknown attribute', async () => {
    expectError(await roster.scim('GET', `/Users?${scoped}&sortBy=shoeSize`), 400);
  });

  it('answers 400 or sorts ascending for an unknown sortOrder, never 5xx', async () => {
    const res = await roster.scim('GET', `/Users?${scoped}&sortBy=userName&sortOrder=sideways`);
    expectHandled(res);
    if (res.status === 200) expect(userNames(res.body.Resources)).toEqual(byUserName());
  });
});
