// Crash durability: the real server (`roster serve`, a child process) takes concurrent creates, updates and
// membership changes, is killed with SIGKILL at a random moment, and restarts on the same SQLite file (or the same
// PostgreSQL schema). Every write that was answered 2xx must be there, an update in flight may or may not be, and
// SQLite's integrity check passes.
// Repeated with different kill points: ROSTER_DURABILITY_ROUNDS (5 in CI; `npm run fuzz` runs more).
// A SIGKILL keeps what the kernel already has, so this proves the commit-before-answer order; power loss is
// covered by synchronous=FULL, which this test cannot simulate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../http/helpers.js';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { call, integrityCheck, startProcess, type RunningRoster } from './processes.js';

const ROUNDS = Number(process.env.ROSTER_DURABILITY_ROUNDS ?? 5);
const WORKERS = 3; // of each kind
const folder = mkdtempSync(join(tmpdir(), 'roster-durability-'));
const database = join(folder, 'roster.db');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Ledger {
  created: Map<string, string>; // id → userName, every 201
  titles: Map<string, { acked: number; inFlight?: number }>; // user id → last acknowledged title number
  members: Map<string, Set<string>>; // group id → members acknowledged
}

/** Runs writers until the server dies; records what was acknowledged. */
function load(server: RunningRoster, round: number, ledger: Ledger, targets: { users: string[]; groups: string[]; pool: string[] }) {
  let alive = true;
  void server.exited.then(() => (alive = false));
  const creator = async (w: number) => {
    for (let n = 0; alive; n++) {
      const userName = `r${round}-c${w}-${n}@example.com`;
      const res = await call(server.baseUrl, 'POST', '/Users', { schemas: [USER_SCHEMA], userName, emails: [{ value: userName, type: 'work' }] });
      if (res.status === 0) return; // the server is gone: this write may or may not have happened
      if (res.status === 201) ledger.created.set(res.body.id, userName);
      else throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };
  const updater = async (w: number) => {
    const id = targets.users[w];
    const entry = ledger.titles.get(id)!;
    for (let n = entry.acked + 1; alive; n++) {
      entry.inFlight = n;
      const res = await call(server.baseUrl, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `v${n}` }] });
      if (res.status === 0) return;
      if (res.status === 200) entry.acked = n;
      else throw new Error(`update answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };
  const member = async (w: number) => {
    const group = targets.groups[w];
    const acked = ledger.members.get(group)!;
    for (let n = 0; alive; n++) {
      const value = targets.pool[(round * 7 + n * 3 + w) % targets.pool.length];
      const res = await call(server.baseUrl, 'PATCH', `/Groups/${group}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value }] }] });
      if (res.status === 0) return;
      if (res.status === 204 || res.status === 200) acked.add(value);
      else throw new Error(`membership answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };
  const workers = [];
  for (let w = 0; w < WORKERS; w++) workers.push(creator(w), updater(w), member(w));
  return Promise.all(workers);
}

async function verify(server: RunningRoster, ledger: Ledger): Promise<void> {
  const all = await call(server.baseUrl, 'GET', '/Users?count=1000&attributes=userName&startIndex=1');
  const found = new Map<string, string>();
  const pageSize = 1000;
  for (let start = 1; start <= all.body.totalResults; start += pageSize) {
    const page = start === 1 ? all : await call(server.baseUrl, 'GET', `/Users?count=${pageSize}&attributes=userName&startIndex=${start}`);
    for (const user of page.body.Resources) found.set(user.id, user.userName);
  }
  const lost = [...ledger.created].filter(([id, userName]) => found.get(id) !== userName);
  expect(lost, 'acknowledged creates missing after the crash').toEqual([]);
  for (const [id, { acked, inFlight }] of ledger.titles) {
    const user = await call(server.baseUrl, 'GET', `/Users/${id}?attributes=title`);
    const allowed = [acked === 0 ? undefined : `v${acked}`, ...(inFlight !== undefined && inFlight > acked ? [`v${inFlight}`] : [])];
    expect(allowed, `user ${id} title after the crash`).toContain(user.body.title);
    const n = Number(String(user.body.title ?? 'v0').slice(1));
    ledger.titles.set(id, { acked: Math.max(acked, n) });
  }
  for (const [group, acked] of ledger.members) {
    const res = await call(server.baseUrl, 'GET', `/Groups/${group}?attributes=members`);
    const present = new Set(((res.body.members ?? []) as { value: string }[]).map((m) => m.value));
    const missing = [...acked].filter((m) => !present.has(m));
    expect(missing, `acknowledged members of ${group} missing after the crash`).toEqual([]);
    for (const m of present) acked.add(m);
  }
}

describe(`durability under SIGKILL (${backend})`, () => {
  let postgres: TestDatabase | undefined;
  afterAll(async () => postgres?.drop());
  // On PostgreSQL the server's own process is what dies (the database keeps running): this proves Roster answers
  // only after commit there too. SQLite's file check applies to SQLite only.
  const start = () => startProcess(database, postgres ? { ROSTER_DATABASE_URL: postgres.url } : {});
  const intact = () => {
    if (backend === 'sqlite') expect(integrityCheck(database)).toEqual(['ok']);
  };
  it(
    `keeps every acknowledged write through ${ROUNDS} kills at random moments`,
    async () => {
      if (backend === 'postgres') postgres = await createTestDatabase();
      const ledger: Ledger = { created: new Map(), titles: new Map(), members: new Map() };
      let server = await start();
      const targets = { users: [] as string[], groups: [] as string[], pool: [] as string[] };
      for (let i = 0; i < 12; i++) {
        const res = await call(server.baseUrl, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `target-${i}@example.com` });
        expect(res.status).toBe(201);
        (i < WORKERS ? targets.users : targets.pool).push(res.body.id);
        if (i < WORKERS) ledger.titles.set(res.body.id, { acked: 0 });
      }
      for (let w = 0; w < WORKERS; w++) {
        const res = await call(server.baseUrl, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Durable ${w}` });
        expect(res.status).toBe(201);
        targets.groups.push(res.body.id);
        ledger.members.set(res.body.id, new Set());
      }

      const writesPerRound: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const createdBefore = ledger.created.size;
        const running = load(server, round, ledger, targets);
        const killAfter = 150 + Math.floor(Math.random() * 1200);
        await new Promise((resolve) => setTimeout(resolve, killAfter));
        server.child.kill('SIGKILL');
        const { signal } = await server.exited;
        expect(signal).toBe('SIGKILL');
        await running;
        intact();
        server = await start();
        await verify(server, ledger);
        writesPerRound.push(ledger.created.size - createdBefore);
      }
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      intact();
      console.log(`[durability] ${backend}: ${ROUNDS} SIGKILL rounds, acknowledged creates per round: ${writesPerRound.join(', ')}; ${ledger.created.size} creates verified`);
      expect(ledger.created.size, 'the load generator wrote nothing: the test proves nothing').toBeGreaterThan(ROUNDS);
    },
    Math.max(60_000, ROUNDS * 20_000),
  );
});
