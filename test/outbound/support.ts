import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Outbound } from '../../src/outbound/index.js';
import { SecretBox } from '../../src/outbound/secrets.js';
import type { OutboundSettings } from '../../src/outbound/settings.js';
import type { DeliveryWorker } from '../../src/outbound/worker.js';
import { startRoster, type Roster } from '../support/roster.js';

// Helpers of the outbound tests: fast delivery settings, a sending Roster with its worker, and the one fake the
// tests allow: a small controllable SCIM target (node:http, in memory) whose every request is recorded.

export const SECRET_KEY = randomBytes(32).toString('base64');

export const FAST: OutboundSettings = {
  enabled: true,
  pollMs: 40,
  backoffBaseMs: 60,
  backoffMaxMs: 400,
  requestTimeoutMs: 2_000,
  leaseMs: 5_000,
  logRetentionDays: 14,
  concurrency: 8,
};

/** Environment for a spawned Roster that delivers quickly. */
export const FAST_ENV: Record<string, string> = {
  ROSTER_SECRET_KEY: SECRET_KEY,
  ROSTER_OUTBOUND_POLL_MS: '40',
  ROSTER_OUTBOUND_BACKOFF_BASE_MS: '60',
  ROSTER_OUTBOUND_BACKOFF_MAX_MS: '400',
  ROSTER_OUTBOUND_TIMEOUT_MS: '1000',
  ROSTER_OUTBOUND_LEASE_MS: '2500',
};

export interface Sender {
  roster: Roster;
  outbound: Outbound;
  worker: DeliveryWorker;
  directory: Awaited<ReturnType<Roster['service']['tenants']['requireDirectory']>>;
  close(): Promise<void>;
}

/** A Roster in this process with its delivery worker running (fast settings). */
export async function startSender(settings: Partial<OutboundSettings> = {}): Promise<Sender> {
  const roster = await startRoster();
  const outbound = new Outbound(roster.service, { settings: { ...FAST, ...settings }, secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')) });
  const worker = outbound.worker().start();
  const directory = await roster.service.tenants.requireDirectory('default');
  return {
    roster,
    outbound,
    worker,
    directory,
    async close() {
      await worker.stop();
      await roster.close();
    },
  };
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, stepMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the fake target ----

export interface Recorded {
  time: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  status?: number;
}

/** What the test wants the next request to meet: pass it on, answer this instead, or drop the connection. */
export type Behaviour = 'pass' | 'drop' | { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number };

type Doc = Record<string, unknown> & { id: string };

export interface FakeTarget {
  url: string;
  requests: Recorded[];
  users: Map<string, Doc>;
  groups: Map<string, Doc>;
  /** Decides each request; default: pass. */
  behave: (request: Recorded) => Behaviour;
  /** Delay of every passing answer. */
  delayMs: number;
  /** Bearer token required (when set). */
  token?: string;
  /** Or this exact Authorization header (basic auth). */
  authorization?: string;
  /** An OAuth 2.0 token endpoint at /oauth/token for these client credentials: it issues `token`. */
  oauth?: { clientId: string; clientSecret: string; issued: number };
  user(userName: string): Doc | undefined;
  group(displayName: string): Doc | undefined;
  close(): Promise<void>;
}

export async function fakeTarget(options: { token?: string } = {}): Promise<FakeTarget> {
  const users = new Map<string, Doc>();
  const groups = new Map<string, Doc>();
  const requests: Recorded[] = [];
  const target: FakeTarget = {
    url: '',
    requests,
    users,
    groups,
    behave: () => 'pass',
    delayMs: 0,
    token: options.token,
    user: (userName) => [...users.values()].find((u) => String(u.userName).toLowerCase() === userName.toLowerCase()),
    group: (name) => [...groups.values()].find((g) => String(g.displayName).toLowerCase() === name.toLowerCase()),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const record: Recorded = { time: Date.now(), method: req.method ?? 'GET', path: url.pathname.replace(/^\/scim\/v2/, ''), query: url.searchParams, headers: req.headers, body: raw ? safeJson(raw) : undefined };
      requests.push(record);
      const behaviour = target.behave(record);
      if (behaviour === 'drop') {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        const send = () => {
          res.writeHead(status, { 'content-type': 'application/scim+json', ...headers });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        };
        const delay = behaviour === 'pass' ? target.delayMs : (behaviour.delayMs ?? 0);
        if (delay > 0) setTimeout(send, delay);
        else send();
      };
      if (behaviour !== 'pass') return answer(behaviour.status, behaviour.body ?? { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(behaviour.status), detail: 'scripted failure' }, behaviour.headers);
      if (record.path === '/oauth/token') {
        const expected = target.oauth && `Basic ${Buffer.from(`${target.oauth.clientId}:${target.oauth.clientSecret}`).toString('base64')}`;
        if (!expected || req.headers.authorization !== expected || !String(record.body).includes('grant_type=client_credentials')) return answer(401, { error: 'invalid_client' });
        target.oauth!.issued++;
        return answer(200, { access_token: target.token, token_type: 'Bearer', expires_in: 3600 });
      }
      if (target.authorization && req.headers.authorization !== target.authorization) return answer(401, { status: '401', detail: 'bad credentials' });
      if (target.token && req.headers.authorization !== `Bearer ${target.token}`) return answer(401, { status: '401', detail: 'bad token' });
      const [, kind, id] = record.path.split('/');
      const store = kind === 'Users' ? users : kind === 'Groups' ? groups : undefined;
      if (!store) return answer(404, { status: '404', detail: 'no such endpoint' });
      handle(store, kind as 'Users' | 'Groups', id, record, answer);
    });
  });

  function handle(store: Map<string, Doc>, kind: 'Users' | 'Groups', id: string | undefined, record: Recorded, answer: (status: number, body?: unknown) => void): void {
    const unique = kind === 'Users' ? 'userName' : 'displayName';
    const clash = (doc: Record<string, unknown>, except?: string) =>
      [...store.values()].some((d) => d.id !== except && String(d[unique]).toLowerCase() === String(doc[unique]).toLowerCase());
    if (record.method === 'GET' && !id) {
      let all = [...store.values()];
      const filter = record.query.get('filter');
      if (filter) {
        const match = /^(\w+) eq "(.*)"$/.exec(filter);
        if (!match) return answer(400, { status: '400', scimType: 'invalidFilter', detail: 'unsupported filter' });
        all = all.filter((d) => String(d[match[1]]).toLowerCase() === match[2].toLowerCase());
      }
      const start = Number(record.query.get('startIndex') ?? 1);
      const count = Number(record.query.get('count') ?? 100);
      const page = all.slice(start - 1, start - 1 + count);
      return answer(200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: all.length, startIndex: start, itemsPerPage: page.length, Resources: page });
    }
    if (record.method === 'POST' && !id) {
      if (clash(record.body)) return answer(409, { status: '409', scimType: 'uniqueness', detail: `${unique} exists` });
      const doc: Doc = { ...record.body, id: randomUUID() };
      if (kind === 'Groups') doc.members = doc.members ?? [];
      store.set(doc.id, doc);
      return answer(201, doc);
    }
    const current = id ? store.get(id) : undefined;
    if (!current) return answer(404, { status: '404', detail: 'not found' });
    if (record.method === 'GET') return answer(200, current);
    if (record.method === 'DELETE') {
      store.delete(current.id);
      return answer(204);
    }
    if (record.method === 'PUT') {
      if (clash(record.body, current.id)) return answer(409, { status: '409', scimType: 'uniqueness' });
      const doc: Doc = { ...record.body, id: current.id, ...(kind === 'Groups' ? { members: record.body.members ?? current.members } : {}) };
      store.set(current.id, doc);
      return answer(200, doc);
    }
    if (record.method === 'PATCH') {
      // All or nothing, like a strict server: a member removal that matches nothing is a 400 noTarget.
      for (const op of record.body.Operations as { op: string; path?: string }[]) {
        const member = /^members\[value eq "(.+)"\]$/.exec(op.path ?? '');
        if (op.op === 'remove' && member && !((current.members as { value: string }[]) ?? []).some((m) => m.value === member[1])) {
          return answer(400, { status: '400', scimType: 'noTarget', detail: `no member ${member[1]}` });
        }
      }
      for (const op of record.body.Operations as { op: string; path?: string; value?: unknown }[]) {
        const path = op.path ?? '';
        const member = /^members\[value eq "(.+)"\]$/.exec(path);
        if (op.op === 'add' && path === 'members') {
          const list = (current.members as { value: string }[]) ?? [];
          for (const m of op.value as { value: string }[]) if (!list.some((x) => x.value === m.value)) list.push({ value: m.value });
          current.members = list;
        } else if (op.op === 'remove' && member) {
          current.members = ((current.members as { value: string }[]) ?? []).filter((m) => m.value !== member[1]);
        } else if (op.op === 'replace' && path && !path.includes('[')) {
          current[path] = op.value;
        } else {
          return answer(400, { status: '400', scimType: 'invalidPath', detail: `fake cannot ${op.op} ${path}` });
        }
      }
      return answer(kind === 'Groups' ? 204 : 200, kind === 'Groups' ? undefined : current);
    }
    answer(405, { status: '405' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
  return target;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A SCIM user body. */
export function userBody(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: userName.split('@')[0], familyName: 'Tester' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

// ---- the CLI, in this process (spawning one per command costs seconds; the commands are the same code) ----

export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { Command } = await import('commander');
  const { syncCommands } = await import('../../src/cli/commands/sync.js');
  const { tokenCommands } = await import('../../src/cli/commands/token.js');
  const { logCommands } = await import('../../src/cli/commands/log.js');
  const program = new Command('roster').exitOverride();
  syncCommands(program);
  tokenCommands(program);
  logCommands(program);
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '));
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  const previousEnv = { key: process.env.ROSTER_SECRET_KEY };
  process.env.ROSTER_SECRET_KEY ??= SECRET_KEY;
  process.exitCode = undefined;
  let code = 0;
  try {
    await program.parseAsync(['node', 'roster', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    err.push((error as Error).message);
    code = 1;
  } finally {
    console.log = log;
    process.stderr.write = write;
    process.exitCode = undefined;
    if (previousEnv.key === undefined) delete process.env.ROSTER_SECRET_KEY;
  }
  return { code, stdout: out.join('\n'), stderr: err.join('') };
}

/** Waits until every target and webhook of the sender has delivered everything (nothing after its cursor or retrying). */
export async function settled(sender: Sender, timeoutMs = 20_000): Promise<void> {
  await waitFor('deliveries to settle', async () => {
    const views = [...(await sender.outbound.targets.list(sender.directory)), ...(await sender.outbound.webhooks.list(sender.directory))];
    return views.every((v) => v.state.backlog === 0 && v.state.retrying === 0);
  }, timeoutMs);
}
