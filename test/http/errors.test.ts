// Errors and the HTTP envelope: unknown routes, bad bodies, content types, size limits, unknown query
// parameters, and hostile input that must never produce a 5xx or a stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  PATCH_OP,
  USER_SCHEMA,
  createGroup,
  createUser,
  expectError,
  expectHandled,
  expectList,
  expectResource,
  expectScimJson,
  expectStatus,
  rawScim,
  unique,
} from './helpers.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/Nope'],
    ['GET', '/Users/abc/def'],
    ['POST', '/Printers'],
    ['GET', '/users-and-more'],
    ['DELETE', '/Schemas/x/y/z'],
  ])('%s %s → 404 Error body', async (method, path) => {
    expectError(await roster.scim(method, path, method === 'POST' ? {} : undefined), 404);
  });

  it('answers 404 with an Error body outside the SCIM base URL too', async () => {
    const res = await rawScim(`${roster.origin}/definitely-not-a-route`, roster.token, 'GET');
    expectError(res, 404);
  });

  it.each([
    ['PATCH', '/Users'],
    ['PUT', '/Users'],
    ['DELETE', '/Users'],
    ['DELETE', '/Groups'],
    ['POST', '/Users/some-id'],
    ['DELETE', '/ServiceProviderConfig'],
    ['PUT', '/Schemas'],
    ['GET', '/Bulk'],
  ])('%s %s (a method the route does not have) → 404 or 405 with an Error body', async (method, path) => {
    const res = await roster.scim(method, path, ['POST', 'PUT', 'PATCH'].includes(method) ? { schemas: [USER_SCHEMA], userName: unique('m') } : undefined);
    expect([404, 405]).toContain(res.status);
    expectError(res, res.status);
  });
});

describe('request bodies', () => {
  it.each([
    ['truncated JSON', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":'],
    ['trailing garbage', '{"userName":"x"} trailing'],
    ['single quotes', "{'userName':'x'}"],
    ['a bare word', 'hello'],
    ['a trailing comma', '{"userName":"x",}'],
  ])('malformed JSON (%s) → 400 invalidSyntax', async (_label, raw) => {
    expectError(await roster.scim('POST', '/Users', raw), 400, 'invalidSyntax');
  });

  it('answers malformed JSON on PUT and PATCH with 400 invalidSyntax too', async () => {
    const user = await createUser(roster);
    expectError(await roster.scim('PUT', `/Users/${user.id}`, '{"userName":'), 400, 'invalidSyntax');
    expectError(await roster.scim('PATCH', `/Users/${user.id}`, '{"Operations":['), 400, 'invalidSyntax');
    expectError(await roster.scim('POST', '/Bulk', '{"Operations":['), 400, 'invalidSyntax');
    expectError(await roster.scim('POST', '/Users/.search', '{"filter":'), 400, 'invalidSyntax');
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'just text'],
    ['a number', 42],
    ['true', true],
  ])('a body that is %s (not an object) → 400', async (_label, body) => {
    const res = await roster.scim('POST', '/Users', JSON.stringify(body));
    expectError(res, 400);
  });

  it('rejects a __proto__ key with 400 and pollutes nothing', async () => {
    const raw = `{"schemas":["${USER_SCHEMA}"],"userName":"${unique('proto')}","__proto__":{"polluted":"yes"}}`;
    const res = await roster.scim('POST', '/Users', raw);
    expectHandled(res);
    expect(res.status).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('never lets constructor or prototype keys through', async () => {
    const userName = unique('ctor');
    const res = await roster.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName,
      constructor: { prototype: { polluted: 'yes' } },
      name: { constructor: 'x', prototype: 'y' },
    });
    expectHandled(res);
    if (res.status === 201) expect(JSON.stringify(res.body)).not.toMatch(/polluted|prototype|constructor/);
  });

  it('answers an empty body on POST with 400', async () => {
    const res = await roster.scim('POST', '/Users', '');
    expectError(res, 400);
  });

  it('answers a body over the size limit with 413 and an Error body', async () => {
    const spc = await roster.scim('GET', '/ServiceProviderConfig');
    const size = Math.max(12 * 1024 * 1024, 2 * (spc.body.bulk?.maxPayloadSize ?? 0));
    const raw = JSON.stringify({ schemas: [USER_SCHEMA], userName: unique('huge'), nickName: 'x'.repeat(size) });
    const res = await roster.scim('POST', '/Users', raw);
    expectError(res, 413);
  });

  it('answers deeply nested JSON without a 5xx', async () => {
    const depth = 100_000;
    const raw = `{"schemas":["${USER_SCHEMA}"],"userName":"${unique('deep')}","name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const res = await roster.scim('POST', '/Users', raw);
    expectHandled(res);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });
});

describe('content types', () => {
  it('answers text/plain with 415 and an Error body', async () => {
    const res = await roster.scim('POST', '/Users', JSON.stringify({ schemas: [USER_SCHEMA], userName: unique('plain') }), { 'content-type': 'text/plain' });
    expectError(res, 415);
  });

  it.each(['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('answers %s with 415', async (type) => {
    const res = await roster.scim('POST', '/Users', JSON.stringify({ schemas: [USER_SCHEMA], userName: unique('ct') }), { 'content-type': type });
    expectError(res, 415);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/scim+json', 'application/scim+json; charset=utf-8', 'Application/SCIM+JSON'])(
    'accepts %s',
    async (type) => {
      const res = await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('ok') }, { 'content-type': type });
      expectResource(res, 201, 'User');
    },
  );

  it('accepts application/json on PATCH and PUT', async () => {
    const user = await createUser(roster);
    const patched = await roster.scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'j' }] }, { 'content-type': 'application/json' });
    expectStatus(patched, 200);
    const put = await roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName }, { 'content-type': 'application/json' });
    expectStatus(put, 200);
  });

  it('answers with application/scim+json on success, list, discovery and error answers', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster, { members: [{ value: user.id }] });
    for (const path of [`/Users/${user.id}`, '/Users', `/Groups/${group.id}`, '/Groups', '/ServiceProviderConfig', '/Schemas', '/ResourceTypes', '/Users/nope']) {
      expectScimJson(await roster.scim('GET', path));
    }
    expectScimJson(await roster.scim('POST', '/Users', '{'));
    expectScimJson(await roster.scim('GET', '/Users', undefined, { authorization: '' }));
  });

  it('answers with application/scim+json even when the client asks for application/json', async () => {
    const res = await roster.scim('GET', '/Users', undefined, { accept: 'application/json' });
    expectStatus(res, 200);
    expectScimJson(res);
  });
});

describe('query parameters', () => {
  it('ignores unknown query parameters on every route', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster);
    expectStatus(await roster.scim('GET', '/Users?aadOptscim062020'), 200);
    expectStatus(await roster.scim('GET', '/Users?aadOptscim062020&foo=bar&count=1'), 200);
    expectStatus(await roster.scim('GET', `/Users/${user.id}?aadOptscim062020`), 200);
    expectStatus(await roster.scim('GET', `/Groups/${group.id}?aadOptscim062020=1`), 200);
    expectStatus(await roster.scim('POST', '/Users?aadOptscim062020', { schemas: [USER_SCHEMA], userName: unique('q') }), 201);
    expectStatus(await roster.scim('PATCH', `/Users/${user.id}?aadOptscim062020`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'q' }] }), 200);
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}?aadOptscim062020`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: unique('Q ') }] }), 204);
    expectStatus(await roster.scim('DELETE', `/Users/${user.id}?aadOptscim062020`), 204);
  });

  it('takes a repeated parameter without a 5xx', async () => {
    expectHandled(await roster.scim('GET', '/Users?count=1&count=2'));
    expectHandled(await roster.scim('GET', '/Users?filter=userName%20pr&filter=title%20pr'));
    expectHandled(await roster.scim('GET', '/Users?attributes=userName&attributes=title'));
  });
});

describe('hostile input never produces a 5xx or a stack trace', () => {
  let id: string;
  let groupId: string;
  beforeAll(async () => {
    id = (await createUser(roster)).id;
    groupId = (await createGroup(roster)).id;
  });

  const requests: [string, string, () => string, unknown?][] = [
    ['GET user with %00', 'GET', () => '/Users/%00'],
    ['GET user with a path traversal', 'GET', () => '/Users/..%2F..%2Fetc%2Fpasswd'],
    ['GET user with a quote', 'GET', () => `/Users/${encodeURIComponent('a"b\'c')}`],
    ['GET user with a very long id', 'GET', () => `/Users/${'a'.repeat(4000)}`],
    ['GET user with unicode', 'GET', () => `/Users/${encodeURIComponent('🚀\u202e')}`],
    ['GET with a bad percent-encoding', 'GET', () => '/Users/%E0%A4%A'],
    ['sortBy __proto__', 'GET', () => '/Users?sortBy=__proto__'],
    ['attributes __proto__', 'GET', () => '/Users?attributes=__proto__,constructor'],
    ['excludedAttributes with odd names', 'GET', () => `/Users?excludedAttributes=${encodeURIComponent('[],.."::')}`],
    ['attributes with a filter-like value', 'GET', () => `/Users?attributes=${encodeURIComponent('emails[type eq "work"]')}`],
    ['count huge', 'GET', () => '/Users?count=1e308'],
    ['startIndex huge', 'GET', () => '/Users?startIndex=9007199254740993'],
    ['userName as a huge string', 'POST', () => '/Users', { schemas: [USER_SCHEMA], userName: 'u'.repeat(200_000) }],
    ['userName with NUL and RTL', 'POST', () => '/Users', { schemas: [USER_SCHEMA], userName: `nul\u0000rtl\u202e${Math.random()}` }],
    ['userName with a lone surrogate', 'POST', () => '/Users', { schemas: [USER_SCHEMA], userName: `lone\ud800${Math.random()}` }],
    ['emails with null element', 'POST', () => '/Users', { schemas: [USER_SCHEMA], userName: unique('n'), emails: [null] }],
    ['name as an array', 'POST', () => '/Users', { schemas: [USER_SCHEMA], userName: unique('n'), name: [] }],
    ['schemas as a string', 'POST', () => '/Users', { schemas: USER_SCHEMA, userName: unique('n') }],
    ['schemas with null', 'POST', () => '/Users', { schemas: [null], userName: unique('n') }],
    ['enterprise extension as a string', 'POST', () => '/Users', { schemas: [USER_SCHEMA], userName: unique('n'), 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': 'x' }],
    ['10,000 emails', 'POST', () => '/Users', { schemas: [USER_SCHEMA], userName: unique('n'), emails: Array.from({ length: 10_000 }, (_, i) => ({ value: `e${i}@x.example` })) }],
    ['members with objects as values', 'POST', () => '/Groups', { schemas: [GROUP_SCHEMA], displayName: unique('g'), members: [{ value: { $ne: null } }] }],
    ['members with a number value', 'POST', () => '/Groups', { schemas: [GROUP_SCHEMA], displayName: unique('g'), members: [{ value: 5 }] }],
    ['group displayName with SQL', 'POST', () => '/Groups', { schemas: [GROUP_SCHEMA], displayName: `x'); DROP TABLE users; -- ${Math.random()}` }],
    ['PATCH with 5,000 operations', 'PATCH', () => `/Users/${id}`, { schemas: [PATCH_OP], Operations: Array.from({ length: 5000 }, (_, i) => ({ op: 'replace', path: 'title', value: `t${i}` })) }],
    ['PATCH with a value path on a simple attribute', 'PATCH', () => `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName[value eq "x"]', value: 'y' }] }],
    ['PATCH group members with a non-array', 'PATCH', () => `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: 'abc' }] }],
    ['PATCH group members with null', 'PATCH', () => `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: null }] }],
    ['PATCH group with a deep member filter', 'PATCH', () => `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[${'('.repeat(1000)}value eq "x"${')'.repeat(1000)}]` }] }],
    ['search with a non-string filter', 'POST', () => '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: { a: 1 } }],
    ['search with a string count', 'POST', () => '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], count: 'ten' }],
    ['search with attributes as a string', 'POST', () => '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], attributes: 'userName' }],
  ];

  it.each(requests)('%s', async (label, method, path, body) => {
    const res = await roster.scim(method, path(), body);
    expectHandled(res, label);
    if (res.text !== '') expectScimJson(res);
  });

  it('the server still answers normally afterwards', async () => {
    expectList(await roster.scim('GET', '/Users?count=1'));
    const res = await roster.scim('GET', `/Users/${id}`);
    expectStatus(res, 200);
    expect(res.body.schemas).not.toEqual([ERROR_SCHEMA]);
  });
});
