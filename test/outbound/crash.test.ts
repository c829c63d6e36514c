import { afterAll, describe, expect, it } from 'vitest';
import { Roster } from '../../src/directory/roster.js';
import { Outbound } from '../../src/outbound/index.js';
import { SecretBox } from '../../src/outbound/secrets.js';
import { migrate, openStorage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { spawnRoster, type RosterProcess } from '../support/process.js';
import { FAST_ENV, SECRET_KEY, fakeTarget, userBody, waitFor, type FakeTarget } from './support.js';

// The sending process is killed (SIGKILL) in the middle of delivering; after a restart every change arrives,
// in order per resource. A change in flight at the kill may arrive twice, which is harmless: nothing is lost.

const TOKEN = 'crash-test-token-0123456789abcdef';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let database: TestDatabase | undefined;
let sender: RosterProcess | undefined;
let target: FakeTarget | undefined;

afterAll(async () => {
  await sender?.stop('SIGKILL');
  await target?.close();
  await database?.drop();
});

describe('a crash mid-delivery', { timeout: 120_000 }, () => {
  it('loses nothing: after a restart every change is delivered', async () => {
    target = await fakeTarget();
    target.delayMs = 120;
    database = await createTestDatabase();
    const storage = openStorage(database.url);
    await migrate(storage);
    const roster = new Roster(storage);
    const { directory } = await roster.tenants.bootstrap(TOKEN);
    await new Outbound(roster, { secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')) }).targets.add(directory, {
      name: 'slow',
      url: target.url,
      auth: { type: 'none' },
      initialSync: false,
    });
    await storage.close();

    sender = await spawnRoster({ databaseUrl: database.url, env: FAST_ENV });
    const scim = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${sender!.origin}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
      return (await response.json()) as { id: string };
    };
    const names = Array.from({ length: 15 }, (_, i) => `crash${i}@example.com`);
    for (const name of names) {
      const { id } = await scim('POST', '/Users', userBody(name, { title: 'first' }));
      await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'second' }] });
    }
    // Kill it while a request is on its way (answers take 120 ms).
    await waitFor('some deliveries', () => target!.requests.length >= 6, 20_000, 5);
    await sender.stop('SIGKILL');
    const delivered = target.users.size;
    expect(names.filter((name) => target!.user(name)?.title === 'second').length).toBeLessThan(names.length);

    sender = await spawnRoster({ databaseUrl: database.url, env: FAST_ENV });
    // Done when the target's cursor reached the end of the history and nothing waits in a lane.
    const check = openStorage(database.url);
    try {
      await waitFor('every change after the restart', async () => {
        const endpoint = await check.db.selectFrom('outbound_endpoints').select('cursor_seq').executeTakeFirstOrThrow();
        const latest = await check.db.selectFrom('directory_counters').select('change_seq').executeTakeFirstOrThrow();
        const lanes = await check.db.selectFrom('outbound_lanes').select('resource_id').execute();
        return Number(endpoint.cursor_seq) === Number(latest.change_seq) && lanes.length === 0;
      }, 40_000);
    } finally {
      await check.close();
    }
    expect(names.every((name) => target!.user(name)?.title === 'second')).toBe(true);
    expect(target.users.size).toBe(names.length);
    expect(delivered).toBeLessThan(names.length);
    for (const name of names) {
      const remote = target.user(name)!;
      const mine = target.requests.filter((r) => r.status && r.status < 300 && (r.body?.userName === name || r.path.endsWith(remote.id)));
      // Creates come before updates for every user; the last one written carries the last title.
      expect(mine.filter((r) => r.method !== 'GET')[0].method).toBe('POST');
      expect(mine.filter((r) => r.method === 'PUT').at(-1)?.body.title).toBe('second');
    }
  });
});
