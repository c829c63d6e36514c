// Directories are tenants: their own users, groups, uniqueness and tokens. A token never crosses directories.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  BULK_REQUEST,
  GROUP_SCHEMA,
  PATCH_OP,
  SEARCH_REQUEST,
  USER_SCHEMA,
  createGroup,
  createUser,
  directoryClient,
  expectError,
  expectHandled,
  expectList,
  expectResource,
  expectStatus,
  getResource,
  q,
  unique,
  type ScimClient,
  type ScimResponse,
} from './helpers.js';

let roster: Roster;
let acme: ScimClient & { baseUrl: string; token: string };
let globex: ScimClient & { baseUrl: string; token: string };
const acmeSlug = `acme-${Math.random().toString(36).slice(2, 8)}`;
const globexSlug = `globex-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  roster = await startRoster();
  const a = await roster.createDirectory(acmeSlug);
  const g = await roster.createDirectory(globexSlug);
  acme = directoryClient(a.baseUrl, a.token);
  globex = directoryClient(g.baseUrl, g.token);
});
afterAll(async () => {
  await roster?.close();
});

/** Refused: 401 or 403 (or 404 that hides the resource), always with an Error body, never data. */
function expectRefused(res: ScimResponse, context: string): void {
  expect([401, 403, 404], `${context}: ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
  expectError(res, res.status);
}

describe('separate directories', () => {
  it('each has its own SCIM base URL under the same origin', () => {
    expect(acme.baseUrl.startsWith(roster.origin)).toBe(true);
    expect(acme.baseUrl).not.toBe(roster.baseUrl);
    expect(acme.baseUrl).not.toBe(globex.baseUrl);
  });

  it('serves resources with locations under its own base URL', async () => {
    const res = await acme.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('loc') });
    const user = expectResource(res, 201, 'User');
    expect(user.meta.location).toBe(`${acme.baseUrl}/Users/${user.id}`);
    const group = await createGroup(acme);
    expect(group.meta.location).toBe(`${acme.baseUrl}/Groups/${group.id}`);
  });

  it('keeps users apart: a user of one directory is not found in another', async () => {
    const user = await createUser(acme, { userName: `${unique('apart')}@acme.example` });
    expectError(await roster.scim('GET', `/Users/${user.id}`), 404);
    expectError(await globex.scim('GET', `/Users/${user.id}`), 404);
    expect(expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${user.userName}"`)}`))).toHaveLength(0);
    expect(expectList(await roster.scim('GET', `/Users?filter=${q(`id eq "${user.id}"`)}`))).toHaveLength(0);
    expect(expectList(await globex.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: `id eq "${user.id}"` }))).toHaveLength(0);
    expect(expectList(await acme.scim('GET', `/Users?filter=${q(`id eq "${user.id}"`)}`))).toHaveLength(1);
  });

  it('counts only its own users', async () => {
    const fresh = await roster.createDirectory(`count-${Math.random().toString(36).slice(2, 8)}`);
    const client = directoryClient(fresh.baseUrl, fresh.token);
    await createUser(roster);
    const before = await client.scim('GET', '/Users');
    expect(before.body.totalResults).toBe(0);
    await createUser(client);
    await createUser(client);
    const after = await client.scim('GET', '/Users');
    expect(after.body.totalResults).toBe(2);
    expect((await client.scim('GET', '/Groups')).body.totalResults).toBe(0);
  });

  it('allows the same userName and group displayName in two directories', async () => {
    const userName = `${unique('same')}@example.com`;
    const displayName = unique('Same group ');
    await createUser(acme, { userName });
    await createUser(globex, { userName: userName.toUpperCase() });
    await createUser(roster, { userName });
    await createGroup(acme, { displayName });
    await createGroup(globex, { displayName });
    expectError(await acme.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName }), 409, 'uniqueness');
  });

  it('refuses a member from another directory with 400 invalidValue', async () => {
    const outsider = await createUser(globex);
    const outsiderGroup = await createGroup(globex);
    expectError(await acme.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: unique('X '), members: [{ value: outsider.id }] }), 400, 'invalidValue');
    expectError(await acme.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: unique('X '), members: [{ value: outsiderGroup.id }] }), 400, 'invalidValue');
    const group = await createGroup(acme);
    expectError(await acme.scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: outsider.id }] }] }), 400, 'invalidValue');
    expectError(await acme.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: group.displayName, members: [{ value: outsider.id }] }), 400, 'invalidValue');
    expect((await getResource(globex, `/Users/${outsider.id}`)).groups ?? []).toEqual([]);
  });

  it('does not let a bulk request reach into another directory', async () => {
    const outsider = await createUser(globex, { title: 'Untouched' });
    const res = await acme.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'PATCH', path: `/Users/${outsider.id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Touched' }] } },
        { method: 'DELETE', path: `/Users/${outsider.id}` },
      ],
    });
    expectStatus(res, 200);
    expect(res.body.Operations.map((o: any) => o.status)).toEqual(['404', '404']);
    expect((await getResource(globex, `/Users/${outsider.id}`)).title).toBe('Untouched');
  });
});

describe('tokens are bound to one directory', () => {
  let victim: any;
  let victimGroup: any;
  beforeAll(async () => {
    victim = await createUser(globex, { title: 'Safe' });
    victimGroup = await createGroup(globex, { members: [{ value: victim.id }] });
  });

  const attempts: [string, string, () => string, () => unknown][] = [
    ['list users', 'GET', () => '/Users', () => undefined],
    ['read a user', 'GET', () => `/Users/${victim.id}`, () => undefined],
    ['read a group', 'GET', () => `/Groups/${victimGroup.id}`, () => undefined],
    ['search', 'POST', () => '/Users/.search', () => ({ schemas: [SEARCH_REQUEST], filter: 'userName pr' })],
    ['create a user', 'POST', () => '/Users', () => ({ schemas: [USER_SCHEMA], userName: unique('intruder') })],
    ['replace a user', 'PUT', () => `/Users/${victim.id}`, () => ({ schemas: [USER_SCHEMA], userName: victim.userName, title: 'Owned' })],
    ['patch a user', 'PATCH', () => `/Users/${victim.id}`, () => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Owned' }] })],
    ['patch a group', 'PATCH', () => `/Groups/${victimGroup.id}`, () => ({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] })],
    ['delete a group', 'DELETE', () => `/Groups/${victimGroup.id}`, () => undefined],
    ['delete a user', 'DELETE', () => `/Users/${victim.id}`, () => undefined],
    ['bulk', 'POST', () => '/Bulk', () => ({ schemas: [BULK_REQUEST], Operations: [{ method: 'DELETE', path: `/Users/${victim.id}` }] })],
  ];

  async function expectVictimUntouched(): Promise<void> {
    const user = await getResource(globex, `/Users/${victim.id}`);
    expect(user.title).toBe('Safe');
    expect((await getResource(globex, `/Groups/${victimGroup.id}`)).members.map((m: any) => m.value)).toEqual([victim.id]);
    expect((await globex.scim('GET', `/Users?filter=${q('userName sw "intruder"')}`)).body.totalResults).toBe(0);
  }

  it.each(attempts)("another directory's token cannot %s", async (label, method, path, body) => {
    const res = await globex.scim(method, path(), body(), { authorization: `Bearer ${acme.token}` });
    expectRefused(res, label);
    expect(res.text).not.toContain(victim.userName);
    await expectVictimUntouched();
  });

  it.each(attempts)("the default directory's token cannot %s", async (label, method, path, body) => {
    const res = await globex.scim(method, path(), body(), { authorization: `Bearer ${roster.token}` });
    expectRefused(res, label);
    expect(res.text).not.toContain(victim.userName);
    await expectVictimUntouched();
  });

  it.each(attempts)("a directory's token cannot %s through the default directory's URL", async (label, method, path, body) => {
    const res = await roster.scim(method, path(), body(), { authorization: `Bearer ${globex.token}` });
    expectRefused(res, label);
    expect(res.text).not.toContain(victim.userName);
    await expectVictimUntouched();
  });

  it("the right directory's token, on its own URL, still cannot reach another directory's ids", async () => {
    for (const [label, method, path, body] of attempts) {
      if (path() === '/Users' || path().startsWith('/Users/.search') || path() === '/Bulk') continue;
      const res = await acme.scim(method, path(), body());
      expectError(res, 404);
      expect(res.text, label).not.toContain(victim.userName);
    }
    await expectVictimUntouched();
  });

  it('a read token of a directory reads that directory only and cannot write it', async () => {
    const read = await roster.createToken({ directory: globexSlug, scope: 'scim:read' });
    const headers = { authorization: `Bearer ${read}` };
    expectStatus(await globex.scim('GET', `/Users/${victim.id}`, undefined, headers), 200);
    expectError(await globex.scim('PATCH', `/Users/${victim.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, headers), 403);
    expectRefused(await acme.scim('GET', '/Users', undefined, headers), 'read token on another directory');
    expectRefused(await roster.scim('GET', '/Users', undefined, headers), 'read token on the default directory');
    await expectVictimUntouched();
  });

  it('a write token created for a directory works there', async () => {
    const write = await roster.createToken({ directory: acmeSlug, scope: 'scim:write' });
    const res = await acme.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('w') }, { authorization: `Bearer ${write}` });
    expectStatus(res, 201);
    expectRefused(await globex.scim('GET', `/Users/${victim.id}`, undefined, { authorization: `Bearer ${write}` }), 'write token elsewhere');
  });
});

describe('unknown directories', () => {
  it('answer with an Error body, never data and never 5xx', async () => {
    const url = acme.baseUrl.replace(acmeSlug, 'no-such-directory');
    const client = directoryClient(url, roster.token);
    const res = await client.scim('GET', '/Users');
    expectHandled(res);
    expect([401, 403, 404]).toContain(res.status);
  });
});
