import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admins } from '../../src/console/auth/admins.js';
import { startRoster, type Roster } from '../support/roster.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './browser.js';

// People and members are paged in SQL: in a directory of 50,000 people, all in one group, every page of the People
// table and of the group's members holds one page of rows, the counts are right, and the page links lead on
// without gaps or repeats, whatever the filters (status, role, source) or how far in. (Seeded with plain inserts,
// which is what 50,000 provisioning calls would leave behind. How fast this is belongs to `npm run bench`.)

const PEOPLE = 50_000;
const DELETED = 120; // person000000 … person000119 are soft-deleted
const isBlocked = (n: number) => n % 17 === 0;
const byConsole = (n: number) => n % 5 === 0; // created in the console; the rest by Okta
const live = (n: number) => n >= DELETED;
const countOf = (test: (n: number) => boolean) => Array.from({ length: PEOPLE }, (_, n) => n).filter((n) => live(n) && test(n)).length;
const format = (n: number) => new Intl.NumberFormat('en').format(n);

async function signedInCookie(origin: string): Promise<string> {
  const form = await fetch(`${origin}/admin/login`);
  const loginCookie = (form.headers.get('set-cookie') ?? '').split(';')[0];
  const token = /name="_login" value="([^"]+)"/.exec(await form.text())![1];
  const answer = await fetch(`${origin}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie },
    body: new URLSearchParams({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD, _login: token }).toString(),
    redirect: 'manual',
  });
  expect(answer.status).toBe(303);
  return answer.headers.getSetCookie().find((c) => c.startsWith('roster_session='))!.split(';')[0];
}

describe('admin console at scale', { timeout: 120_000 }, () => {
  let roster: Roster;
  let cookie: string;
  let groupId: string;

  beforeAll(async () => {
    roster = await startRoster();
    await new Admins(roster.storage).create(ADMIN_EMAIL, ADMIN_PASSWORD);
    const directory = await roster.service.tenants.requireDirectory('default');
    const group = await roster.scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Everyone' });
    groupId = group.body.id;
    const now = new Date().toISOString();
    const db = roster.storage.db;
    for (let start = 0; start < PEOPLE; start += 1000) {
      const users = Array.from({ length: 1000 }, (_, i) => {
        const n = start + i;
        const userName = `person${String(n).padStart(6, '0')}@example.com`;
        return {
          directory_id: directory.id,
          id: randomUUID(),
          user_name: userName,
          user_name_ci: userName,
          external_id: null,
          display_name: `Person ${n}`,
          active: isBlocked(n) ? 0 : 1,
          created: now,
          last_modified: now,
          version: 1,
          doc: JSON.stringify({ userName, displayName: `Person ${n}`, active: !isBlocked(n) }),
          password_hash: null,
          deleted_at: n < DELETED ? new Date(Date.parse(now) - (DELETED - n) * 1000).toISOString() : null,
        };
      });
      await db.transaction().execute(async (tx) => {
        for (let i = 0; i < users.length; i += 250) await tx.insertInto('users').values(users.slice(i, i + 250)).execute();
        const members = users.map((u) => ({ directory_id: directory.id, group_id: groupId, member_id: u.id, member_type: 'User' as const }));
        for (let i = 0; i < members.length; i += 250) await tx.insertInto('memberships').values(members.slice(i, i + 250)).execute();
        // Each person's creation in the history, which is where the Source column and filter read from.
        const created = users.map((u, i) => ({
          directory_id: directory.id,
          seq: 1000 + start + i,
          time: now,
          resource_type: 'User' as const,
          resource_id: u.id,
          resource_name: u.user_name,
          event: 'user.created',
          actor_kind: byConsole(start + i) ? 'admin' : 'scim',
          actor_id: null,
          actor_label: null,
          actor_client: byConsole(start + i) ? null : 'okta',
          origin: null,
          data: '{}',
        }));
        for (let i = 0; i < created.length; i += 250) await tx.insertInto('changes').values(created.slice(i, i + 250)).execute();
      });
    }
    await db.updateTable('directory_counters').set({ change_seq: 1000 + PEOPLE }).where('directory_id', '=', directory.id).execute();
    // Fresh statistics, as autovacuum would have gathered them by the time a directory is this large.
    await sql`analyze`.execute(db);
    cookie = await signedInCookie(roster.origin);
  }, 300_000);

  afterAll(async () => {
    await roster?.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${roster.origin}${path.replace('GROUP', groupId)}`, { headers: { cookie } });
    const text = await response.text();
    expect(response.status, path).toBe(200);
    // The main table: one page of rows at most (and its header row).
    const table = /<div class="table-wrap"[^>]*>[\s\S]*?<\/table>/.exec(text)?.[0] ?? '';
    const rows = table.match(/<tr>[\s\S]*?<\/tr>/g)?.slice(1) ?? [];
    const href = (rel: string) => new RegExp(`href="([^"]+)" rel="${rel}"`).exec(text)?.[1]?.replaceAll('&amp;', '&');
    const names = rows.map((r) => />(person\d{6}@example\.com)</.exec(r)?.[1]).filter((n): n is string => !!n);
    return { text, rows, names, next: href('next'), previous: href('prev') };
  };
  const numberOf = (userName: string) => Number(/person(\d{6})/.exec(userName)![1]);

  it('pages through People newest first, without gaps or repeats, and back again', async () => {
    const first = await get('/admin/d/default/people');
    expect(first.text).toContain(`Showing 50 of ${format(countOf(() => true))} people`);
    expect(first.names.map(numberOf)).toEqual(Array.from({ length: 50 }, (_, i) => PEOPLE - 1 - i));
    expect(first.previous).toBeUndefined();
    let current = first;
    for (let page = 2; page <= 4; page++) current = await get(current.next!);
    expect(current.names.map(numberOf)).toEqual(Array.from({ length: 50 }, (_, i) => PEOPLE - 151 - i));
    const back = await get(current.previous!);
    expect(back.names.map(numberOf)).toEqual(Array.from({ length: 50 }, (_, i) => PEOPLE - 101 - i));
  });

  it('reaches the last page of people, deleted ones left out', async () => {
    let current = await get('/admin/d/default/people?sort=oldest');
    expect(current.names.map(numberOf)[0]).toBe(DELETED);
    // By name, the last page is the one before which "person049999" comes last.
    current = await get('/admin/d/default/people?sort=name&q=person0499');
    expect(current.text).toContain('Showing 50 of 100 people');
    current = await get(current.next!);
    expect(current.names.at(-1)).toBe('person049999@example.com');
    expect(current.next).toBeUndefined();
  });

  it.each([
    ['blocked people', '/admin/d/default/people?status=blocked', countOf(isBlocked), (n: number) => isBlocked(n)],
    ['active people in the role', '/admin/d/default/people?status=active&role=GROUP', countOf((n) => !isBlocked(n)), (n: number) => !isBlocked(n)],
    ['people created in the console', '/admin/d/default/people?source=console', countOf(byConsole), byConsole],
    ['blocked people from Okta', '/admin/d/default/people?source=okta&status=blocked', countOf((n) => isBlocked(n) && !byConsole(n)), (n: number) => isBlocked(n) && !byConsole(n)],
  ])('filters %s in SQL, with the right count and pages that hold only matches', async (_what, path, total, matches) => {
    const first = await get(path);
    expect(first.text).toContain(`Showing 50 of ${format(total)} people`);
    const second = await get(first.next!);
    const shown = [...first.names, ...second.names].map(numberOf);
    expect(shown).toHaveLength(100);
    expect(new Set(shown).size).toBe(100);
    for (const n of shown) expect(matches(n) && live(n), `person ${n}`).toBe(true);
  });

  it('pages through the deleted people', async () => {
    const first = await get('/admin/d/default/people?status=deleted');
    expect(first.text).toContain(`Showing 50 of ${DELETED} people`);
    const second = await get(first.next!);
    const third = await get(second.next!);
    expect(third.next).toBeUndefined();
    const shown = [...first.names, ...second.names, ...third.names].map(numberOf);
    // Most recent deletion first: every deleted person once.
    expect(shown).toEqual(Array.from({ length: DELETED }, (_, i) => DELETED - 1 - i));
  });

  it.each([
    ['a page deep into the group’s members', '/admin/d/default/roles/GROUP?page=800', `Showing 39,951–40,000 of ${format(PEOPLE - DELETED)} members`],
    ['the roles list with its member counts', '/admin/d/default/roles', format(PEOPLE - DELETED)],
    ['the overview', '/admin/d/default', format(PEOPLE - DELETED)],
  ])('serves %s with one page of rows', async (_what, path, expected) => {
    const { text, rows } = await get(path);
    expect(text).toContain(expected);
    expect(rows.length).toBeLessThanOrEqual(50);
  });
});
