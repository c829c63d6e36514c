import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';

// RFC 9865 cursor paging: creation order, a keyset cursor, no skips or repeats while resources are added.
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('cursor paging (RFC 9865)', () => {
  let roster: Roster;
  beforeAll(async () => {
    roster = await startRoster();
    for (let i = 0; i < 25; i++) {
      const created = await roster.scim('POST', '/Users', { schemas: [USER], userName: `cursor${String(i).padStart(2, '0')}@example.com`, title: i % 2 ? 'odd' : 'even' });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => roster?.close());

  it('walks every user once, in creation order, with nextCursor until the last page', async () => {
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    for (;;) {
      const page = await roster.scim('GET', `/Users?count=10&cursor=${encodeURIComponent(cursor)}`);
      expect(page.status).toBe(200);
      expect(page.body.totalResults).toBe(25 + (pages > 0 ? 1 : 0));
      seen.push(...page.body.Resources.map((u: { userName: string }) => u.userName));
      pages++;
      if (pages === 1) {
        // A user created while a client pages shows up at the end, never shifting what it has not read yet.
        expect((await roster.scim('POST', '/Users', { schemas: [USER], userName: 'cursor-late@example.com' })).status).toBe(201);
      }
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    expect(pages).toBe(3);
    const expected = [...Array.from({ length: 25 }, (_, i) => `cursor${String(i).padStart(2, '0')}@example.com`), 'cursor-late@example.com'];
    expect(seen).toEqual(expected);
  });

  it('pages a filtered list', async () => {
    const first = await roster.scim('GET', `/Users?filter=${encodeURIComponent('title eq "odd"')}&count=5&cursor=`);
    expect(first.body.totalResults).toBe(12);
    expect(first.body.Resources).toHaveLength(5);
    const second = await roster.scim('GET', `/Users?filter=${encodeURIComponent('title eq "odd"')}&count=5&cursor=${first.body.nextCursor}`);
    expect(second.body.Resources.map((u: { title: string }) => u.title)).toEqual(['odd', 'odd', 'odd', 'odd', 'odd']);
    expect(second.body.Resources[0].userName > first.body.Resources[4].userName).toBe(true);
  });

  it('answers 400 invalidCursor for a cursor it did not issue, and 400 for cursor with sortBy', async () => {
    const bad = await roster.scim('GET', '/Users?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidCursor');
    const sorted = await roster.scim('GET', '/Users?cursor=&sortBy=userName');
    expect(sorted.status).toBe(400);
  });

  it('advertises both paging methods', async () => {
    const config = await roster.scim('GET', '/ServiceProviderConfig');
    expect(config.body.pagination).toMatchObject({ cursor: true, index: true, defaultPaginationMethod: 'index', maxPageSize: 1000 });
  });
});
