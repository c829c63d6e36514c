// Fuzzing the request line and headers: methods, mutated paths (percent-encoding garbage, dot segments, huge and
// odd ids), content types, conditional headers, tokens and request ids, and raw bytes on a socket. Answers are
// 2xx/3xx, or 4xx with a SCIM Error body; a rejected request changes nothing; the server stays up throughout.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, createGroup, createUser } from '../http/helpers.js';
import { describe, enc, expectWellFormed, fuzz, hostileJson, hostileString, send, snapshot, testTimeout, totals, printTotals } from './fuzz-support.js';

let roster: Roster;
let userId: string;
let groupId: string;

beforeAll(async () => {
  roster = await startRoster();
  userId = (await createUser(roster, { userName: 'req-target@example.com' })).id;
  groupId = (await createGroup(roster, { displayName: 'Request target', members: [{ value: userId }] })).id;
});

afterAll(async () => {
  printTotals('requests');
  if (roster) {
    expect((await roster.request('GET', `${roster.origin}/readyz`)).status).toBe(200);
    await roster.close();
  }
});

const pathSegment = fc.oneof(
  fc.constantFrom('Users', 'Groups', 'Bulk', '.search', 'Schemas', 'ResourceTypes', 'ServiceProviderConfig', 'Me', 'users', 'GROUPS', '..', '.', '', '%2e%2e', '%2F', '%00', '%ZZ', '%C0%AF', '%ED%A0%80', '%F0%9F%98', '%', ';x=1', 'Users;', '~'),
  fc.constantFrom('{u}', '{g}', 'urn:ietf:params:scim:schemas:core:2.0:User', 'User', 'Group', '0', '-1'),
  hostileString.map((s) => enc(s.slice(0, 3000))),
);
const query = fc.oneof(
  fc.constant(''),
  fc.array(fc.tuple(fc.constantFrom('filter', 'count', 'startIndex', 'attributes', 'excludedAttributes', 'sortBy', 'x', ''), fc.oneof(hostileString.map((s) => enc(s.slice(0, 500))), fc.constantFrom('%', '%%', '%G1', '&', '=', '+'))), { maxLength: 3 }).map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/scim+json', 'application/json', 'application/scim+json; charset=utf-8', 'application/json; charset=utf-16',
    'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;;', 'application/json; boundary=x', 'text/plain',
    'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json', 'application/scim',
    'application/*', '*/*', ' ', 'application/json, text/plain',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
);
const headerValue = fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e\t]/g, '').trim());
const headers = fc.record(
  {
    'content-type': contentType,
    accept: fc.oneof(fc.constantFrom('application/scim+json', 'application/json', 'text/html', '*/*', 'application/xml;q=1'), headerValue),
    'if-match': fc.oneof(fc.constantFrom('*', 'W/"1"', '"1"', 'W/"x", W/"y"', 'W/', '"'), headerValue),
    'if-none-match': fc.oneof(fc.constantFrom('*', 'W/"1"', '"1"', 'W/"999"'), headerValue),
    'x-request-id': headerValue,
    'user-agent': fc.oneof(fc.constantFrom('Okta SCIM Client 1.0.0', 'Microsoft Azure AD SCIM provisioning', 'lightMyRequest', ''), headerValue),
    'x-forwarded-for': fc.oneof(fc.constantFrom('1.2.3.4', '::1, 10.0.0.1', 'garbage'), headerValue),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x'),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'identity', 'x'),
    authorization: fc.constantFrom('__TOKEN__', 'Bearer __TOKEN__', 'bearer  __TOKEN__  ', 'Bearer', 'Basic YTpi', 'Bearer __TOKEN__ extra', 'Bearer x'),
  },
  { requiredKeys: ['authorization'] },
);
const body = fc.oneof(
  fc.constant(undefined),
  hostileJson.map((v) => JSON.stringify(v)),
  fc.constant(JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { displayName: 'renamed by fuzz' } }] })),
  fc.constant(JSON.stringify({ schemas: [USER_SCHEMA], userName: 'fuzz-user@example.com' })),
  fc.constant(JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Fuzz created group' })),
  hostileString,
);

it(
  'random methods, paths, query strings, headers and bodies',
  async () => {
    await fuzz(
      'request lines and headers',
      fc.record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
        segments: fc.array(pathSegment, { minLength: 1, maxLength: 3 }),
        query,
        headers,
        body,
        mount: fc.constantFrom('/scim/v2', '/d/default/scim/v2', '/d/nope/scim/v2', '/d/%2e%2e/scim/v2', '/scim/v2/', '/SCIM/V2'),
      }),
      async (input) => {
        const path = `${input.mount}/${input.segments.join('/')}`.replace('{u}', userId).replace('{g}', groupId) + input.query;
        const sent: Record<string, string> = {};
        for (const [k, v] of Object.entries(input.headers)) if (v !== undefined && v !== '') sent[k] = String(v).replace('__TOKEN__', roster.token);
        const withBody = input.body !== undefined && input.method !== 'GET' && input.method !== 'HEAD';
        const before = input.method === 'GET' || input.method === 'HEAD' ? undefined : await snapshot(roster.storage);
        let res;
        try {
          res = await send('request lines and headers', `${roster.origin}${path}`, { method: input.method, headers: sent, body: withBody ? input.body : undefined });
        } catch (error) {
          // fetch refuses some URLs and header values before sending; those never reach the server.
          if (error instanceof TypeError && !/fetch failed/.test(error.message)) return;
          throw new Error(`${describe(input)}: ${(error as Error).message} ${(error as { cause?: Error }).cause?.message ?? ''}`);
        }
        // /Me answers 501 Not Implemented by design (Roster authenticates clients, not people), with or without the
        // trailing slash the router ignores.
        if (res.status === 501 && /\/Me\/?$/i.test(new URL(`${roster.origin}${path}`).pathname)) return;
        expectWellFormed(res, { ...input, path }, input.method);
        if (before !== undefined && res.status >= 400) {
          expect(await snapshot(roster.storage), `rejected ${input.method} ${path} changed data → ${res.status} ${res.text.slice(0, 200)}`).toBe(before);
        }
      },
      1000,
      10_000,
    );
  },
  testTimeout(10_000),
);

/** Sends raw bytes and reads whatever comes back until the server closes or a second passes. */
function raw(bytes: Buffer): Promise<string> {
  const { port } = new URL(roster.origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes, () => socket.end());
  });
}

it(
  'raw bytes on the socket: malformed request lines, headers, chunked bodies',
  async () => {
    const template = fc.constantFrom(
      `GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer __TOKEN__\r\n\r\n`,
      `POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer __TOKEN__\r\nContent-Type: application/scim+json\r\nContent-Length: 20\r\n\r\n{"schemas":["x"]}`,
      `POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer __TOKEN__\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n`,
      `POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n`,
      `GET /scim/v2/Users?filter=${'%'.repeat(50)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    await fuzz(
      'raw socket',
      fc.tuple(template, fc.array(fc.record({ at: fc.nat(400), byte: fc.integer({ min: 0, max: 255 }), cut: fc.boolean() }), { maxLength: 4 })),
      async ([text, edits]) => {
        const bytes = Buffer.from(text.replace('__TOKEN__', roster.token), 'latin1');
        let edited = bytes;
        for (const e of edits) {
          const i = e.at % Math.max(1, edited.length);
          edited = e.cut ? edited.subarray(0, i) : Buffer.concat([edited.subarray(0, i), Buffer.from([e.byte]), edited.subarray(i + 1)]);
        }
        (totals['raw socket'] ??= { cases: 0, requests: 0 }).requests++;
        const answer = await raw(edited);
        // Either nothing (the server waits for the rest, or closes) or HTTP responses, never a 5xx.
        for (const status of answer.match(/^HTTP\/1\.[01] (\d{3})/gm) ?? []) {
          expect(Number(status.slice(-3)), `${JSON.stringify(edited.toString('latin1'))} → ${answer.slice(0, 300)}`).toBeLessThan(500);
        }
      },
      300,
      5000,
    );
    const alive = await send('raw socket', `${roster.baseUrl}/Users/${userId}`, { method: 'GET', headers: { authorization: `Bearer ${roster.token}` } });
    expect(alive.status).toBe(200);
  },
  testTimeout(5000),
);
