// Fuzzing PATCH over HTTP: random and mutated operations (op names, paths with value filters, values of every
// JSON shape, member lists naming real and unknown ids) against real users and groups. Every answer is a 2xx or a
// 4xx Error; a rejected PATCH changes nothing in the database; an accepted one leaves a resource that reads back.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, createGroup, createUser } from '../http/helpers.js';
import { anyPath, deepJsonText, describe, expectWellFormed, fuzz, hostileJson, hostileString, send, snapshot, testTimeout, printTotals } from './fuzz-support.js';
import { isKnownBug } from './known-bugs.js';

let roster: Roster;
const userIds: string[] = [];
const groupIds: string[] = [];

beforeAll(async () => {
  roster = await startRoster({ operations: { rateLimits: false } });
  for (let i = 0; i < 4; i++) {
    const user = await createUser(roster, {
      userName: `patch-${i}@example.com`,
      name: { givenName: `G${i}`, familyName: `F${i}` },
      emails: [{ value: `p${i}@work.example`, type: 'work', primary: true }],
      phoneNumbers: [{ value: `+1 555 000 ${i}`, type: 'mobile' }],
      [ENTERPRISE]: { employeeNumber: String(i), manager: { value: 'x' } },
    });
    userIds.push(user.id);
  }
  for (let i = 0; i < 3; i++) groupIds.push((await createGroup(roster, { displayName: `Patch group ${i}`, members: [{ value: userIds[i] }] })).id);
});

afterAll(async () => {
  printTotals('patch');
  if (roster) {
    expect((await roster.request('GET', `${roster.origin}/readyz`)).status).toBe(200);
    await roster.close();
  }
});

const someId = () => fc.oneof(fc.constantFrom(...userIds, ...groupIds), fc.uuid().map(String), hostileString);
const memberList = () =>
  fc.array(
    fc.oneof(
      fc.record({ value: someId(), type: fc.constantFrom('User', 'Group', 'user', 'Robot', undefined), display: fc.string() }, { requiredKeys: ['value'] }),
      someId().map((value) => ({ value })),
      hostileJson,
    ),
    { maxLength: 4 },
  );

// Built once the users and groups exist: member values name them.
const operation = () => fc.record(
  {
    op: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'REPLACE') }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('copy', 'move', 'test', '', 'delete'), hostileString, fc.constant(7)) }),
    path: fc.oneof(
      { weight: 4, arbitrary: anyPath },
      { weight: 2, arbitrary: fc.constantFrom('members', 'members[value eq "__ID__"]', 'emails[type eq "work"].value', 'name.givenName', 'active', `${ENTERPRISE}:manager`, 'displayName', 'userName', 'externalId') },
      { weight: 1, arbitrary: fc.constantFrom(null, 1, [], {}) },
    ),
    value: fc.oneof(
      { weight: 4, arbitrary: hostileJson },
      { weight: 2, arbitrary: memberList() },
      { weight: 1, arbitrary: fc.constantFrom('True', 'False', true, false, null, '') },
      { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('active', 'displayName', 'name.givenName', 'members', `${ENTERPRISE}:employeeNumber`, 'userName', 'emails', 'id', 'meta', 'schemas', 'password', 'groups'), hostileJson, { maxKeys: 3 }) },
    ),
  },
  { requiredKeys: ['op'] },
);

/** Operations as IdPs really send them (see shared/idp-clients.md), with their values varied: mostly accepted. */
const plausibleOperation = () =>
  fc.oneof(
    fc.record({ op: fc.constantFrom('replace', 'Replace'), path: fc.constant('active'), value: fc.constantFrom(true, false, 'True', 'False', 'false') }),
    fc.record({ op: fc.constantFrom('replace', 'add'), value: fc.record({ active: fc.boolean(), displayName: fc.string({ maxLength: 20 }), 'name.givenName': fc.string({ maxLength: 10 }), [`${ENTERPRISE}:employeeNumber`]: fc.nat().map(String) }, { requiredKeys: [] }) }),
    fc.record({ op: fc.constantFrom('Add', 'replace'), path: fc.constantFrom('emails[type eq "work"].value', 'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].formatted', 'name.familyName', 'title', 'nickName'), value: fc.string({ maxLength: 30 }) }),
    fc.record({ op: fc.constant('Add'), path: fc.constant(`${ENTERPRISE}:manager`), value: fc.oneof(fc.constantFrom(...userIds), fc.constantFrom(...userIds).map((value) => ({ value })), fc.constantFrom(...userIds).map((value) => [{ $ref: null, value }])) }),
    fc.record({ op: fc.constantFrom('Remove', 'remove'), path: fc.constantFrom(`${ENTERPRISE}:manager`, 'title', 'emails[type eq "home"]', 'phoneNumbers', 'nickName') }),
    fc.record({ op: fc.constantFrom('add', 'Add'), path: fc.constant('members'), value: fc.uniqueArray(fc.constantFrom(...userIds), { maxLength: 3 }).map((ids) => ids.map((value) => ({ value }))) }),
    fc.record({ op: fc.constant('remove'), path: fc.constantFrom(...userIds).map((id) => `members[value eq "${id}"]`) }),
    fc.record({ op: fc.constant('Remove'), path: fc.constant('members'), value: fc.uniqueArray(fc.constantFrom(...userIds), { maxLength: 2 }).map((ids) => ids.map((value) => ({ value }))) }),
    fc.record({ op: fc.constant('replace'), path: fc.constant('displayName'), value: fc.string({ minLength: 1, maxLength: 20 }).map((s) => `${s} ${Math.random().toString(36).slice(2)}`) }),
  );

const patchBody = () => fc.oneof(
  { weight: 6, arbitrary: fc.record({ schemas: fc.constant([PATCH_OP]), Operations: fc.array(plausibleOperation(), { minLength: 1, maxLength: 3 }) }) },
  { weight: 8, arbitrary: fc.record({ schemas: fc.oneof({ weight: 6, arbitrary: fc.constant([PATCH_OP]) }, { weight: 1, arbitrary: fc.constantFrom([], [USER_SCHEMA], 'x', null) }), Operations: fc.array(operation(), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: hostileJson },
  { weight: 1, arbitrary: fc.record({ schemas: fc.constant([PATCH_OP]), operations: fc.oneof(hostileJson, fc.constant('x')) }) },
);

async function patchAndCheck(counter: string, kind: 'Users' | 'Groups', id: string, text: string, input: unknown): Promise<void> {
  const before = await snapshot(roster.storage);
  const url = `${roster.baseUrl}/${kind}/${id}`;
  const headers = { authorization: `Bearer ${roster.token}`, 'content-type': 'application/scim+json' };
  const res = await send(counter, url, { method: 'PATCH', headers, body: text });
  expectWellFormed(res, input, 'PATCH');
  if (res.status >= 400) {
    expect(await snapshot(roster.storage), `a rejected PATCH changed data: ${describe(input)} → ${res.status} ${res.text.slice(0, 300)}`).toBe(before);
    return;
  }
  expect([200, 204]).toContain(res.status);
  const after = await send(counter, url, { method: 'GET', headers });
  expect(after.status, `after ${describe(input)}: ${after.text.slice(0, 300)}`).toBe(200);
  expect(after.body.id).toBe(id);
  expect(after.body.schemas).toContain(kind === 'Users' ? USER_SCHEMA : GROUP_SCHEMA);
  expect(after.text).not.toMatch(/"password"/);
  // The resource a PATCH answers with is the one stored.
  if (res.status === 200) expect(res.body, `PATCH answer and stored resource differ after ${describe(input)}`).toEqual(after.body);
  if (kind === 'Users') expect(typeof after.body.userName).toBe('string');
  else expect(typeof after.body.displayName).toBe('string');
}

it(
  'PATCH users and groups with random operations',
  async () => {
    await fuzz(
      'PATCH operations',
      fc.tuple(patchBody(), fc.constantFrom('Users', 'Groups') as fc.Arbitrary<'Users' | 'Groups'>, fc.nat(2)),
      async ([body, kind, index]) => {
        const id = kind === 'Users' ? userIds[index] : groupIds[index];
        const text = JSON.stringify(body).replaceAll('__ID__', userIds[0]);
        fc.pre(!isKnownBug({ kind: 'patch', resource: kind, body: JSON.parse(text) }));
        await patchAndCheck('PATCH operations', kind, id, text, body);
      },
      1000,
      15_000,
    );
  },
  testTimeout(15_000),
);

it(
  'PATCH values that are deeply nested, huge, or carry prototype keys',
  async () => {
    const hostileValueText = fc.oneof(
      deepJsonText,
      fc.constantFrom(
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"admin":true}}}',
        '{"constructor":"x","prototype":"y","toString":"z","valueOf":1,"hasOwnProperty":null}',
        '{"name":{"__proto__":{"givenName":"x"}}}',
        '[{"value":"a","__proto__":{"primary":true}}]',
      ),
      // Long, and over the 2 MiB body limit (kept rare: every stored megabyte slows the snapshots that follow).
      fc.constantFrom(10_000, 300_000, 2_100_000).map((n) => JSON.stringify('x'.repeat(n))),
    );
    await fuzz(
      'PATCH hostile values',
      fc.tuple(hostileValueText, fc.constantFrom('name', 'emails', 'members', 'displayName', 'name.givenName', `${ENTERPRISE}:manager`, 'roles', undefined), fc.constantFrom('add', 'replace'), fc.constantFrom('Users', 'Groups') as fc.Arbitrary<'Users' | 'Groups'>),
      async ([valueText, path, op, kind]) => {
        const operation = `{"op":"${op}",${path === undefined ? '' : `"path":${JSON.stringify(path)},`}"value":${valueText}}`;
        const text = `{"schemas":["${PATCH_OP}"],"Operations":[${operation}]}`;
        const input = `${op} ${path} ${valueText.length > 200 ? `${valueText.slice(0, 200)}… (${valueText.length} chars)` : valueText}`;
        fc.pre(!isKnownBug({ kind: 'patch-text', resource: kind, text }));
        await patchAndCheck('PATCH hostile values', kind, kind === 'Users' ? userIds[3] : groupIds[2], text, input);
      },
      150,
      8000,
    );
  },
  testTimeout(8000),
);
