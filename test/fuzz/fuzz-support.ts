// Shared pieces of the HTTP fuzzing run: how big a run is, hostile strings and values, a filter generator with
// mutations, database snapshots (to prove a rejected write changed nothing), and the one rule every answer must
// follow: a 2xx, or a 4xx with a SCIM Error body; never a 5xx, never a hang, never a 429 (the default limits
// must not bite a single client).
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Storage } from '../../src/storage/database.js';
import { ERROR_SCHEMA, ENTERPRISE, type ScimResponse } from '../http/helpers.js';

/** `npm run fuzz` sets ROSTER_FUZZ_SCALE (default 1 in CI): runs and time limits grow with it. */
export const SCALE = Math.max(0.1, Number(process.env.ROSTER_FUZZ_SCALE ?? '1') || 1);
/** ROSTER_FUZZ_SEED replays a run; otherwise every run explores new inputs (the seed is printed). */
export const BASE_SEED = process.env.ROSTER_FUZZ_SEED ? Number(process.env.ROSTER_FUZZ_SEED) : Date.now() % 2 ** 31;

export const runs = (ci: number) => Math.max(1, Math.round(ci * SCALE));
/** Per-property wall-clock budget: the run stops early (counted, not failed) on a slow machine. */
export const budgetMs = (ci: number) => Math.round(ci * SCALE);
/** vitest timeout for a test that runs properties worth `ci` ms of budget. */
export const testTimeout = (ci: number) => Math.round(ci * SCALE) + 60_000;

const REQUEST_TIMEOUT_MS = 15_000;

export interface Counter {
  cases: number;
  requests: number;
}
export const totals: Record<string, Counter> = {};

/** Runs an async property, prints how many cases ran, and fails with fast-check's report (seed and path). */
export async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, ciRuns: number, ciBudgetMs: number) {
  const counter = (totals[name] ??= { cases: 0, requests: 0 });
  const seed = (BASE_SEED + hash(name)) % 2 ** 31;
  const started = performance.now();
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      counter.cases++;
      await predicate(value);
    }),
    { numRuns: runs(ciRuns), seed, interruptAfterTimeLimit: budgetMs(ciBudgetMs), markInterruptAsFailure: false, endOnFailure: true },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `[fuzz] ${name}: ${details.numRuns} cases${details.interrupted ? ' (stopped at the time budget)' : ''}, ` +
      `${counter.requests} requests in ${seconds} s, seed ${seed}`,
  );
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${name}: failed after ${details.numRuns} cases (seed ${details.seed}; replay with ROSTER_FUZZ_SEED=${BASE_SEED})\n` +
        `input: ${describe(details.counterexample)}\n${cause.length > 3000 ? `${cause.slice(0, 3000)}…` : cause}`,
    );
  }
}

/** encodeURIComponent for any string: lone surrogates (which UTF-8 cannot carry) become U+FFFD. */
export const enc = (text: string) =>
  encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** One HTTP request with a deadline; a hang is a failure. */
export async function send(
  counter: string,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
): Promise<ScimResponse> {
  (totals[counter] ??= { cases: 0, requests: 0 }).requests++;
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** The rule for every answer: 2xx/3xx, or 4xx with a SCIM Error body. */
export function expectWellFormed(res: ScimResponse, input: unknown, method = 'GET'): void {
  const context = () => `input ${describe(input)} → ${res.status} ${res.text.slice(0, 400)}`;
  expect(res.status, context()).toBeLessThan(500);
  expect(res.status, `rate limited: ${context()}`).not.toBe(429);
  expect(res.text, context()).not.toMatch(/\n\s+at\s|node_modules|TypeError|RangeError|ReferenceError|SqliteError|syntax error at or near/);
  if (res.status >= 400 && method !== 'HEAD') {
    expect(res.body?.schemas, context()).toEqual([ERROR_SCHEMA]);
    expect(res.body.status, context()).toBe(String(res.status));
    expect(typeof res.body.detail, context()).toBe('string');
    expect(res.headers.get('content-type') ?? '', context()).toMatch(/^application\/scim\+json/);
  }
}

export function describe(input: unknown): string {
  let text: string;
  try {
    text = typeof input === 'string' ? JSON.stringify(input) : JSON.stringify(input) ?? String(input);
  } catch {
    text = String(input);
  }
  return text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text;
}

/** Every row of the SCIM tables (the provisioning log and token use times excepted, which requests do change). */
export async function snapshot(storage: Storage): Promise<string> {
  const db = storage.db;
  const [users, emails, groups, memberships, directories, tokens] = await Promise.all([
    db.selectFrom('users').selectAll().orderBy('directory_id').orderBy('id').execute(),
    db.selectFrom('user_emails').selectAll().orderBy('directory_id').orderBy('user_id').orderBy('position').execute(),
    db.selectFrom('groups').selectAll().orderBy('directory_id').orderBy('id').execute(),
    db.selectFrom('memberships').selectAll().orderBy('directory_id').orderBy('group_id').orderBy('member_id').execute(),
    db.selectFrom('directories').selectAll().orderBy('id').execute(),
    db.selectFrom('tokens').select(['directory_id', 'id', 'hash', 'scope', 'revoked_at']).orderBy('id').execute(),
  ]);
  return JSON.stringify({ users, emails, groups, memberships, directories, tokens });
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

// ---- hostile strings and values -------------------------------------------------------------------------------

/** The classic SQL injection payloads, plus LIKE wildcards, escapes and placeholders. */
export const SQL_PAYLOADS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  '" OR ""="',
  "'; DROP TABLE users; --",
  '"; DROP TABLE users; --',
  "1; DELETE FROM users",
  "' UNION SELECT hash FROM tokens --",
  "') OR ('a'='a",
  "'||(SELECT hash FROM tokens LIMIT 1)||'",
  "' AND 1=(SELECT COUNT(*) FROM sqlite_master) --",
  "'; SELECT pg_sleep(3); --",
  "' OR sleep(3) --",
  'admin\'--',
  '%',
  '_',
  '%%',
  '\\',
  '\\%',
  "%' --",
  '*/ OR 1=1 /*',
  '$1',
  '?',
  ':name',
  "json_extract(doc, '$')",
  "$.userName') OR 1=1 --",
  "' COLLATE NOCASE --",
  'ROLLBACK; DROP TABLE memberships;',
  "x' ESCAPE '\\",
];

/** Strings that break naive code: Unicode edge cases, huge lengths, prototype names, control characters. */
export const ODD_STRINGS = [
  '',
  ' ',
  '\t\n\r',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '\u202e\u0645\u0631\u062d\u0628\u0627', // right-to-left override
  '\ud83d\ude00\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67', // emoji with joiners
  '\ud800', // lone surrogate
  '\udfff\ud800',
  'e\u0301', // combining accent
  '\u00e9',
  '\uFEFFbom',
  '\u0130stanbul', // dotted capital I: lower-cases to two code points
  'ß',
  'ǅ',
  '\u2028\u2029',
  '\u0001\u001f\u007f',
  'A'.repeat(10_000),
  '\u00e9'.repeat(5000),
  '😀'.repeat(3000),
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  'null',
  'undefined',
  'NaN',
  'true',
  '1e309',
  '-0',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SQL_PAYLOADS, ...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
);

/** Any JSON value, biased toward the shapes that reach deep code: nested objects and arrays, odd keys. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 'True', 'False', ''),
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom('value', 'type', 'primary', 'display', '$ref', 'constructor', 'toString', 'prototype', 'valueOf'), fc.string({ maxLength: 12 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** JSON text nested `depth` levels deep, in one of several shapes. */
export function deepJson(depth: number, shape: 'object' | 'array' | 'mixed', leaf = '1'): string {
  if (shape === 'object') return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
  if (shape === 'array') return '['.repeat(depth) + leaf + ']'.repeat(depth);
  return '[{"value":'.repeat(depth) + leaf + '}]'.repeat(depth);
}

export const deepJsonText: fc.Arbitrary<string> = fc
  .record({ depth: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(1000, 10_000, 100_000)), shape: fc.constantFrom('object', 'array', 'mixed') as fc.Arbitrary<'object' | 'array' | 'mixed'> })
  .map(({ depth, shape }) => deepJson(depth, shape));

/** Text mutations: insert, delete, replace or duplicate a span; truncate. Turns valid inputs into near-misses. */
export function mutated(text: fc.Arbitrary<string>, alphabet = '()[]"\\ .:,{}$%_\'\u0000\u00e9😀-'): fc.Arbitrary<string> {
  const edit = fc.record({
    kind: fc.constantFrom('insert', 'delete', 'replace', 'duplicate', 'truncate'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 8 }),
    char: fc.oneof(fc.constantFrom(...alphabet), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  });
  return fc.tuple(text, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([base, edits]) => {
    let s = base;
    for (const e of edits) {
      const i = Math.floor(e.at * (s.length + 1));
      if (e.kind === 'insert') s = s.slice(0, i) + e.char.repeat(e.length) + s.slice(i);
      else if (e.kind === 'delete') s = s.slice(0, i) + s.slice(i + e.length);
      else if (e.kind === 'replace') s = s.slice(0, i) + e.char + s.slice(i + 1);
      else if (e.kind === 'duplicate') s = s.slice(0, i) + s.slice(i, i + e.length * 4) + s.slice(i);
      else s = s.slice(0, i);
    }
    return s;
  });
}

// ---- attribute paths and filters ------------------------------------------------------------------------------

export const ATTRIBUTE_PATHS = [
  'userName', 'USERNAME', 'displayName', 'name', 'name.givenName', 'name.familyName', 'name.formatted', 'nickName', 'title',
  'active', 'externalId', 'id', 'password', 'emails', 'emails.value', 'emails.type', 'emails.primary', 'emails.display',
  'phoneNumbers.value', 'addresses.locality', 'addresses', 'roles.value', 'x509Certificates.value', 'entitlements',
  'groups', 'groups.value', 'groups.display', 'members', 'members.value', 'members.display', 'members.type',
  'meta', 'meta.created', 'meta.lastModified', 'meta.resourceType', 'meta.version', 'meta.location', 'schemas',
  `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:department`, ENTERPRISE,
  'urn:ietf:params:scim:schemas:core:2.0:User:userName', 'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName',
  'urn:ietf:params:scim:schemas:core:2.0:Group:displayName', 'urn:ietf:params:scim:schemas:core:2.0:Group:members.value',
  'urn:acme:unknown:1.0:User:x', 'nosuch', 'name.nosuch', 'emails.nosuch', 'a.b.c', '__proto__', 'constructor', 'toString',
  'emails.__proto__', 'name.constructor', '$ref', 'emails.$ref', '_', '%', 'userName.value', 'active.x',
];

export const OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

const literal: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileString.map((s) => JSON.stringify(s.length > 300 ? s.slice(0, 300) : s)) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', 'True', '0', '-1', '1.5', '1e308', '1e-400', '99999999999999999999999', '"2024-01-01T00:00:00Z"', '"2024-13-45T99:99:99Z"', '"not a date"') },
  { weight: 1, arbitrary: fc.constantFrom('jyoung', 'abc"', '"abc', '"\\u12"', '"\\x41"', "'single'", '"\\"', '""') },
);

const attrPath = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ATTRIBUTE_PATHS) }, { weight: 1, arbitrary: fc.string({ maxLength: 15 }) });
const operator = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...OPERATORS) }, { weight: 1, arbitrary: fc.constantFrom('EQ', 'Co', 'pr', 'xx', '=', '==', 'LIKE', 'and') });

/** Filters from the RFC 7644 grammar (valid and not), with value paths, `not`, grouping and long chains. */
export const filterText: fc.Arbitrary<string> = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(attrPath, operator, literal).map(([a, o, v]) => `${a} ${o} ${v}`),
    attrPath.map((a) => `${a} pr`),
    fc.tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND', 'Or'), tie('filter')).map(([l, op, r]) => `${l} ${op} ${r}`),
    tie('filter').map((f) => `not (${f})`),
    tie('filter').map((f) => `(${f})`),
    fc.tuple(fc.constantFrom('emails', 'members', 'addresses', 'phoneNumbers', 'groups', 'name', 'userName', 'x509Certificates'), tie('filter'), fc.constantFrom('', '.value', '.type', '.nosuch')).map(([a, f, sub]) => `${a}[${f}]${sub}`),
  ),
})).filter;

/** Shapes that stress limits: deep nesting, long chains, long literals. */
export const stressFilter: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 5000 }).map((n) => '('.repeat(n) + 'userName pr' + ')'.repeat(n)),
  fc.integer({ min: 1, max: 2000 }).map((n) => 'not ('.repeat(n) + 'userName pr' + ')'.repeat(n)),
  fc.integer({ min: 1, max: 400 }).map((n) => 'emails['.repeat(n) + 'value pr' + ']'.repeat(n)),
  fc.integer({ min: 2, max: 1500 }).map((n) => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(' or ')),
  fc.integer({ min: 2, max: 1500 }).map((n) => Array.from({ length: n }, (_, i) => `emails[value eq "e${i}"]`).join(' and ')),
  fc.integer({ min: 1, max: 100_000 }).map((n) => `userName eq "${'a'.repeat(n)}"`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `userName eq "${'\\"'.repeat(n)}"`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `${'a.'.repeat(n)}b eq "x"`),
);

export const anyFilter: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: filterText },
  { weight: 3, arbitrary: mutated(filterText) },
  { weight: 1, arbitrary: stressFilter },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

export const anyPath: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ATTRIBUTE_PATHS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('emails', 'members', 'addresses', 'phoneNumbers', 'roles'), filterText, fc.constantFrom('', '.value', '.type', '.display', '.primary', '.x')).map(([a, f, s]) => `${a}[${f}]${s}`) },
  { weight: 2, arbitrary: mutated(fc.constantFrom(...ATTRIBUTE_PATHS, 'emails[type eq "work"].value', 'members[value eq "x"]')) },
  { weight: 1, arbitrary: hostileString.map((s) => s.slice(0, 2000)) },
);

/** Prints the cases and requests this file ran (the numbers CI records). */
export function printTotals(file: string): void {
  const all = Object.values(totals);
  const cases = all.reduce((n, c) => n + c.cases, 0);
  const requests = all.reduce((n, c) => n + c.requests, 0);
  console.log(`[fuzz] ${file}: ${cases} cases, ${requests} requests in total (ROSTER_FUZZ_SCALE=${SCALE}, ROSTER_FUZZ_SEED=${BASE_SEED})`);
}
