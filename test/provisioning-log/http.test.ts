// The provisioning log over HTTP: replays of what Okta and Entra send, then the rows they leave behind.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LogEntry, LogQuery } from '../../src/directory/provisioning-log.js';
import { parseStatusFilter } from '../../src/directory/log-query.js';
import { startRoster, type Roster } from '../support/roster.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const ENTRA = { 'user-agent': 'Microsoft Azure AD SCIM provisioning 1.0' };
const PASSWORD = 'tG7#kQ2!placeholder-9fD1';

let roster: Roster;
let directoryId: string;

beforeAll(async () => {
  roster = await startRoster();
  directoryId = (await roster.service.tenants.findDirectory('default'))!.id;
});
afterAll(async () => {
  await roster.close();
});

/** Waits until the log holds what `check` expects (rows are written after the answer, in the background). */
async function logged(query: LogQuery, check: (entries: LogEntry[]) => void, dir = directoryId): Promise<LogEntry[]> {
  let entries: LogEntry[] = [];
  await vi.waitFor(
    async () => {
      await roster.app.provisioningLog.flush();
      entries = (await roster.app.provisioningLog.query(dir, { limit: 1000, ...query })).entries;
      check(entries);
    },
    { timeout: 5000, interval: 50 },
  );
  return entries;
}

const oktaUser = (userName: string, externalId: string) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Jane', familyName: 'Doe' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: 'Jane Doe',
  externalId,
  groups: [],
  password: PASSWORD,
  active: true,
});

describe('Okta replay', () => {
  let janeId: string;
  let groupId: string;

  it('records each step with the client, token and a readable summary', async () => {
    const okta = (method: string, path: string, body?: unknown) => roster.scim(method, path, body, OKTA);
    expect((await okta('GET', '/Users?startIndex=1&count=2')).status).toBe(200);
    expect((await okta('GET', '/Users?filter=userName%20eq%20%22jane%40example.com%22&startIndex=1&count=100')).status).toBe(200);
    const created = await okta('POST', '/Users', oktaUser('jane@example.com', '00ujl29u0le5T6Aj10h7'));
    expect(created.status).toBe(201);
    janeId = created.body.id;
    expect((await okta('PATCH', `/Users/${janeId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] })).status).toBe(200);
    const group = await okta('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [] });
    groupId = group.body.id;
    const add = { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: janeId, display: 'jane@example.com' }] }] };
    expect((await okta('PATCH', `/Groups/${groupId}`, add)).status).toBe(204);

    const entries = await logged({ client: 'okta' }, (e) => expect(e.length).toBe(6));
    expect(entries.map((e) => e.summary).reverse()).toEqual([
      'test connection',
      'lookup user by userName jane@example.com',
      'create user jane@example.com',
      'deactivate user jane@example.com',
      'create group Engineering',
      'add 1 member to group Engineering',
    ]);
    expect(entries.map((e) => e.operation).reverse()).toEqual(['test-connection', 'lookup', 'create', 'deactivate', 'create', 'members']);
    for (const entry of entries) {
      expect(entry).toMatchObject({ client: 'okta', tokenLabel: 'bootstrap', userAgent: 'Okta SCIM Client 1.0.0', directoryId });
      expect(entry.tokenId).toMatch(/^[0-9a-f-]{36}$/);
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(entry.time)).not.toBeNaN();
    }
    const create = entries.find((e) => e.operation === 'create' && e.resourceType === 'User')!;
    expect(create).toMatchObject({ method: 'POST', path: '/scim/v2/Users', status: 201, resourceId: janeId, resourceName: 'jane@example.com', errorDetail: null });
    const membership = entries.find((e) => e.operation === 'members')!;
    expect(membership).toMatchObject({ status: 204, resourceType: 'Group', resourceId: groupId, resourceName: 'Engineering' });
  });

  it('finds a user\'s rows by userName (any case) or id, newest first', async () => {
    const byName = await logged({ user: 'JANE@example.com' }, (e) => expect(e.length).toBeGreaterThanOrEqual(3));
    expect(byName.map((e) => e.operation)).toEqual(['deactivate', 'create', 'lookup']);
    const byId = await logged({ user: janeId }, (e) => expect(e.length).toBeGreaterThanOrEqual(2));
    expect(byId.map((e) => e.operation)).toEqual(['deactivate', 'create']);
    const group = await logged({ group: 'engineering' }, (e) => expect(e.length).toBe(2));
    expect(group.map((e) => e.operation)).toEqual(['members', 'create']);
  });

  it('names a deleted user in the summary of its deletion', async () => {
    const created = await roster.scim('POST', '/Users', { schemas: [USER], userName: 'temp@example.com' }, OKTA);
    await roster.scim('DELETE', `/Users/${created.body.id}`, undefined, OKTA);
    const entries = await logged({ operation: 'delete' }, (e) => expect(e.length).toBe(1));
    expect(entries[0]).toMatchObject({ summary: 'delete user temp@example.com', status: 204, resourceId: created.body.id });
  });
});

describe('Entra replay', () => {
  const entraBase = '/Users?aadOptscim062020';

  it('recognises Entra by its User-Agent and by its requests alone', async () => {
    // Test connection: a random GUID as userName, through the tenant URL with the compliance flag; no User-Agent.
    const guid = '8a3e5c1f-2b4d-4e6f-9a0b-1c2d3e4f5a6b';
    expect((await roster.scim('GET', `${entraBase}&filter=userName+eq+%22${guid}%22`)).status).toBe(200);
    const body = {
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: 'ryan.entra',
      userName: 'Ryan@contoso.com',
      active: true,
      displayName: 'Ryan Leenay',
      name: { givenName: 'Ryan', familyName: 'Leenay' },
      addresses: null,
    };
    const created = await roster.scim('POST', '/Users', body, ENTRA);
    expect(created.status).toBe(201);
    // Default (non-compliant) PATCH: capitalised op, boolean as a string; sent without a User-Agent here.
    const off = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] };
    expect((await roster.scim('PATCH', `/Users/${created.body.id}`, off)).status).toBe(200);
    const group = await roster.scim('POST', '/Groups', { schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], displayName: 'Sales', externalId: 'e-1', members: [] });
    const members = { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: created.body.id }] }] };
    expect((await roster.scim('PATCH', `/Groups/${group.body.id}`, members, ENTRA)).status).toBe(204);
    const remove = { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: created.body.id }] }] };
    expect((await roster.scim('PATCH', `/Groups/${group.body.id}`, remove, ENTRA)).status).toBe(204);

    const entries = (await logged({ client: 'entra' }, (e) => expect(e.length).toBe(6))).reverse();
    expect(entries.map((e) => e.summary)).toEqual([
      'test connection (lookup of a random userName)',
      'create user Ryan@contoso.com',
      'deactivate user Ryan@contoso.com',
      'create group Sales',
      'add 1 member to group Sales',
      'remove 1 member from group Sales',
    ]);
    expect(entries[0].userAgent).toBe('node'); // fetch's own; recognised from the request instead
    expect(entries[0].path).toContain('aadOptscim062020');
  });
});

describe('errors', () => {
  it('an error row carries the detail and scimType sent back', async () => {
    const first = await roster.scim('POST', '/Users', { schemas: [USER], userName: 'dup@example.com' }, OKTA);
    expect(first.status).toBe(201);
    const second = await roster.scim('POST', '/Users', { schemas: [USER], userName: 'dup@example.com' }, OKTA);
    expect(second.status).toBe(409);
    const entries = await logged({ status: parseStatusFilter('409') }, (e) => expect(e.length).toBe(1));
    expect(entries[0]).toMatchObject({ summary: 'create user dup@example.com', status: 409, errorType: 'uniqueness', errorDetail: second.body.detail });
    expect(entries[0].errorDetail).toBeTruthy();

    const bad = await roster.scim('PATCH', `/Users/${first.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] });
    expect(bad.status).toBe(400);
    const client4xx = await logged({ status: parseStatusFilter('4xx') }, (e) => expect(e.length).toBe(2));
    expect(client4xx[0]).toMatchObject({ status: 400, errorDetail: bad.body.detail, errorType: bad.body.scimType });
  });

  it('records a 401 under the directory named by the URL, without a token', async () => {
    const res = await roster.scim('GET', '/Users', undefined, { authorization: 'Bearer not-a-real-token-at-all', ...OKTA });
    expect(res.status).toBe(401);
    const entries = await logged({ status: parseStatusFilter('401') }, (e) => expect(e.length).toBe(1));
    expect(entries[0]).toMatchObject({ tokenId: null, tokenLabel: null, client: 'okta', summary: 'list users', errorDetail: res.body.detail });
  });

  it('records a 403 of a read-only token with that token', async () => {
    const readOnly = await roster.createToken({ scope: 'scim:read' });
    const res = await roster.scim('POST', '/Users', { schemas: [USER], userName: 'nope@example.com' }, { authorization: `Bearer ${readOnly}` });
    expect(res.status).toBe(403);
    const entries = await logged({ status: parseStatusFilter('403') }, (e) => expect(e.length).toBe(1));
    // The body is not read once authorisation fails, so the summary cannot name the user.
    expect(entries[0]).toMatchObject({ tokenLabel: 'test', summary: 'create user', status: 403, operation: 'create' });
    expect(entries[0].tokenId).not.toBeNull();
  });

  it('records nothing for a directory that does not exist', async () => {
    const before = roster.app.provisioningLog.stats.recorded;
    const res = await roster.request('GET', `${roster.origin}/d/no-such-directory/scim/v2/Users`, undefined, { authorization: `Bearer ${roster.token}` });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(roster.app.provisioningLog.stats.recorded).toBe(before);
  });
});

describe('secrets', () => {
  it('never records a password or a token', async () => {
    const secret = 'Very-Secret-Passw0rd!';
    const created = await roster.scim('POST', '/Users', { schemas: [USER], userName: 'pw@example.com', password: secret }, OKTA);
    await roster.scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { password: `${secret}-2` } }] }, OKTA);
    await roster.scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 42 }] }, OKTA);
    await roster.scim('GET', `/Users?filter=${encodeURIComponent(`password eq "${secret}"`)}`, undefined, OKTA);
    await roster.scim('GET', `/Users?access_token=${roster.token}`, undefined, OKTA);
    const entries = await logged({ user: 'pw@example.com' }, (e) => expect(e.length).toBe(3));
    expect(entries.map((e) => e.summary).reverse()).toEqual(['create user pw@example.com', 'change password of user pw@example.com', 'change password of user pw@example.com']);
    await roster.app.provisioningLog.flush();
    const everything = JSON.stringify(await roster.storage.db.selectFrom('provisioning_log').selectAll().execute());
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(roster.token);
    expect(everything).not.toContain(roster.token.slice(4));
    expect(everything).toContain('access_token=[redacted]');
  });
});

describe('Bulk', () => {
  it('records the bulk request and each of its operations, with the bulk request\'s client', async () => {
    const bulk = {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: 'bulk-a@example.com' } },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'Bulk group', members: [{ value: 'bulkId:a' }] } },
      ],
    };
    expect((await roster.scim('POST', '/Bulk', bulk, OKTA)).status).toBe(200);
    const entries = await logged({ since: new Date(Date.now() - 60_000) }, (e) => expect(e.filter((x) => x.summary.startsWith('bulk')).length).toBe(3));
    const bulkRows = entries.filter((e) => e.summary.startsWith('bulk')).reverse();
    // Ordered by arrival: the bulk request first, then its operations in order.
    expect(bulkRows.map((e) => e.summary)).toEqual([
      'bulk request with 2 operations (2 POST)',
      'bulk: create user bulk-a@example.com',
      'bulk: create group Bulk group with 1 member',
    ]);
    for (const row of bulkRows) expect(row.client).toBe('okta');
    expect(bulkRows.find((r) => r.operation === 'bulk')!.userAgent).toBe('Okta SCIM Client 1.0.0');
    expect(bulkRows.find((r) => r.operation === 'create')!.userAgent).toBeNull();
  });
});

describe('other directories', () => {
  it('keeps each directory\'s rows apart', async () => {
    const acme = await roster.createDirectory('acme-log');
    const acmeId = (await roster.service.tenants.findDirectory('acme-log'))!.id;
    const res = await roster.request('POST', `${acme.baseUrl}/Users`, { schemas: [USER], userName: 'only-acme@example.com' }, { authorization: `Bearer ${acme.token}` });
    expect(res.status).toBe(201);
    const entries = await logged({}, (e) => expect(e.length).toBe(1), acmeId);
    expect(entries[0]).toMatchObject({ summary: 'create user only-acme@example.com', path: '/d/acme-log/scim/v2/Users', directoryId: acmeId });
    const inDefault = (await roster.app.provisioningLog.query(directoryId, { user: 'only-acme@example.com' })).entries;
    expect(inDefault).toEqual([]);
  });
});

describe('paging and filters', () => {
  it('pages newest first without repeats', async () => {
    const log = roster.app.provisioningLog;
    await log.flush();
    const all = (await log.query(directoryId, { limit: 1000 })).entries;
    expect(all.length).toBeGreaterThan(10);
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await log.query(directoryId, { limit: 3, before });
      seen.push(...page.entries.map((e) => e.id));
      if (!page.next) break;
      before = page.next;
    }
    expect(seen).toEqual(all.map((e) => e.id));
    const times = all.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('filters by time and by unknown client', async () => {
    const log = roster.app.provisioningLog;
    const future = await log.query(directoryId, { since: new Date(Date.now() + 60_000) });
    expect(future.entries).toEqual([]);
    const past = await log.query(directoryId, { until: new Date(Date.now() - 3_600_000) });
    expect(past.entries).toEqual([]);
    const unknown = await log.query(directoryId, { client: 'unknown' });
    for (const e of unknown.entries) expect(e.client).toBeNull();
  });
});

describe('a failing log never fails a request', () => {
  it('answers normally while every log write fails, and reports the failure', async () => {
    const own = await startRoster();
    try {
      await own.app.provisioningLog.flush();
      await sql`drop table provisioning_log`.execute(own.storage.db);
      const created = await own.scim('POST', '/Users', { schemas: [USER], userName: 'still-works@example.com' }, OKTA);
      expect(created.status).toBe(201);
      const listed = await own.scim('GET', '/Users?filter=userName%20eq%20%22still-works@example.com%22', undefined, OKTA);
      expect(listed.status).toBe(200);
      expect(listed.body.totalResults).toBe(1);
      await vi.waitFor(async () => {
        await own.app.provisioningLog.flush();
        expect(own.app.provisioningLog.stats.failedBatches).toBeGreaterThan(0);
      });
      expect(own.app.provisioningLog.stats.written).toBe(0);
    } finally {
      await own.close();
    }
  });
});
