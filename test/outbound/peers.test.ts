import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roster } from '../../src/directory/roster.js';
import { Outbound } from '../../src/outbound/index.js';
import { SecretBox } from '../../src/outbound/secrets.js';
import { migrate, openStorage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { spawnRoster, type RosterProcess } from '../support/process.js';
import { FAST_ENV, SECRET_KEY, sleep, userBody, waitFor } from './support.js';

// Two Roster processes, each the other's target (each with the other's peer id): changes made on either side
// reach the other, and nothing echoes back and forth: once quiet, both histories stop growing.

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

interface Peer {
  name: string;
  token: string;
  database: TestDatabase;
  process: RosterProcess;
  scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let a: Peer;
let b: Peer;

async function startPeer(name: string): Promise<Peer> {
  const token = `peer-${name}-token-0123456789abcdef`;
  const database = await createTestDatabase();
  const process = await spawnRoster({ databaseUrl: database.url, env: { ...FAST_ENV, ROSTER_BOOTSTRAP_TOKEN: token } });
  return {
    name,
    token,
    database,
    process,
    async scim(method, path, body) {
      const response = await fetch(`${process.origin}/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
    },
  };
}

/** The peer's outbound service, on its database (as the CLI opens it), for the duration of `work`. */
async function withOutbound<T>(peer: Peer, work: (outbound: Outbound, roster: Roster) => Promise<T>): Promise<T> {
  const storage = openStorage(peer.database.url);
  try {
    await migrate(storage);
    const roster = new Roster(storage);
    return await work(new Outbound(roster, { secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')) }), roster);
  } finally {
    await storage.close();
  }
}
const directoryOf = (roster: Roster) => roster.tenants.requireDirectory('default');

async function historyLength(peer: Peer): Promise<number> {
  const storage = openStorage(peer.database.url);
  try {
    const row = await storage.db.selectFrom('changes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await storage.close();
  }
}

const find = async (peer: Peer, type: 'Users' | 'Groups', attribute: string, value: string) =>
  (await peer.scim('GET', `/${type}?filter=${encodeURIComponent(`${attribute} eq "${value}"`)}`)).body.Resources?.[0];

beforeAll(async () => {
  [a, b] = await Promise.all([startPeer('a'), startPeer('b')]);
  const add = (from: Peer, to: Peer, peerId?: string) =>
    withOutbound(from, async (outbound, roster) =>
      outbound.targets.add(await directoryOf(roster), { name: `to-${to.name}`, url: `${to.process.origin}/scim/v2`, auth: { type: 'bearer', token: to.token }, initialSync: false, peerId }),
    );
  const toB = await add(a, b);
  const toA = await add(b, a, toB.ownPeerId);
  await withOutbound(a, async (outbound, roster) => outbound.targets.update(await directoryOf(roster), 'to-b', { peerId: toA.ownPeerId }));
});

afterAll(async () => {
  for (const peer of [a, b]) {
    await peer?.process.stop();
    await peer?.database.drop();
  }
});

describe('two Rosters as each other\'s targets', { timeout: 120_000 }, () => {
  it('stay consistent in both directions and never loop', async () => {
    const ann = await a.scim('POST', '/Users', userBody('ann@example.com', { title: 'Engineer' }));
    await a.scim('POST', '/Users', userBody('bob@example.com'));
    await a.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Team', members: [{ value: ann.body.id }] });
    await waitFor('team on b', async () => (await find(b, 'Groups', 'displayName', 'Team'))?.members?.length === 1);

    // Changes made on b, as b's own IdP would, flow back to a.
    const bobOnB = await find(b, 'Users', 'userName', 'bob@example.com');
    const teamOnB = await find(b, 'Groups', 'displayName', 'Team');
    await b.scim('PATCH', `/Users/${bobOnB.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Manager' }] });
    await b.scim('PATCH', `/Groups/${teamOnB.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: bobOnB.id }] }] });
    await b.scim('POST', '/Users', userBody('cy@example.com'));
    await waitFor('b\'s changes on a', async () => (await find(a, 'Users', 'userName', 'bob@example.com'))?.title === 'Manager' && (await find(a, 'Groups', 'displayName', 'Team'))?.members?.length === 2 && (await find(a, 'Users', 'userName', 'cy@example.com')));

    // Deletion on a, deactivation on b.
    await a.scim('DELETE', `/Users/${ann.body.id}`);
    const cyOnB = await find(b, 'Users', 'userName', 'cy@example.com');
    await b.scim('PATCH', `/Users/${cyOnB.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await waitFor('both sides agree', async () => !(await find(b, 'Users', 'userName', 'ann@example.com')) && (await find(a, 'Users', 'userName', 'cy@example.com'))?.active === false);

    // Quiet: the histories stop growing (no echo), and stay small.
    await sleep(1_000);
    const before = [await historyLength(a), await historyLength(b)];
    await sleep(1_500);
    expect([await historyLength(a), await historyLength(b)]).toEqual(before);
    expect(before[0]).toBeLessThan(30);
    expect(before[1]).toBeLessThan(30);

    // Same people and groups on both sides.
    const snapshot = async (peer: Peer) => {
      const users = (await peer.scim('GET', '/Users?count=100')).body.Resources.map((u: any) => `${u.userName}|${u.title ?? ''}|${u.active}`).sort(); // eslint-disable-line @typescript-eslint/no-explicit-any
      const team = await find(peer, 'Groups', 'displayName', 'Team');
      const members = [];
      for (const m of team.members) members.push((await peer.scim('GET', `/Users/${m.value}`)).body.userName);
      return { users, members: members.sort() };
    };
    expect(await snapshot(a)).toEqual(await snapshot(b));
    expect((await snapshot(a)).members).toEqual(['bob@example.com']);

    for (const [peer, target] of [[a, 'to-b'], [b, 'to-a']] as const) {
      const state = await withOutbound(peer, async (outbound, roster) => (await outbound.targets.get(await directoryOf(roster), target)).state);
      expect(state).toMatchObject({ failed: 0, retrying: 0, backlog: 0 });
    }
  });
});
