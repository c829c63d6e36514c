import { describe, expect, it } from 'vitest';
import { describeRequest, type RequestFacts } from '../../src/http/request-summary.js';
import { redactUrl } from '../../src/http/provisioning-log.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

const facts = (method: string, path: string, extra: Partial<RequestFacts> = {}): RequestFacts => ({ method, path, status: 200, ...extra });
const summary = (f: RequestFacts, name?: string) => describeRequest(f).summarize(name);

describe('describeRequest: users', () => {
  const cases: [string, RequestFacts, string | undefined, string, string][] = [
    ['Okta create', facts('POST', '/Users', { status: 201, body: { userName: 'jane@example.com', active: true }, location: 'http://x/scim/v2/Users/u1' }), undefined, 'create', 'create user jane@example.com'],
    ['create inactive', facts('POST', '/Users', { status: 201, body: { userName: 'bob', active: 'False' } }), undefined, 'create', 'create user bob (inactive)'],
    ['create without userName', facts('POST', '/Users', { status: 400, body: { name: {} } }), undefined, 'create', 'create user'],
    ['Okta deactivate (no path)', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { active: false } }) }), 'jane@x', 'deactivate', 'deactivate user jane@x'],
    ['Okta reactivate', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { active: true } }) }), 'jane@x', 'reactivate', 'reactivate user jane@x'],
    ['Entra deactivate ("False")', facts('PATCH', '/Users/u1', { body: patch({ op: 'Replace', path: 'active', value: 'False' }) }), 'jane@x', 'deactivate', 'deactivate user jane@x'],
    ['Entra reactivate ("True")', facts('PATCH', '/Users/u1', { body: patch({ op: 'Replace', path: 'active', value: 'True' }) }), 'jane@x', 'reactivate', 'reactivate user jane@x'],
    ['name from the answer', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { active: false } }), response: { id: 'u1', userName: 'from-answer' } }), undefined, 'deactivate', 'deactivate user from-answer'],
    ['falls back to the id', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { active: false } }) }), undefined, 'deactivate', 'deactivate user u1'],
    ['password change', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { password: 'S3cret!' } }) }), 'jane', 'password', 'change password of user jane'],
    ['attribute update', facts('PATCH', '/Users/u1', { body: patch({ op: 'Replace', path: 'name.givenName', value: 'J' }, { op: 'Add', path: 'emails[type eq "work"].value', value: 'j@x' }) }), 'jane', 'update', 'update user jane: name, emails'],
    ['URN manager', facts('PATCH', '/Users/u1', { body: patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm1' }) }), 'jane', 'update', 'update user jane: manager'],
    ['Entra no-path with URN and dotted keys', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { displayName: 'x', 'name.givenName': 'y', [`${ENTERPRISE}:employeeNumber`]: '7' } }) }), 'jane', 'update', 'update user jane: displayName, name, employeeNumber'],
    ['update plus deactivation', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { active: false, title: 'Ex' } }) }), 'jane', 'update', 'update user jane: active=false, title'],
    ['many attributes', facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { a1: 1, a2: 1, a3: 1, a4: 1, a5: 1, a6: 1 } }) }), 'jane', 'update', 'update user jane: a1, a2, a3, a4 and 2 more'],
    ['PUT', facts('PUT', '/Users/u1', { body: { userName: 'jane@example.com' } }), undefined, 'update', 'update user jane@example.com'],
    ['PUT inactive', facts('PUT', '/Users/u1', { body: { userName: 'jane', active: false } }), undefined, 'update', 'update user jane (inactive)'],
    ['DELETE', facts('DELETE', '/Users/u1', { status: 204 }), 'jane', 'delete', 'delete user jane'],
    ['GET one', facts('GET', '/Users/u1'), 'jane', 'read', 'read user jane'],
    ['Ping probe', facts('GET', '/Users/0', { status: 404 }), undefined, 'read', 'read user 0'],
    ['lookup by userName', facts('GET', '/Users', { query: { filter: 'userName eq "jane@example.com"', startIndex: '1', count: '100' } }), undefined, 'lookup', 'lookup user by userName jane@example.com'],
    ['lookup by externalId (unquoted)', facts('GET', '/Users', { query: { filter: 'externalId eq jyoung' } }), undefined, 'lookup', 'lookup user by externalId jyoung'],
    ['Entra reference check', facts('GET', '/Users', { query: { filter: 'id eq "a" and manager eq "b"', attributes: 'id' } }), undefined, 'lookup', 'lookup user by id a and manager b'],
    ['Entra test connection', facts('GET', '/Users', { query: { filter: 'userName eq "5b1c2a3d-1111-4222-8333-944455556666"' } }), undefined, 'test-connection', 'test connection (lookup of a random userName)'],
    ['Okta credential test', facts('GET', '/Users', { query: { startIndex: '1', count: '2' } }), undefined, 'test-connection', 'test connection'],
    ['Google probe', facts('GET', '/Users', { query: { count: '1' } }), undefined, 'test-connection', 'test connection'],
    ['list', facts('GET', '/Users', { query: { startIndex: '101', count: '100' } }), undefined, 'list', 'list users from 101'],
    ['search with a complex filter', facts('GET', '/Users', { query: { filter: 'title co "eng" or active eq false' } }), undefined, 'search', 'search users where title co "eng" or active eq false'],
    ['invalid filter', facts('GET', '/Users', { status: 400, query: { filter: 'userName eq' } }), undefined, 'search', 'search users where userName eq'],
    ['POST .search lookup', facts('POST', '/Users/.search', { body: { filter: 'userName eq "a"' } }), undefined, 'lookup', 'lookup user by userName a'],
  ];
  it.each(cases)('%s', (_label, f, name, operation, text) => {
    const d = describeRequest(f);
    expect(d.operation).toBe(operation);
    expect(d.summarize(name)).toBe(text);
  });

  it('names the resource for the log filters', () => {
    const created = describeRequest(facts('POST', '/Users', { status: 201, body: { userName: 'jane' }, location: 'https://r/scim/v2/Users/abc-1' }));
    expect(created).toMatchObject({ resourceType: 'User', resourceId: 'abc-1', resourceName: 'jane' });
    expect(describeRequest(facts('GET', '/Users', { query: { filter: 'userName eq "Jane"' } }))).toMatchObject({ resourceType: 'User', resourceName: 'Jane' });
    expect(describeRequest(facts('DELETE', '/Users/abc%2F1'))).toMatchObject({ resourceType: 'User', resourceId: 'abc/1' });
  });

  it('never shows a filter on a password', () => {
    const d = describeRequest(facts('GET', '/Users', { status: 400, query: { filter: 'password eq "hunter22"' } }));
    expect(d.summarize(undefined)).not.toContain('hunter22');
  });
});

describe('describeRequest: groups', () => {
  const cases: [string, RequestFacts, string | undefined, string, string][] = [
    ['Okta push', facts('POST', '/Groups', { status: 201, body: { displayName: 'Engineering', members: [] } }), undefined, 'create', 'create group Engineering'],
    ['create with members', facts('POST', '/Groups', { status: 201, body: { displayName: 'Eng', members: [{ value: 'a' }, { value: 'b' }] } }), undefined, 'create', 'create group Eng with 2 members'],
    ['Okta add member', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'add', path: 'members', value: [{ value: 'u1', display: 'jane' }] }) }), 'Engineering', 'members', 'add 1 member to group Engineering'],
    ['Entra add members', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'Add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }) }), 'Engineering', 'members', 'add 2 members to group Engineering'],
    ['Okta remove by filter', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'remove', path: 'members[value eq "u1"]' }) }), 'Engineering', 'members', 'remove 1 member from group Engineering'],
    ['Entra remove by value list', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }] }) }), 'Eng', 'members', 'remove 3 members from group Eng'],
    ['remove all', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'remove', path: 'members' }) }), 'Eng', 'members', 'remove all members from group Eng'],
    ['add and remove', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'remove', path: 'members[value eq "u1"]' }, { op: 'add', path: 'members', value: [{ value: 'u2' }] }) }), 'Eng', 'members', 'add 1 and remove 1 member of group Eng'],
    ['replace members', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'replace', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }) }), 'Eng', 'members', 'set 2 members of group Eng'],
    ['Okta rename (no path, with id)', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'replace', value: { id: 'g1', displayName: 'Platform' } }) }), 'Eng', 'rename', 'rename group to Platform'],
    ['rename with members', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'replace', value: { id: 'g1', displayName: 'Platform' } }, { op: 'add', path: 'members', value: [{ value: 'u1' }] }) }), 'Eng', 'update', 'rename group to Platform; add 1 member to group Platform'],
    ['externalId change', facts('PATCH', '/Groups/g1', { status: 204, body: patch({ op: 'Replace', path: 'externalId', value: 'x' }) }), 'Eng', 'update', 'update group Eng: externalId'],
    ['AIW PUT', facts('PUT', '/Groups/g1', { body: { displayName: 'Eng', members: [{ value: 'a' }] } }), undefined, 'update', 'update group Eng (1 member)'],
    ['DELETE', facts('DELETE', '/Groups/g1', { status: 204 }), 'Eng', 'delete', 'delete group Eng'],
    ['Entra match', facts('GET', '/Groups', { query: { excludedAttributes: 'members', filter: 'displayName eq "Sales"' } }), undefined, 'lookup', 'lookup group by displayName Sales'],
    ['list', facts('GET', '/Groups', { query: { startIndex: '1', count: '100' } }), undefined, 'list', 'list groups'],
  ];
  it.each(cases)('%s', (_label, f, name, operation, text) => {
    const d = describeRequest(f);
    expect(d.operation).toBe(operation);
    expect(d.summarize(name)).toBe(text);
  });
});

describe('describeRequest: the rest', () => {
  it.each([
    [facts('GET', '/ServiceProviderConfig'), 'discovery', 'read ServiceProviderConfig'],
    [facts('GET', '/Schemas'), 'discovery', 'read Schemas'],
    [facts('GET', '/ResourceTypes/User'), 'discovery', 'read ResourceTypes User'],
    [facts('POST', '/Bulk', { body: { Operations: [{ method: 'POST' }, { method: 'post' }, { method: 'PATCH' }] } }), 'bulk', 'bulk request with 3 operations (2 POST, 1 PATCH)'],
    [facts('POST', '/.search', { body: { filter: 'displayName eq "x"' } }), 'lookup', 'lookup resource by displayName x'],
    [facts('GET', '/Me', { status: 501 }), 'other', 'GET /Me'],
    [facts('GET', '/Nope/a/b', { status: 404 }), 'other', 'GET /Nope/a/b'],
  ] as const)('%j', (f, operation, text) => {
    const d = describeRequest(f);
    expect(d.operation).toBe(operation);
    expect(d.summarize(undefined)).toBe(text);
  });

  const deep = (n: number): unknown => {
    let value: unknown = [];
    for (let i = 0; i < n; i++) value = [value];
    return value;
  };
  const hostileBodies: unknown[] = [
    null,
    'x',
    123,
    deep(10_000),
    { Operations: 'nope' },
    { Operations: [null, 7, { op: 5, path: 9 }, { op: 'add', path: '[[[' }, { op: 'remove', path: 'members[' }] },
    JSON.parse('{"__proto__":{"x":1},"userName":{"toString":"bad"}}'),
    { userName: 'a\nb\u2028c' },
  ];
  it.each(hostileBodies.map((b, i) => [i, b]))('hostile body #%i never throws and stays on one line', (_i, body) => {
    for (const [method, path] of [['POST', '/Users'], ['PATCH', '/Users/x'], ['PATCH', '/Groups/x'], ['PUT', '/Groups/x'], ['POST', '/Bulk'], ['POST', '/Users/.search']]) {
      const d = describeRequest(facts(method, path, { body, query: { filter: ['a', 'b'] } }));
      const text = d.summarize(undefined);
      expect(typeof text).toBe('string');
      expect(text).not.toMatch(/[\n\r\u2028]/);
    }
  });

  it('keeps huge names short', () => {
    const d = describeRequest(facts('POST', '/Users', { body: { userName: 'x'.repeat(100_000) } }));
    expect(d.summarize(undefined).length).toBeLessThan(250);
  });
});

describe('redactUrl', () => {
  it.each([
    ['/scim/v2/Users?filter=userName%20eq%20%22a%22', '/scim/v2/Users?filter=userName%20eq%20%22a%22'],
    ['/scim/v2/Users?access_token=abc&count=1', '/scim/v2/Users?access_token=[redacted]&count=1'],
    ['/scim/v2/Users?api_key=abc', '/scim/v2/Users?api_key=[redacted]'],
    ['/scim/v2/Users?filter=password%20eq%20%22hunter22%22', '/scim/v2/Users?filter=[redacted]'],
    ['/scim/v2/Users?aadOptscim062020', '/scim/v2/Users?aadOptscim062020'],
    ['/scim/v2/Users', '/scim/v2/Users'],
    ['/scim/v2/Users?%E0%A4%A=1', '/scim/v2/Users?%E0%A4%A=1'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('describeRequest: Entra email match', () => {
  it('shows a value-path filter as a search, as written', () => {
    const d = describeRequest(facts('GET', '/Users', { query: { filter: 'emails[type eq "work"].value eq "jane@x.com"' } }));
    expect(d.operation).toBe('search');
    expect(d.summarize(undefined)).toBe('search users where emails[type eq "work"].value eq "jane@x.com"');
  });
});
