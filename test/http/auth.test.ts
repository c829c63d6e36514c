// Authentication and authorisation: bearer tokens, 401 with WWW-Authenticate, read-only tokens get 403 on writes.
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
  expectError,
  expectList,
  expectStatus,
  getResource,
  q,
  unique,
  type ScimResponse,
} from './helpers.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

function expectUnauthorized(res: ScimResponse, context: string): void {
  expectError(res, 401);
  expect(res.headers.get('www-authenticate') ?? '', `${context}: WWW-Authenticate`).toMatch(/^Bearer\b/i);
}

describe('401 Unauthorized', () => {
  it.each([
    ['no Authorization header', ''],
    ['a wrong token', 'Bearer not-a-real-token'],
    ['an empty bearer token', 'Bearer '],
    ['the scheme alone', 'Bearer'],
    ['a Basic scheme', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['the token without a scheme', '__TOKEN__'],
    ['the token with an extra character', 'Bearer __TOKEN__x'],
    ['a truncated token', 'Bearer __TOKEN_SHORT__'],
    ['a very long token', `Bearer ${'a'.repeat(8000)}`],
    ['a token with odd characters', `Bearer ../../../etc/passwd;%00'"`],
  ])('%s → 401 with an Error body and WWW-Authenticate: Bearer', async (label, header) => {
    const value = header.replace('__TOKEN_SHORT__', roster.token.slice(0, -1)).replace('__TOKEN__', roster.token);
    const res = await roster.scim('GET', '/Users', undefined, { authorization: value });
    expectUnauthorized(res, label);
    expect(res.text).not.toContain(roster.token);
  });

  it.each([
    ['GET', '/Users'],
    ['GET', '/Users/some-id'],
    ['GET', '/Groups'],
    ['POST', '/Users'],
    ['PUT', '/Users/some-id'],
    ['PATCH', '/Users/some-id'],
    ['DELETE', '/Users/some-id'],
    ['POST', '/Groups'],
    ['PATCH', '/Groups/some-id'],
    ['DELETE', '/Groups/some-id'],
    ['POST', '/Bulk'],
    ['POST', '/Users/.search'],
    ['POST', '/.search'],
  ])('%s %s without a token → 401 before anything else', async (method, path) => {
    const body = ['POST', 'PUT', 'PATCH'].includes(method) ? { schemas: [USER_SCHEMA], userName: unique('anon') } : undefined;
    expectUnauthorized(await roster.scim(method, path, body, { authorization: '' }), `${method} ${path}`);
  });

  it('does not reveal whether a resource exists', async () => {
    const user = await createUser(roster);
    const existing = await roster.scim('GET', `/Users/${user.id}`, undefined, { authorization: 'Bearer wrong' });
    const missing = await roster.scim('GET', '/Users/does-not-exist', undefined, { authorization: 'Bearer wrong' });
    expect(existing.status).toBe(401);
    expect(missing.status).toBe(401);
    expect(existing.text).not.toContain(user.userName);
  });

  it('changes nothing when a write is refused', async () => {
    const user = await createUser(roster, { title: 'Kept' });
    await roster.scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Lost' }] }, { authorization: 'Bearer wrong' });
    await roster.scim('DELETE', `/Users/${user.id}`, undefined, { authorization: '' });
    expect((await getResource(roster, `/Users/${user.id}`)).title).toBe('Kept');
  });
});

describe('accepted tokens', () => {
  it('accepts the bearer scheme in any case', async () => {
    expectStatus(await roster.scim('GET', '/Users', undefined, { authorization: `bearer ${roster.token}` }), 200);
    expectStatus(await roster.scim('GET', '/Users', undefined, { authorization: `BEARER ${roster.token}` }), 200);
  });

  it('accepts a newly created write token, and several tokens side by side', async () => {
    const token = await roster.createToken({ scope: 'scim:write' });
    expect(token).not.toBe(roster.token);
    const res = await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('tok') }, { authorization: `Bearer ${token}` });
    expectStatus(res, 201);
    expectStatus(await roster.scim('GET', `/Users/${res.body.id}`), 200);
  });

  it('creates tokens that look like 256 bits of randomness', async () => {
    const a = await roster.createToken({});
    const b = await roster.createToken({});
    expect(a).not.toBe(b);
    // 256 bits: at least 43 base64url characters or 64 hex characters, give or take a prefix.
    expect(a.length).toBeGreaterThanOrEqual(43);
  });
});

describe('scim:read tokens', () => {
  let read: string;
  let user: any;
  let group: any;
  const as = () => ({ authorization: `Bearer ${read}` });
  beforeAll(async () => {
    read = await roster.createToken({ scope: 'scim:read' });
    user = await createUser(roster, { title: 'Original' });
    group = await createGroup(roster, { members: [{ value: user.id }] });
  });

  it('can read users, groups, lists, discovery and search', async () => {
    expectStatus(await roster.scim('GET', `/Users/${user.id}`, undefined, as()), 200);
    expectStatus(await roster.scim('GET', `/Groups/${group.id}`, undefined, as()), 200);
    expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${user.userName}"`)}`, undefined, as()));
    expectStatus(await roster.scim('GET', '/ServiceProviderConfig', undefined, as()), 200);
    expectStatus(await roster.scim('GET', '/Schemas', undefined, as()), 200);
    expectList(await roster.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: `id eq "${user.id}"` }, as()));
  });

  it.each([
    ['POST /Users', 'POST', () => '/Users', () => ({ schemas: [USER_SCHEMA], userName: unique('ro') })],
    ['PUT /Users/{id}', 'PUT', () => `/Users/${user.id}`, () => ({ schemas: [USER_SCHEMA], userName: user.userName, title: 'Changed' })],
    ['PATCH /Users/{id}', 'PATCH', () => `/Users/${user.id}`, () => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Changed' }] })],
    ['DELETE /Users/{id}', 'DELETE', () => `/Users/${user.id}`, () => undefined],
    ['POST /Groups', 'POST', () => '/Groups', () => ({ schemas: [GROUP_SCHEMA], displayName: unique('ro ') })],
    ['PUT /Groups/{id}', 'PUT', () => `/Groups/${group.id}`, () => ({ schemas: [GROUP_SCHEMA], displayName: 'Changed' })],
    ['PATCH /Groups/{id}', 'PATCH', () => `/Groups/${group.id}`, () => ({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] })],
    ['DELETE /Groups/{id}', 'DELETE', () => `/Groups/${group.id}`, () => undefined],
    ['POST /Bulk', 'POST', () => '/Bulk', () => ({ schemas: [BULK_REQUEST], Operations: [{ method: 'DELETE', path: `/Users/${user.id}` }] })],
  ])('cannot %s: 403 with an Error body, and nothing changes', async (_label, method, path, body) => {
    const res = await roster.scim(method, path(), body(), as());
    expectError(res, 403);
    const fresh = await getResource(roster, `/Users/${user.id}`);
    expect(fresh.title).toBe('Original');
    expect((await getResource(roster, `/Groups/${group.id}`)).members.map((m: any) => m.value)).toEqual([user.id]);
  });

  it('is refused a write even for a resource that does not exist (403 before 404)', async () => {
    expectError(await roster.scim('DELETE', '/Users/does-not-exist', undefined, as()), 403);
  });
});
