import { describe, expect, it } from 'vitest';
import { CLIENT_NAMES, clientFromName, recognizeClient, type RequestShape } from '../../src/protocol/clients.js';

const GET_USERS: RequestShape = { method: 'GET', path: '/Users', query: {} };
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('recognizeClient: User-Agent', () => {
  it.each([
    ['Okta SCIM Client 1.0.0', 'okta'],
    ['okta scim client 2.1', 'okta'],
    ['Okta/2023.08 (SCIM)', 'okta'],
    ['Microsoft Azure AD SCIM provisioning 1.0.0', 'entra'],
    ['Azure AD SCIM Client', 'entra'],
    ['AzureAD SCIM', 'entra'],
    ['Microsoft Entra ID provisioning', 'entra'],
    ['Microsoft.Identity.Provisioning/1.0', 'entra'],
    ['OneLogin SCIM', 'onelogin'],
    ['OneLogin-Provisioning/1.0', 'onelogin'],
    ['JumpCloud SCIM Client', 'jumpcloud'],
    ['jumpcloud/1.2', 'jumpcloud'],
    ['PingFederate/11.3', 'ping'],
    ['PingOne-Provisioner', 'ping'],
    ['Google-Workspace-Provisioning', 'google'],
    ['Google Workspace SCIM', 'google'],
  ] as const)('%s → %s', (userAgent, client) => {
    expect(recognizeClient({ ...GET_USERS, userAgent })).toEqual({ client, via: 'user-agent' });
  });

  it.each(['curl/8.4.0', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36', 'Oktoberfest-Bot/1.0', 'python-requests/2.31', '', 'lightMyRequest'])(
    'does not name a client for %j',
    (userAgent) => {
      expect(recognizeClient({ ...GET_USERS, userAgent })).toBeUndefined();
    },
  );

  it('treats a bare Apache HttpClient as Ping, but only when nothing stronger names another client', () => {
    expect(recognizeClient({ ...GET_USERS, userAgent: 'Apache-HttpClient/4.5.13 (Java/11.0.2)' })).toEqual({ client: 'ping', via: 'user-agent' });
    expect(
      recognizeClient({ ...GET_USERS, userAgent: 'Apache-HttpClient/4.5.13 (Java/11.0.2)', tokenLabel: 'SailPoint' }),
    ).toEqual({ client: 'ping', via: 'user-agent' });
    expect(recognizeClient({ ...GET_USERS, userAgent: 'Apache-HttpClient/4.5.13', tokenLabel: 'Okta prod' })).toEqual({ client: 'okta', via: 'token-label' });
  });

  it('prefers a User-Agent to every other signal', () => {
    const shape: RequestShape = { method: 'GET', path: '/Users', query: { aadOptscim062020: '' }, userAgent: 'Okta SCIM Client 1.0.0', tokenLabel: 'Entra' };
    expect(recognizeClient(shape)).toEqual({ client: 'okta', via: 'user-agent' });
  });
});

describe('recognizeClient: request shapes', () => {
  const cases: [string, RequestShape, string][] = [
    ['Entra flag on the tenant URL', { method: 'GET', path: '/Users', query: { aadOptscim062020: '', filter: 'userName eq "x"' } }, 'entra'],
    ['Entra flag, any case', { method: 'PATCH', path: '/Users/1', query: { AADOPTSCIM062020: '' } }, 'entra'],
    ['Entra test connection (GUID userName)', { method: 'GET', path: '/Users', query: { filter: 'userName eq "2f1f5b2e-6f5c-4c4e-9b0a-3f7c2a9e1d11"' } }, 'entra'],
    ['Entra test connection, unquoted', { method: 'GET', path: '/Users', query: { filter: 'userName eq 2f1f5b2e-6f5c-4c4e-9b0a-3f7c2a9e1d11' } }, 'entra'],
    ['Entra capitalised PATCH op', { method: 'PATCH', path: '/Users/1', body: { schemas: [], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] } }, 'entra'],
    ['Entra group schema URI', { method: 'POST', path: '/Groups', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], displayName: 'G' } }, 'entra'],
    ['Okta credential test', { method: 'GET', path: '/Users', query: { startIndex: '1', count: '2' } }, 'okta'],
    ['Okta user id as externalId', { method: 'POST', path: '/Users', body: { schemas: [USER_SCHEMA], userName: 'a', externalId: '00ujl29u0le5T6Aj10h7' } }, 'okta'],
    ['Okta group id as externalId', { method: 'POST', path: '/Groups', body: { displayName: 'G', externalId: '00g1emaKYZTWRYYRRTSK' } }, 'okta'],
    ['OneLogin 1.0 template', { method: 'POST', path: '/Users', body: { schemas: ['urn:scim:schemas:core:1.0'], userName: 'a' } }, 'onelogin'],
  ];
  it.each(cases)('%s', (_label, shape, client) => {
    expect(recognizeClient(shape)).toEqual({ client, via: 'request' });
  });

  const neutral: [string, RequestShape][] = [
    ['a plain user lookup', { method: 'GET', path: '/Users', query: { filter: 'userName eq "jane@example.com"' } }],
    ['lower-case PATCH ops', { method: 'PATCH', path: '/Users/1', body: { Operations: [{ op: 'replace', value: { active: false } }] } }],
    ['an ordinary externalId', { method: 'POST', path: '/Users', body: { userName: 'a', externalId: 'E-1001' } }],
    ['startIndex=1&count=2 with a filter', { method: 'GET', path: '/Users', query: { startIndex: '1', count: '2', filter: 'userName eq "x"' } }],
    ['startIndex=1&count=2 on groups', { method: 'GET', path: '/Groups', query: { startIndex: '1', count: '2' } }],
    ['a GUID looked up by externalId', { method: 'GET', path: '/Users', query: { filter: 'externalId eq "2f1f5b2e-6f5c-4c4e-9b0a-3f7c2a9e1d11"' } }],
  ];
  it.each(neutral)('names no client for %s', (_label, shape) => {
    expect(recognizeClient(shape)).toBeUndefined();
  });
});

describe('recognizeClient: earlier requests and token labels', () => {
  it('uses what the token was recognised as before (Bulk operations carry no User-Agent)', () => {
    expect(recognizeClient({ ...GET_USERS, previous: 'entra' })).toEqual({ client: 'entra', via: 'previous-request' });
    expect(recognizeClient({ ...GET_USERS, previous: 'entra', tokenLabel: 'Okta' })).toEqual({ client: 'entra', via: 'previous-request' });
  });

  it.each([
    ['Okta production', 'okta'],
    ['Entra ID', 'entra'],
    ['Azure sync', 'entra'],
    ['AAD', 'entra'],
    ['OneLogin', 'onelogin'],
    ['JumpCloud test', 'jumpcloud'],
    ['Ping', 'ping'],
    ['Google Workspace', 'google'],
  ] as const)('token label %j → %s', (tokenLabel, client) => {
    expect(recognizeClient({ ...GET_USERS, tokenLabel })).toEqual({ client, via: 'token-label' });
  });

  it.each(['bootstrap', 'test', 'Shopping cart', 'HR system'])('label %j names no client', (tokenLabel) => {
    expect(recognizeClient({ ...GET_USERS, tokenLabel })).toBeUndefined();
  });
});

describe('recognizeClient never throws', () => {
  const deep = (n: number): unknown => {
    let value: unknown = {};
    for (let i = 0; i < n; i++) value = { a: value };
    return value;
  };
  const hostile: unknown[] = [
    null,
    'string body',
    42,
    [],
    deep(5000),
    JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{}},"Operations":[{"op":"Replace"}]}'),
    { Operations: [null, 1, 'x', { op: 7 }, { op: { toString: 1 } }] },
    { schemas: 'not a list', externalId: 123 },
    { schemas: [null, 5, {}] },
    Object.create(null),
  ];
  it.each(hostile.map((body, i) => [i, body]))('hostile body #%i', (_i, body) => {
    expect(() => recognizeClient({ method: 'PATCH', path: '/Users/x', body, query: { filter: ['a', 'b'] } })).not.toThrow();
  });

  it('survives a huge User-Agent quickly', () => {
    const started = Date.now();
    recognizeClient({ ...GET_USERS, userAgent: `Microsoft${' '.repeat(1_000_000)}x` });
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('ignores inherited properties', () => {
    const body = Object.create({ externalId: '00ujl29u0le5T6Aj10h7' }) as object;
    expect(recognizeClient({ method: 'POST', path: '/Users', body })).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('accepts only real client names as "previous"', () => {
    expect(recognizeClient({ ...GET_USERS, previous: 'evil' as never })).toBeUndefined();
  });
});

describe('clientFromName', () => {
  it.each([
    ['okta', 'okta'],
    ['OKTA', 'okta'],
    ['entra', 'entra'],
    ['azure', 'entra'],
    ['aad', 'entra'],
    ['Microsoft', 'entra'],
    ['onelogin', 'onelogin'],
    ['jumpcloud', 'jumpcloud'],
    ['ping', 'ping'],
    ['google', 'google'],
  ] as const)('%s → %s', (text, client) => {
    expect(clientFromName(text)).toBe(client);
  });
  it('knows every client by its own name', () => {
    for (const name of CLIENT_NAMES) expect(clientFromName(name)).toBe(name);
  });
  it.each(['salesforce', '', 'unknown'])('%j is no client', (text) => {
    expect(clientFromName(text)).toBeUndefined();
  });
});
