import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenScope } from '../../src/directory/tenants.js';
import { startRoster, type Roster } from '../support/roster.js';
import { runCli, userBody } from './support.js';

// The application API: the change feed (long polling, changes:read tokens) and the password check
// (password:check tokens): scopes kept apart from SCIM, answers, rate limits, and the provisioning log.

let roster: Roster;
const tokens: Record<string, string> = {};
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

beforeAll(async () => {
  // Small limits so they can be reached: per user 4 at once, per token 12 at once.
  process.env.ROSTER_PASSWORD_CHECK_LIMIT_USER = '1/min:4';
  process.env.ROSTER_PASSWORD_CHECK_LIMIT_TOKEN = '1/min:12';
  roster = await startRoster();
  const directory = await roster.service.tenants.requireDirectory('default');
  for (const scope of ['changes:read', 'password:check', 'scim:read'] as TokenScope[]) {
    tokens[scope] = (await roster.service.tenants.createToken(directory, { label: `app ${scope}`, scope })).token;
  }
  tokens['password:check:2'] = (await roster.service.tenants.createToken(directory, { label: 'second app', scope: 'password:check' })).token;
});
afterAll(async () => {
  await roster?.close();
  delete process.env.ROSTER_PASSWORD_CHECK_LIMIT_USER;
  delete process.env.ROSTER_PASSWORD_CHECK_LIMIT_TOKEN;
});

const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
  roster.request(method, `${roster.origin}${path}`, body, token ? { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) } : {});

describe('token scopes', () => {
  it('keeps application tokens out of SCIM and SCIM tokens out of the application API', async () => {
    for (const scope of ['changes:read', 'password:check']) {
      const refused = await roster.scim('GET', '/Users', undefined, { authorization: `Bearer ${tokens[scope]}` });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain(scope);
    }
    expect((await api('GET', '/api/v1/changes', roster.token)).status).toBe(403);
    expect((await api('GET', '/api/v1/changes', tokens['scim:read'])).status).toBe(403);
    expect((await api('GET', '/api/v1/changes', tokens['password:check'])).status).toBe(403);
    expect((await api('POST', '/api/v1/password-check', tokens['changes:read'], { userName: 'x', password: 'y' })).status).toBe(403);
    const anonymous = await api('GET', '/api/v1/changes', undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect((await api('GET', '/api/v1/changes', 'rst_not-a-token-at-all-000000')).status).toBe(401);
  });
});

describe('the change feed', () => {
  it('pages through the history in order, without secrets', async () => {
    const created = await roster.scim('POST', '/Users', userBody('feed@example.com', { password: 'Feed-Secret-Pass-1' }));
    await roster.scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { title: 'T', password: 'Feed-Secret-Pass-2' } }] });
    const all = await api('GET', '/api/v1/changes?after=0&limit=1000', tokens['changes:read']);
    expect(all.status).toBe(200);
    const mine = all.body.changes.filter((c: { resourceId: string }) => c.resourceId === created.body.id);
    expect(mine.map((c: { type: string }) => c.type)).toEqual(['user.created', 'user.updated']);
    expect(mine[1]).toMatchObject({ resourceType: 'User', resourceName: 'feed@example.com', actor: { kind: 'scim' }, data: { changes: { title: { after: 'T' }, password: { changed: true } } } });
    expect(all.text).not.toContain('Feed-Secret-Pass');
    // Paging: limit, next, hasMore.
    const first = await api('GET', '/api/v1/changes?after=0&limit=1', tokens['changes:read']);
    expect(first.body.changes).toHaveLength(1);
    expect(first.body.hasMore).toBe(true);
    const second = await api('GET', `/api/v1/changes?after=${first.body.next}&limit=1`, tokens['changes:read']);
    expect(second.body.changes[0].seq).toBe(first.body.next + 1);
    for (const bad of ['after=-1', 'after=x', 'limit=0', 'limit=1001', 'wait=61', 'wait=1.5']) {
      const answer = await api('GET', `/api/v1/changes?${bad}`, tokens['changes:read']);
      expect(answer.status, bad).toBe(400);
    }
  });

  it('long-polls: answers as soon as a change appears, or empty when the wait is over', async () => {
    const latest = (await api('GET', '/api/v1/changes?after=0&limit=1000', tokens['changes:read'])).body.next;
    const started = Date.now();
    const empty = await api('GET', `/api/v1/changes?after=${latest}&wait=1`, tokens['changes:read']);
    expect(empty.body).toEqual({ changes: [], next: latest, hasMore: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    const waiting = api('GET', `/api/v1/changes?after=${latest}&wait=20`, tokens['changes:read']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const t0 = Date.now();
    await roster.scim('POST', '/Users', userBody('late@example.com'));
    const answer = await waiting;
    expect(Date.now() - t0).toBeLessThan(8_000); // long before the 20 s wait
    expect(answer.body.changes.map((c: { type: string; resourceName: string }) => `${c.type} ${c.resourceName}`)).toEqual(['user.created late@example.com']);
  });

  it('serves each directory its own feed under /d/{slug}/api/v1', async () => {
    const acme = await roster.createDirectory('acme');
    const directory = await roster.service.tenants.requireDirectory('acme');
    const feedToken = (await roster.service.tenants.createToken(directory, { label: 'acme feed', scope: 'changes:read' })).token;
    await roster.request('POST', `${acme.baseUrl}/Users`, userBody('acme@example.com'), { authorization: `Bearer ${acme.token}` });
    const feed = await api('GET', '/d/acme/api/v1/changes', feedToken);
    expect(feed.body.changes.map((c: { resourceName: string }) => c.resourceName)).toEqual(['acme@example.com']);
    expect((await api('GET', '/api/v1/changes', feedToken)).status).toBe(401);
    expect((await api('GET', '/d/acme/api/v1/changes', tokens['changes:read'])).status).toBe(401);
  });
});

describe('the password check', () => {
  const check = (userName: string, password: string, token = tokens['password:check']) => api('POST', '/api/v1/password-check', token, { userName, password });

  it('answers yes with the user for an active user and the right password, and no otherwise', async () => {
    const user = await roster.scim('POST', '/Users', userBody('pw@example.com', { password: 'Right-Password-1' }));
    const yes = await check('PW@example.com', 'Right-Password-1');
    expect(yes.status).toBe(200);
    expect(yes.body.valid).toBe(true);
    expect(yes.body.user).toMatchObject({ id: user.body.id, userName: 'pw@example.com' });
    expect(yes.text).not.toContain('Right-Password-1');
    expect((await check('pw@example.com', 'wrong-password')).body).toEqual({ valid: false });
    expect((await check('nobody@example.com', 'Right-Password-1')).body).toEqual({ valid: false });
    await roster.scim('PATCH', `/Users/${user.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect((await check('pw@example.com', 'Right-Password-1', tokens['password:check:2'])).body).toEqual({ valid: false });
    await roster.scim('POST', '/Users', userBody('nopw@example.com'));
    expect((await check('nopw@example.com', '', tokens['password:check:2'])).status).toBe(400);
    expect((await check('nopw@example.com', 'anything', tokens['password:check:2'])).body).toEqual({ valid: false });
    for (const body of [{}, { userName: 'x' }, { userName: 5, password: 'p' }, { userName: 'x', password: 'p'.repeat(2000) }, []]) {
      expect((await api('POST', '/api/v1/password-check', tokens['password:check:2'], body)).status).toBe(400);
    }
  });

  it('takes as long for an unknown user as for a wrong password (a dummy hash is verified)', async () => {
    await roster.scim('POST', '/Users', userBody('timing@example.com', { password: 'Timing-Pass-1' }));
    const time = async (userName: string) => {
      const started = performance.now();
      await roster.service.storage.db.selectFrom('users').select('id').limit(1).execute();
      const answer = await api('POST', '/d/default/api/v1/password-check', tokens['password:check:2'], { userName, password: 'not-it' });
      expect(answer.body.valid).toBe(false);
      return performance.now() - started;
    };
    // The fastest of three each: a busy machine only ever adds time. Without the dummy verification an unknown
    // user would answer in a fraction of the time (no argon2id at all).
    const known = Math.min(await time('timing@example.com'), await time('timing@example.com'), await time('timing@example.com'));
    const unknown = Math.min(await time('ghost1@example.com'), await time('ghost2@example.com'), await time('ghost3@example.com'));
    expect(unknown).toBeGreaterThan(known * 0.3);
  });

  it('is rate limited per user and per token, and recorded in the provisioning log without the password', async () => {
    await roster.scim('POST', '/Users', userBody('limited@example.com', { password: 'Limited-Pass-1' }));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await check('limited@example.com', `guess-${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const limited = await check('limited@example.com', 'Limited-Pass-1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.detail).toMatch(/for this user/);
    // The token's own budget (12 at once) runs out across users.
    let last = 0;
    for (let i = 0; i < 12 && last !== 429; i++) last = (await check(`someone${i}@example.com`, 'x')).status;
    expect(last).toBe(429);

    await roster.app.provisioningLog.flush();
    const rows = await roster.service.storage.db.selectFrom('provisioning_log').selectAll().where('operation', '=', 'password-check').execute();
    expect(rows.some((r) => r.summary === 'password check for pw@example.com: accepted' && r.status === 200 && r.token_label === 'app password:check')).toBe(true);
    expect(rows.some((r) => r.summary === 'password check for limited@example.com: rate limited' && r.status === 429)).toBe(true);
    const everything = JSON.stringify(await roster.service.storage.db.selectFrom('provisioning_log').selectAll().execute());
    for (const secret of ['Limited-Pass-1', 'Right-Password-1', 'guess-1']) expect(everything).not.toContain(secret);
    // An operator finds them by operation, as with any other request.
    const shown = await runCli(['log', '--operation', 'password-check', '--limit', '1000', '--json', '--database', roster.database.url]);
    expect(shown.code).toBe(0);
    const entries = JSON.parse(shown.stdout).entries as { operation: string; summary: string }[];
    expect(entries.length).toBe(rows.length);
    expect(entries.every((e) => e.operation === 'password-check')).toBe(true);
    expect(entries.some((e) => e.summary === 'password check for limited@example.com: rate limited')).toBe(true);
  });
});
