// The issue-3 CLI as a person runs it (the compiled `bin/roster.js`; run `npm run build` first): directory
// policies, history, soft-deleted users, schema extensions and role mapping, each in text and with --json,
// against this run's database (SQLite, or PostgreSQL in the suite's PostgreSQL half).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/directory/context.js';
import { DEFAULT_POLICY } from '../../src/directory/policies.js';
import { Roster } from '../../src/directory/roster.js';
import { migrate, openStorage, type Storage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA } from '../http/helpers.js';
import { OKTA_EXT, ROLES_EXT } from './support.js';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'roster.js');
const PUBLIC = 'https://roster.example.com';
/** Every command starts a Node process (seconds each on a busy machine). */
const SLOW = { timeout: 300_000 };

let database: TestDatabase;
let storage: Storage;
let service: Roster;
let folder: string;
let env: NodeJS.ProcessEnv;

/**
 * Runs the CLI. On PostgreSQL every command migrates first, and the migrator introspects the tables of every
 * schema in the database: when another test run drops its schema at that moment, the command fails with
 * `schema "rt_..." does not exist` naming that other schema (a server bug, reported). Only that failure is
 * retried; anything naming our own schema, or any other error, is the command's real answer.
 */
async function exec(args: string[]): Promise<{ stdout: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run(process.execPath, [bin, ...args], { env });
    } catch (error) {
      const foreign = /schema "(rt_[0-9a-z]+)" does not exist/.exec((error as { stderr?: string }).stderr ?? '');
      const ours = /search_path=(rt_[0-9a-z]+)/.exec(decodeURIComponent(database.url))?.[1];
      if (!foreign || foreign[1] === ours || attempt >= 4) throw error;
    }
  }
}
const roster = async (...args: string[]) => (await exec(args)).stdout;
const rosterJson = async (...args: string[]) => JSON.parse(await roster(...args, '--json'));
const rosterFails = async (...args: string[]) => {
  try {
    await exec(args);
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error(`roster ${args.join(' ')} succeeded`);
};

const scopeOf = async (slug: string): Promise<Scope> => ({
  directory: await service.tenants.requireDirectory(slug),
  base: `${PUBLIC}/scim/v2`,
  actor: { kind: 'admin', label: 'test' },
});
const effectiveRoles = async (id: string) => {
  const user = await service.users.get(await scopeOf('default'), id);
  return [...(((user[ROLES_EXT] as { effectiveRoles?: string[] } | undefined)?.effectiveRoles) ?? [])].sort();
};

beforeAll(async () => {
  database = await createTestDatabase();
  storage = openStorage(database.url);
  await migrate(storage);
  service = new Roster(storage);
  await service.tenants.bootstrap();
  await service.tenants.createDirectory('acme');
  folder = mkdtempSync(join(tmpdir(), 'roster-cli-policies-'));
  env = { ...process.env, ROSTER_DATABASE_URL: database.url, ROSTER_PUBLIC_URL: PUBLIC, ROSTER_LOG_LEVEL: 'silent' };
});
afterAll(async () => {
  await storage?.close();
  await database?.drop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('help', SLOW, () => {
  it('describes every new command', async () => {
    for (const command of [['directory', 'set'], ['history'], ['user', 'restore'], ['schema', 'add'], ['role', 'rule', 'add']]) {
      expect(await roster(...command, '--help'), command.join(' ')).toMatch(/Usage: roster/);
    }
  });
});

describe('roster directory set / show', SLOW, () => {
  it('shows the default policy, in text and JSON', async () => {
    const shown = await rosterJson('directory', 'show', 'default');
    expect(shown).toEqual({ slug: 'default', name: expect.any(String), baseUrl: `${PUBLIC}/scim/v2`, policy: DEFAULT_POLICY, extensions: [] });
    const text = await roster('directory', 'show', 'default');
    expect(text).toContain(`${PUBLIC}/scim/v2`);
    expect(text).toMatch(/create=on/);
    expect(text).toMatch(/deletion=soft/);
    expect(text).toMatch(/retentionDays=30/);
    expect((await rosterJson('directory', 'show', 'acme')).baseUrl).toBe(`${PUBLIC}/d/acme/scim/v2`);
  });

  it('sets several settings at once; the database and show agree', async () => {
    const set = await rosterJson('directory', 'set', 'acme', 'create=off', 'groupPush=off', 'userNameFromEmail=on', 'deletion=hard', 'retentionDays=7');
    const expected = { ...DEFAULT_POLICY, create: false, groupPush: false, userNameFromEmail: true, deletion: 'hard', retentionDays: 7 };
    expect(set).toEqual(expected);
    expect((await rosterJson('directory', 'show', 'acme')).policy).toEqual(expected);
    expect(service.policies.get(await service.tenants.requireDirectory('acme'))).toEqual(expected);
    // The default directory is untouched.
    expect(service.policies.get(await service.tenants.requireDirectory('default'))).toEqual(DEFAULT_POLICY);

    const text = await roster('directory', 'set', 'acme', 'create=on');
    expect(text).toMatch(/create=on/);
    expect(text).toMatch(/groupPush=off/);
    expect(text).toMatch(/deletion=hard/);
  });

  it('refuses bad settings with a clear message and exit status 1, changing nothing', async () => {
    const before = (await rosterJson('directory', 'show', 'acme')).policy;
    const cases: [string[], RegExp][] = [
      [['create=maybe'], /create.*on or off/],
      [['bogus=on'], /Unknown setting "bogus"/],
      [['deletion=sometimes'], /deletion.*soft or hard/],
      [['retentionDays=-1'], /retentionDays/],
      [['retentionDays=ten'], /retentionDays/],
      [['create'], /key=value/],
      [['update=off', 'delete=perhaps'], /delete.*on or off/],
    ];
    for (const [settings, message] of cases) {
      const failed = await rosterFails('directory', 'set', 'acme', ...settings);
      expect(failed.code, settings.join(' ')).toBe(1);
      expect(failed.stderr, settings.join(' ')).toMatch(message);
    }
    expect((await rosterFails('directory', 'set', 'nope', 'create=on')).stderr).toContain('No directory "nope"');
    expect((await rosterFails('directory', 'show', 'nope')).stderr).toContain('No directory "nope"');
    expect((await rosterJson('directory', 'show', 'acme')).policy).toEqual(before);
  });
});

describe('roster history', SLOW, () => {
  it('prints a user\'s changes oldest first, with diffs and actors', async () => {
    const scope = await scopeOf('default');
    const user = await service.users.create(scope, { schemas: [USER_SCHEMA], userName: 'history@example.com', title: 'Before' });
    await service.users.patch(scope, user.id as string, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'After' }] });

    const records = await rosterJson('history', user.id as string);
    expect(records.map((r: { event: string }) => r.event)).toEqual(['user.created', 'user.updated']);
    expect(records[1]).toMatchObject({ resourceId: user.id, resourceName: 'history@example.com', actor: { kind: 'admin', label: 'test' }, data: { changes: { title: { before: 'Before', after: 'After' } } } });
    expect(records[1].seq).toBeGreaterThan(records[0].seq);

    const text = await roster('history', user.id as string);
    expect(text).toContain('user.created');
    expect(text).toContain('user.updated');
    expect(text).toContain('title: "Before" → "After"');
    expect(text).toMatch(new RegExp(`#${records[1].seq}\\b`));

    expect(await rosterJson('history', user.id as string, '--limit', '1')).toHaveLength(1);
    expect(await rosterJson('history', 'no-such-id')).toEqual([]);
    expect(await roster('history', 'no-such-id')).toContain('No history for no-such-id');
  });

  it('shows group member events and reads the directory given', async () => {
    const scope = await scopeOf('acme');
    const user = await service.users.create(scope, { schemas: [USER_SCHEMA], userName: 'acme-member@example.com' });
    const group = await service.groups.create(scope, { schemas: [GROUP_SCHEMA], displayName: 'Acme team', members: [{ value: user.id }] });
    const records = await rosterJson('history', group.id as string, '--directory', 'acme');
    expect(records.map((r: { event: string }) => r.event)).toEqual(['group.created', 'group.member_added']);
    expect(records[1].data.member).toEqual({ value: user.id, type: 'User' });
    expect(await roster('history', group.id as string, '--directory', 'acme')).toContain(user.id as string);
    // Not visible from another directory.
    expect(await rosterJson('history', group.id as string)).toEqual([]);
  });
});

describe('roster user deleted / restore / purge', SLOW, () => {
  it('lists a soft-deleted user, restores it with its memberships, and records the CLI as actor', async () => {
    const scope = await scopeOf('default');
    const user = await service.users.create(scope, { schemas: [USER_SCHEMA], userName: 'restore-me@example.com' });
    const group = await service.groups.create(scope, { schemas: [GROUP_SCHEMA], displayName: 'Kept group', members: [{ value: user.id }] });
    await service.users.delete(scope, user.id as string);

    const deleted = await rosterJson('user', 'deleted');
    expect(deleted).toEqual([{ id: user.id, userName: 'restore-me@example.com', deletedAt: expect.any(String) }]);
    const text = await roster('user', 'deleted');
    expect(text).toContain(user.id as string);
    expect(text).toContain('restore-me@example.com');

    const restored = await rosterJson('user', 'restore', user.id as string);
    expect(restored).toMatchObject({ id: user.id, userName: 'restore-me@example.com' });
    expect(restored.meta.location).toBe(`${PUBLIC}/scim/v2/Users/${user.id}`);
    expect(restored.groups.map((g: { value: string }) => g.value)).toEqual([group.id]);
    expect(await rosterJson('user', 'deleted')).toEqual([]);
    expect(await roster('user', 'deleted')).toContain('No deleted users');

    const history = await rosterJson('history', user.id as string);
    expect(history.at(-1)).toMatchObject({ event: 'user.restored', actor: { kind: 'cli' } });

    const again = await rosterFails('user', 'restore', user.id as string);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No deleted user/);
  });

  it('restores in text mode and in the directory given', async () => {
    const scope = await scopeOf('acme');
    await service.policies.update(scope.directory, { deletion: 'soft' });
    const acmeScope = await scopeOf('acme');
    const user = await service.users.create(acmeScope, { schemas: [USER_SCHEMA], userName: 'acme-restore@example.com' });
    await service.users.delete(acmeScope, user.id as string);
    expect(await rosterJson('user', 'deleted')).toEqual([]);
    expect((await rosterJson('user', 'deleted', '--directory', 'acme')).map((u: { id: string }) => u.id)).toEqual([user.id]);
    expect((await rosterFails('user', 'restore', user.id as string)).code).toBe(1); // not in the default directory
    expect(await roster('user', 'restore', user.id as string, '--directory', 'acme')).toContain('acme-restore@example.com');
  });

  it('a 409 when the userName was taken meanwhile', async () => {
    const scope = await scopeOf('default');
    const old = await service.users.create(scope, { schemas: [USER_SCHEMA], userName: 'taken@example.com' });
    await service.users.delete(scope, old.id as string);
    await service.users.create(scope, { schemas: [USER_SCHEMA], userName: 'TAKEN@example.com' });
    const failed = await rosterFails('user', 'restore', old.id as string);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/userName|taken|exists|uniq/i);
  });

  it('purge removes users past retention only', async () => {
    const scope = await scopeOf('default');
    const user = await service.users.create(scope, { schemas: [USER_SCHEMA], userName: 'purge-me@example.com' });
    await service.users.delete(scope, user.id as string);
    expect(await rosterJson('user', 'purge')).toEqual({ purged: 0 });
    expect((await rosterJson('user', 'deleted')).map((u: { id: string }) => u.id)).toContain(user.id);
    await storage.db.updateTable('users').set({ deleted_at: new Date(Date.now() - 31 * 86_400_000).toISOString() }).where('id', '=', user.id as string).execute();
    expect(await rosterJson('user', 'purge')).toEqual({ purged: 1 });
    expect((await rosterJson('user', 'deleted')).map((u: { id: string }) => u.id)).not.toContain(user.id);
    expect(await roster('user', 'purge')).toMatch(/Purged 0 users/);
    expect((await rosterJson('history', user.id as string)).at(-1).event).toBe('user.purged');
  });
});

describe('roster schema add / list / remove', SLOW, () => {
  const schema = {
    id: OKTA_EXT,
    name: 'OktaCustom',
    attributes: [{ name: 'costCode', type: 'string' }, { name: 'level', type: 'integer' }],
  };

  it('declares an extension from a file; list and show report it; users are then type-checked', async () => {
    const file = join(folder, 'okta.json');
    writeFileSync(file, JSON.stringify(schema));
    const declared = await rosterJson('schema', 'add', 'default', file);
    expect(declared).toMatchObject({ resourceType: 'User', schema: { id: OKTA_EXT, name: 'OktaCustom' } });
    expect(declared.schema.attributes.map((a: { name: string; type: string }) => `${a.name}:${a.type}`)).toEqual(['costCode:string', 'level:integer']);

    const list = await rosterJson('schema', 'list', 'default');
    expect(list).toHaveLength(1);
    expect(list[0].schema.id).toBe(OKTA_EXT);
    expect(await roster('schema', 'list', 'default')).toContain(`${OKTA_EXT} (User): costCode, level`);
    expect((await rosterJson('directory', 'show', 'default')).extensions).toEqual([{ id: OKTA_EXT, resourceType: 'User' }]);
    expect(await rosterJson('schema', 'list', 'acme')).toEqual([]);
    expect(await roster('schema', 'list', 'acme')).toContain('No extensions');

    const scope = await scopeOf('default');
    const created = await service.users.create(scope, { schemas: [USER_SCHEMA, OKTA_EXT], userName: 'custom@example.com', [OKTA_EXT]: { level: 3 } });
    expect(created[OKTA_EXT]).toEqual({ level: 3 });
    await expect(service.users.create(scope, { schemas: [USER_SCHEMA, OKTA_EXT], userName: 'bad@example.com', [OKTA_EXT]: { level: 'x' } })).rejects.toMatchObject({ status: 400 });
  });

  it('declares a Group extension in text mode', async () => {
    const file = join(folder, 'group.json');
    writeFileSync(file, JSON.stringify({ id: 'urn:example:params:scim:schemas:extension:team:1.0:Group', attributes: [{ name: 'budget', type: 'integer' }] }));
    const text = await roster('schema', 'add', 'acme', file, '--resource-type', 'Group');
    expect(text).toContain('urn:example:params:scim:schemas:extension:team:1.0:Group');
    expect(text).toContain('Group');
    expect((await rosterJson('schema', 'list', 'acme'))[0].resourceType).toBe('Group');
  });

  it('refuses unreadable files, invalid schemas and bad resource types', async () => {
    const missing = await rosterFails('schema', 'add', 'default', join(folder, 'missing.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read/);
    const notJson = join(folder, 'not.json');
    writeFileSync(notJson, '{ nope');
    expect((await rosterFails('schema', 'add', 'default', notJson)).stderr).toMatch(/Cannot read/);
    const invalid = join(folder, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ id: 'not a urn', attributes: [] }));
    expect((await rosterFails('schema', 'add', 'default', invalid)).stderr).toMatch(/URN/);
    const ok = join(folder, 'ok.json');
    writeFileSync(ok, JSON.stringify({ id: 'urn:example:x:1.0:User', attributes: [{ name: 'x' }] }));
    expect((await rosterFails('schema', 'add', 'default', ok, '--resource-type', 'Widget')).stderr).toMatch(/User or Group/);
    expect((await rosterFails('schema', 'add', 'nope', ok)).stderr).toContain('No directory "nope"');
    expect((await rosterJson('schema', 'list', 'default')).map((d: { schema: { id: string } }) => d.schema.id)).toEqual([OKTA_EXT]);
  });

  it('removes an extension', async () => {
    const file = join(folder, 'temp.json');
    writeFileSync(file, JSON.stringify({ id: 'urn:example:temp:1.0:User', attributes: [{ name: 't' }] }));
    await rosterJson('schema', 'add', 'default', file);
    expect(await rosterJson('schema', 'remove', 'default', 'urn:example:temp:1.0:User')).toEqual({ removed: 'urn:example:temp:1.0:User' });
    expect((await rosterJson('schema', 'list', 'default')).map((d: { schema: { id: string } }) => d.schema.id)).toEqual([OKTA_EXT]);
    expect((await rosterFails('schema', 'remove', 'default', 'urn:example:temp:1.0:User')).stderr).toMatch(/No extension/);
  });
});

describe('roster role map / list / rule add / rule remove', SLOW, () => {
  let engineer: string;
  let seller: string;
  let groupId: string;
  beforeAll(async () => {
    const scope = await scopeOf('default');
    engineer = (await service.users.create(scope, { schemas: [USER_SCHEMA], userName: 'eng@example.com' })).id as string;
    seller = (await service.users.create(scope, { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'sell@example.com', [ENTERPRISE]: { department: 'Sales' } })).id as string;
    groupId = (await service.groups.create(scope, { schemas: [GROUP_SCHEMA], displayName: 'Eng-All', members: [{ value: engineer }] })).id as string;
  });

  it('maps a group (by name) to roles; members hold them; list shows it', async () => {
    expect(await rosterJson('role', 'map', 'Eng-All', 'engineer', 'admin')).toEqual({ groupId, roles: ['engineer', 'admin'] });
    expect(await effectiveRoles(engineer)).toEqual(['admin', 'engineer']);
    expect(await rosterJson('role', 'list')).toEqual({ mappings: [{ groupId, displayName: 'Eng-All', roles: ['admin', 'engineer'] }], rules: [] });
    expect(await roster('role', 'list')).toContain('group Eng-All → admin, engineer');
    expect(await roster('role', 'map', groupId, 'engineer')).toContain('engineer');
    expect(await effectiveRoles(engineer)).toEqual(['engineer']);
    expect(await rosterJson('role', 'list', '--directory', 'acme')).toEqual({ mappings: [], rules: [] });
    expect(await roster('role', 'list', '--directory', 'acme')).toContain('No role mappings or rules');
  });

  it('adds and removes an attribute rule; the role follows at once', async () => {
    const filter = `${ENTERPRISE}:department eq "Sales"`;
    const rule = await rosterJson('role', 'rule', 'add', filter, 'sales');
    expect(rule).toMatchObject({ id: expect.any(String), filter, role: 'sales' });
    expect(await effectiveRoles(seller)).toEqual(['sales']);
    expect(await effectiveRoles(engineer)).toEqual(['engineer']);
    const listed = await rosterJson('role', 'list');
    expect(listed.rules).toEqual([{ id: rule.id, filter, role: 'sales', created: expect.any(String) }]);
    expect(await roster('role', 'list')).toContain(`rule ${rule.id}: ${filter} → sales`);

    expect(await rosterJson('role', 'rule', 'remove', rule.id)).toEqual({ removed: rule.id });
    expect(await effectiveRoles(seller)).toEqual([]);
    expect((await rosterJson('role', 'list')).rules).toEqual([]);
    const again = await rosterFails('role', 'rule', 'remove', rule.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No rule/);

    const text = await roster('role', 'rule', 'add', 'title eq "Boss"', 'boss');
    expect(text).toMatch(/Added rule \S+: title eq "Boss" → boss/);
  });

  it('refuses bad rules and unknown groups; no roles removes the mapping', async () => {
    expect((await rosterFails('role', 'rule', 'add', 'department eq', 'x')).code).toBe(1);
    expect((await rosterFails('role', 'rule', 'add', 'effectiveRoles eq "a"', 'b')).stderr).toMatch(/roles or groups/);
    expect((await rosterFails('role', 'map', 'No such group', 'x')).stderr).toMatch(/No group "No such group"/);
    expect(await rosterJson('role', 'map', 'eng-all')).toEqual({ groupId, roles: [] });
    expect(await effectiveRoles(engineer)).toEqual([]);
    expect((await rosterJson('role', 'list')).mappings).toEqual([]);
  });
});
