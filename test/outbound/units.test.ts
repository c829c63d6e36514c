import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/outbound/backoff.js';
import { checkUrl, parseInterval } from '../../src/outbound/endpoints.js';
import { errorFor, parseRetryAfter } from '../../src/outbound/http-client.js';
import { mapUser, mappingProblems, PRESETS, sameOnTarget } from '../../src/outbound/mapping.js';
import { SecretBox, SecretKeyError } from '../../src/outbound/secrets.js';
import { OUTBOUND_SETTING_NAMES, readOutboundSettings } from '../../src/outbound/settings.js';
import { readConfigFile, unknownEnvironmentNames } from '../../src/operations/config-file.js';
import { SECRET_SETTINGS } from '../../src/operations/settings.js';
import { checkAuth } from '../../src/outbound/targets.js';
import { webhookKey } from '../../src/outbound/webhook-signing.js';
import { SeenSet } from '../../src/outbound/seen-set.js';

// The pure parts of outbound sync, table-driven: sealing, backoff, Retry-After, mappings, input checks.

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('secrets at rest', () => {
  const key = randomBytes(32);

  it('seals with AES-256-GCM, bound to its record, and refuses a wrong key or record', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('{"token":"abc"}', 'endpoint:1');
    expect(sealed).not.toContain('abc');
    expect(sealed).not.toBe(box.seal('{"token":"abc"}', 'endpoint:1'));
    expect(box.open(sealed, 'endpoint:1')).toBe('{"token":"abc"}');
    expect(() => box.open(sealed, 'endpoint:2')).toThrow(/altered or belongs to another record/);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'endpoint:1')).toThrow(/sealed with another key/);
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered, 'endpoint:1')).toThrow(SecretKeyError);
  });

  it.each([
    ['a short key', { ROSTER_SECRET_KEY: randomBytes(16).toString('base64') }, /exactly 32 bytes/],
    ['a missing key file', { ROSTER_SECRET_KEY_FILE: '/nonexistent/roster.key' }, /cannot read/],
    ['PostgreSQL without a key', { ROSTER_DATABASE_URL: 'postgres://x@y/z' }, /Set ROSTER_SECRET_KEY/],
  ])('explains %s', (_what, env, message) => {
    expect(() => new SecretBox({ env }).seal('x', 'c')).toThrow(message);
  });

  it('reads ROSTER_SECRET_KEY, or generates a 0600 key file next to a SQLite database once', () => {
    const inline = new SecretBox({ env: { ROSTER_SECRET_KEY: key.toString('base64') } });
    expect(new SecretBox(key).open(inline.seal('x', 'c'), 'c')).toBe('x');
    const folder = mkdtempSync(join(tmpdir(), 'roster-secret-'));
    try {
      const generated: string[] = [];
      const env = { ROSTER_DATABASE_URL: `sqlite:${join(folder, 'db', 'roster.db')}` };
      const first = new SecretBox({ env, onGenerated: (f) => generated.push(f) });
      const sealed = first.seal('hello', 'c');
      const file = join(folder, 'db', 'secret.key');
      expect(generated).toEqual([file]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
      const second = new SecretBox({ env, onGenerated: (f) => generated.push(f) });
      expect(second.open(sealed, 'c')).toBe('hello');
      expect(generated).toHaveLength(1);
      expect(new SecretBox({ env: { ROSTER_SECRET_KEY_FILE: file } }).open(sealed, 'c')).toBe('hello');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('backoff and Retry-After', () => {
  it.each([
    [1, 0, 500], [1, 1, 1000], [2, 1, 2000], [3, 0.5, 3000], [10, 1, 60_000], [50, 1, 60_000],
  ])('failure %i with random %f waits %i ms', (failures, random, expected) => {
    expect(backoffDelay(failures, 1000, 60_000, undefined, () => random)).toBe(expected);
  });

  it('takes Retry-After as given, up to an hour, even above the backoff cap', () => {
    expect(backoffDelay(1, 100, 400, 2000)).toBe(2000);
    expect(backoffDelay(1, 100, 400, 10 * 3_600_000)).toBe(3_600_000);
  });

  it.each([
    ['5', 5000], ['0', 0], [' 12 ', 12_000], ['soon', undefined], ['', undefined], [null, undefined], ['-3', undefined],
  ])('Retry-After %j → %j', (header, expected) => {
    expect(parseRetryAfter(header)).toBe(expected);
  });

  it.each([
    [500, true, undefined], [502, true, undefined], [503, true, 7000], [429, true, 7000], [408, true, undefined], [401, true, undefined],
    [400, false, undefined], [403, false, undefined], [404, false, undefined], [409, false, undefined], [422, false, undefined], [302, false, undefined],
  ])('HTTP %i: retried %s, waiting %j', (status, retryable, wait) => {
    const error = errorFor({ status, headers: new Headers({ 'retry-after': '7' }), text: '', body: { detail: 'nope', scimType: 'invalidValue' } }, 'create user x');
    expect(error.retryable).toBe(retryable);
    expect(error.retryAfterMs).toBe(wait);
    expect(error.message).toBe(`create user x: HTTP ${status} (invalidValue) nope`);
  });

  it('reads an HTTP-date Retry-After', () => {
    const ms = parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())!;
    expect(ms).toBeGreaterThan(28_000);
    expect(ms).toBeLessThanOrEqual(30_000);
  });
});

describe('attribute mapping', () => {
  const user = {
    schemas: ['x'],
    id: 'here-1',
    userName: 'jane@example.com',
    name: { givenName: 'Jane', familyName: 'Doe' },
    emails: [{ value: 'home@x', type: 'home' }, { value: 'work@x', type: 'work', primary: true }],
    active: true,
    groups: [{ value: 'g' }],
    meta: { version: 'W/"1"' },
    [ENTERPRISE]: { department: 'R&D', manager: { value: 'boss-here', displayName: 'Boss' } },
    'urn:roster:params:scim:schemas:extension:roles:2.0:User': { effectiveRoles: ['x'] },
  };

  it('sends every attribute by default, never id, meta, groups or effective roles, with the manager as the target\'s id', () => {
    const doc = mapUser(user, undefined, (id) => (id === 'boss-here' ? 'boss-there' : undefined));
    expect(doc).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName: 'jane@example.com',
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: user.emails,
      active: true,
      [ENTERPRISE]: { department: 'R&D', manager: { value: 'boss-there' } },
    });
    expect(mapUser(user, undefined, () => undefined)[ENTERPRISE]).toEqual({ department: 'R&D' });
  });

  it('AWS preset: one primary email, a display name, only what Identity Center stores', () => {
    const doc = mapUser({ ...user, [ENTERPRISE]: undefined }, PRESETS.aws.mapping, () => undefined);
    expect(doc).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'jane@example.com',
      displayName: 'jane@example.com',
      name: { givenName: 'Jane', familyName: 'Doe' },
      active: true,
      emails: [{ value: 'work@x', type: 'work', primary: true }],
    });
    expect(PRESETS.aws.maxMembersPerPatch).toBe(100);
  });

  it('custom mappings: paths, extension URNs, alternatives, constants', () => {
    const doc = mapUser(user, { login: 'userName', 'name.first': 'name.givenName', dept: `${ENTERPRISE}:department`, 'urn:x:ext:1.0:User:team': 'nickName || =none', email: 'emails|primary' }, () => undefined);
    expect(doc).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:x:ext:1.0:User'], login: 'jane@example.com', name: { first: 'Jane' }, dept: 'R&D', 'urn:x:ext:1.0:User': { team: 'none' }, email: [{ value: 'work@x', type: 'work', primary: true }] });
  });

  it.each([
    [{}, /empty/], [[], /object/], [{ id: 'userName' }, /cannot be mapped/], [{ 'bad path!': 'x' }, /not an attribute path/], [{ title: '' }, /non-empty/], [{ title: 5 }, /non-empty/],
  ])('refuses the mapping %j', (mapping, problem) => {
    expect(mappingProblems(mapping).join('; ')).toMatch(problem);
  });

  it.each([
    [{ title: 'a' }, { title: 'a', id: '1', meta: {} }, false, true],
    [{ title: 'a' }, { title: 'b' }, false, false],
    [{ emails: [{ value: 'x', primary: false }] }, { emails: [{ value: 'x' }] }, false, true],
    [{ emails: [{ value: 'x' }, { value: 'y' }] }, { emails: [{ value: 'y' }, { value: 'x' }] }, false, true],
    [{ title: 'a' }, { title: 'a', nickName: 'n' }, false, true],
    [{ title: 'a' }, { title: 'a', nickName: 'n' }, true, false],
    [{ title: 'a' }, { TITLE: 'a', groups: [{ value: 'g' }] }, true, true],
    [{ name: { givenName: 'a' } }, { name: { givenName: 'a', formatted: 'A' } }, true, true],
  ])('compares %j with the target\'s %j (strict %s): same = %s', (sent, remote, strict, same) => {
    expect(sameOnTarget(sent, remote, strict)).toBe(same);
  });
});

describe('input checks', () => {
  it.each([
    ['https://scim.example.com/v2/', 'https://scim.example.com/v2'],
    ['http://127.0.0.1:8080/scim/v2', 'http://127.0.0.1:8080/scim/v2'],
  ])('accepts the URL %s', (url, normalized) => {
    expect(checkUrl(url, 'The URL')).toBe(normalized);
  });

  it.each([
    ['', /required/], ['ftp://x', /https/], ['https://user:pw@x.example', /credentials/], ['not a url', /not a URL/], ['https://x#frag', /fragment/],
  ])('refuses the URL %j', (url, problem) => {
    expect(() => checkUrl(url, 'The URL')).toThrow(problem);
  });

  it.each([
    ['30m', 1_800_000], ['24h', 86_400_000], ['7d', 604_800_000], ['off', undefined], [null, undefined], [5000, 5000],
  ])('reads the interval %j', (text, ms) => {
    expect(parseInterval(text)).toBe(ms);
  });

  it.each(['soon', '0s', '10y', 5])('refuses the interval %j', (text) => {
    expect(() => parseInterval(text)).toThrow();
  });

  it('splits credentials from what is stored, and refuses broken ones', () => {
    expect(checkAuth({ type: 'basic', username: 'svc', password: 'pw' })).toEqual({ auth: { type: 'basic', username: 'svc' }, credentials: { password: 'pw' } });
    expect(checkAuth({ type: 'oauth2', tokenUrl: 'https://idp.example/token', clientId: 'c', clientSecret: 's', scope: 'scim' }).auth).toEqual({ type: 'oauth2', tokenUrl: 'https://idp.example/token', clientId: 'c', scope: 'scim' });
    expect(() => checkAuth({ type: 'bearer', token: '' })).toThrow(/required/);
    expect(() => checkAuth({ type: 'bearer', token: 'a\nb' })).toThrow(/one line/);
    expect(() => checkAuth({ type: 'basic', username: 'a:b', password: 'x' })).toThrow(/cannot contain/);
    expect(() => checkAuth({ type: 'kerberos' } as never)).toThrow(/bearer, basic, oauth2 or none/);
  });

  it('accepts only whsec_ secrets of 24 to 64 bytes', () => {
    expect(webhookKey(`whsec_${randomBytes(32).toString('base64')}`)).toHaveLength(32);
    for (const bad of ['secret', 'whsec_', `whsec_${randomBytes(8).toString('base64')}`, 'whsec_not base64!']) expect(webhookKey(bad)).toBeUndefined();
  });

  it('reads settings from the environment and names a bad one', () => {
    expect(readOutboundSettings({ ROSTER_OUTBOUND_POLL_MS: '250', ROSTER_OUTBOUND: 'off' })).toMatchObject({ pollMs: 250, enabled: false });
    expect(() => readOutboundSettings({ ROSTER_OUTBOUND_BACKOFF_MAX_MS: 'lots' })).toThrow(/ROSTER_OUTBOUND_BACKOFF_MAX_MS/);
    expect(() => readOutboundSettings({ ROSTER_OUTBOUND_TIMEOUT_MS: '20000', ROSTER_OUTBOUND_LEASE_MS: '30000' })).toThrow(/LEASE_MS/);
  });

  it('are settings `roster config check` and config files know, the key among the secrets', () => {
    const folder = mkdtempSync(join(tmpdir(), 'roster-config-'));
    try {
      const file = join(folder, 'roster.env');
      writeFileSync(file, `${OUTBOUND_SETTING_NAMES.map((name) => `${name}=1`).join('\n')}\n`, { mode: 0o600 });
      expect(readConfigFile(file).problems).toEqual([]);
      expect(unknownEnvironmentNames({ ROSTER_SECRET_KEY: 'x', ROSTER_OUTBOUND_POLL_MS: '100', ROSTER_OUTBOUND_POLL: '1' })).toEqual(['ROSTER_OUTBOUND_POLL']);
      expect(SECRET_SETTINGS.has('ROSTER_SECRET_KEY')).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the set full sync keeps between passes', () => {
  it('holds every id it was given and no other, across growth', () => {
    const seen = new SeenSet();
    const ids = Array.from({ length: 5000 }, (_, i) => `id-${i}-${randomBytes(4).toString('hex')}`);
    for (const id of ids) seen.add(id);
    for (const id of ids.slice(0, 100)) seen.add(id);
    expect(seen.size).toBe(5000);
    expect(ids.every((id) => seen.has(id))).toBe(true);
    expect(Array.from({ length: 5000 }, (_, i) => `other-${i}`).some((id) => seen.has(id))).toBe(false);
  });
});
