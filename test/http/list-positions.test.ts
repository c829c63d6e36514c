import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';

// Unfiltered lists find their total and the first row of any startIndex from per-block counts of live users
// (migration 007) instead of counting and skipping rows. Whatever the blocks say must match the plain truth:
// the users a client would see by walking the whole directory, through deletions, restores and purges.
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('list positions from block counts', () => {
  let roster: Roster;
  const names: string[] = [];

  /** Moves the creation sequence far ahead, so the next users start a new block (4,096 sequence numbers wide). */
  async function skipBlocks(): Promise<void> {
    const db = roster.storage.db;
    if (roster.storage.dialect === 'sqlite') {
      await sql`update sqlite_sequence set seq = seq + 9000 where name = 'users'`.execute(db);
    } else {
      await sql`select setval(pg_get_serial_sequence('users', 'seq'), (select max(seq) from users) + 9000)`.execute(db);
    }
  }

  async function create(name: string): Promise<string> {
    const created = await roster.scim('POST', '/Users', { schemas: [USER], userName: name });
    expect(created.status).toBe(201);
    names.push(name);
    return created.body.id as string;
  }

  /** The users in creation order, as a cursor walk sees them (a keyset on the sequence, no block counts). */
  async function truth(): Promise<string[]> {
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await roster.scim('GET', `/Users?count=7&excludedAttributes=groups&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...page.body.Resources.map((u: { userName: string }) => u.userName));
      if (!page.body.nextCursor) return seen;
      cursor = page.body.nextCursor;
    }
  }

  async function expectEveryWindow(order: 'ascending' | 'descending'): Promise<void> {
    const expected = await truth();
    if (order === 'descending') expected.reverse();
    for (const count of [1, 4, 10]) {
      for (let start = 1; start <= expected.length + 1; start++) {
        const page = await roster.scim('GET', `/Users?startIndex=${start}&count=${count}&sortOrder=${order}&excludedAttributes=groups`);
        expect(page.status).toBe(200);
        expect(page.body.totalResults).toBe(expected.length);
        expect(page.body.Resources?.map((u: { userName: string }) => u.userName) ?? [], `${order} startIndex=${start} count=${count}`).toEqual(
          expected.slice(start - 1, start - 1 + count),
        );
      }
    }
  }

  let soft: string[] = [];
  beforeAll(async () => {
    roster = await startRoster();
    const ids: string[] = [];
    for (let block = 0; block < 4; block++) {
      for (let i = 0; i < 5; i++) ids.push(await create(`b${block}-u${i}@example.com`));
      await skipBlocks();
    }
    soft = [ids[1], ids[5], ids[6], ids[7], ids[8], ids[9], ids[17]];
  });
  afterAll(async () => roster?.close());

  it('gives the right total and page at every startIndex across blocks, in both orders', async () => {
    await expectEveryWindow('ascending');
    await expectEveryWindow('descending');
  });

  it('stays right after soft deletes (a whole block emptied), restores and a hard purge', async () => {
    for (const id of soft) expect((await roster.scim('DELETE', `/Users/${id}`)).status).toBe(204);
    await expectEveryWindow('ascending');
    const restored = await roster.service.users.restore({ directory: (await roster.service.tenants.findDirectory('default'))!, base: roster.baseUrl, actor: { kind: 'cli' } }, soft[3]);
    expect(restored.id).toBe(soft[3]);
    // Purging removes rows that are already hidden: the counts must not move.
    const directory = (await roster.service.tenants.findDirectory('default'))!;
    await roster.service.users.purgeExpired({ directory, base: roster.baseUrl, actor: { kind: 'cli' } }, new Date(Date.now() + 400 * 86_400_000));
    await expectEveryWindow('ascending');
    await expectEveryWindow('descending');
    const total = (await roster.scim('GET', '/Users?count=0')).body.totalResults;
    expect(total).toBe(names.length - soft.length + 1);
  });
});
