// `roster import`, `roster export` and `roster log` as a person runs them: the compiled CLI (npm test builds it
// first) against a real database.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvisioningLog } from '../../src/directory/provisioning-log.js';
import { Roster } from '../../src/directory/roster.js';
import { migrate, openStorage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'roster.js');
let folder: string;
let database: TestDatabase;
let env: NodeJS.ProcessEnv;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function roster(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const file = (name: string, text: string) => {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'roster-import-cli-'));
  database = await createTestDatabase();
  env = { ...process.env, ROSTER_DATABASE_URL: database.url, ROSTER_PUBLIC_URL: 'https://roster.example.com' };
  expect((await roster('migrate')).code).toBe(0);
  expect((await roster('directory', 'create', 'acme')).code).toBe(0);
  expect((await roster('directory', 'create', 'empty')).code).toBe(0);
}, 120_000);
afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  await database.drop();
});

// Each command starts a Node process (a second or more on a busy machine): generous timeouts.
describe('roster import / export', { timeout: 120_000 }, () => {
  it('prints help', async () => {
    for (const command of [['import'], ['export'], ['log']]) {
      const { stdout } = await roster(...command, '--help');
      expect(stdout).toMatch(/Usage: roster/);
    }
  });

  it('imports a CSV, reports rejected rows with their lines, and exits 2 when some were rejected', async () => {
    const csv = file(
      'people.csv',
      [
        'userName,givenName,familyName,email,manager,groups',
        'ada@example.com,Ada,Lovelace,ada@example.com,,Engineering',
        ',,,,,', // no userName
        'ben@example.com,Ben,,ben@example.com,ada@example.com,Engineering;Ops',
        'cy@example.com,Cy,,,ghost@example.com,',
      ].join('\n'),
    );
    const result = await roster('import', 'acme', csv, '--json');
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ directory: 'acme', format: 'csv', dryRun: false, rows: 4, users: { created: 2, updated: 0 }, groups: { created: 2, updated: 0 } });
    expect(report.rejected.map((r: { line: number }) => r.line)).toEqual([3, 5]);
    // Not a terminal: progress comes as plain lines on standard error.
    expect(result.stderr).toMatch(/^import: \d+% of the file, \d+ rows/m);

    const text = await roster('import', 'acme', csv);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('users:  0 created, 2 updated');
    expect(text.stdout).toContain('line 3: userName is empty');
    expect(text.stdout).toContain('line 5 (cy@example.com): manager "ghost@example.com"');
  });

  it('does nothing with --dry-run but say what would happen', async () => {
    const ndjson = file('more.ndjson', [JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'new@example.com' })].join('\n'));
    const result = await roster('import', 'acme', ndjson, '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Dry run of');
    expect(result.stdout).toContain('users:  1 would be created, 0 would be updated');
    const exported = await roster('export', 'acme');
    expect(exported.stdout).not.toContain('new@example.com');
  });

  it('exports to a file whole, and the file imports into an empty directory', async () => {
    const out = join(folder, 'acme.ndjson');
    const result = await roster('export', 'acme', '--output', out, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ directory: 'acme', format: 'ndjson', users: 2, groups: 2 });
    expect(existsSync(`${out}.partial`)).toBe(false);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);

    const imported = await roster('import', 'empty', out, '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ format: 'scim', users: { created: 2 }, groups: { created: 2 }, rejected: [] });
    const again = await roster('export', 'empty', '--format', 'csv');
    expect(again.stdout.split('\n')[0]).toBe('userName,givenName,familyName,displayName,email,externalId,active,title,department,employeeNumber,manager,groups');
    expect(again.stdout).toContain('ben@example.com,Ben,,,ben@example.com,,,,,,ada@example.com,Engineering;Ops');
    expect(again.stderr).toContain('Exported 2 users of directory empty');
  });

  it('fails clearly on a file it cannot read', async () => {
    const missing = await roster('import', 'acme', join(folder, 'nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
    const badHeader = await roster('import', 'acme', file('bad.csv', 'userName,shoeSize\na,44\n'));
    expect(badHeader.code).toBe(1);
    expect(badHeader.stderr).toContain('Unknown column "shoeSize"');
    expect((await roster('import', 'nodir', file('ok.csv', 'userName\na\n'))).stderr).toContain('No directory "nodir"');
  });
});

describe('roster log', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    const storage = openStorage(database.url);
    try {
      await migrate(storage);
      const service = new Roster(storage);
      const acme = (await service.tenants.findDirectory('acme'))!;
      const log = new ProvisioningLog(storage);
      const base = { directoryId: acme.id, method: 'POST', path: '/d/acme/scim/v2/Users', tokenLabel: 'Okta prod', client: 'okta' };
      log.record({ ...base, time: new Date(Date.now() - 3 * 3_600_000), operation: 'create', resourceType: 'User', resourceName: 'ada@example.com', summary: 'create user ada@example.com', status: 201, durationMs: 12 });
      log.record({ ...base, time: new Date(Date.now() - 60_000), operation: 'create', resourceType: 'User', resourceName: 'ada@example.com', summary: 'create user ada@example.com', status: 409, durationMs: 5, errorType: 'uniqueness', errorDetail: 'userName "ada@example.com" is already taken' });
      log.record({ ...base, time: new Date(), method: 'GET', client: undefined, operation: 'list', summary: 'list users', status: 200, durationMs: 2 });
      await log.flush();
    } finally {
      await storage.close();
    }
  });

  it('lists a directory\'s requests newest first, with error details', async () => {
    const { code, stdout } = await roster('log', '--directory', 'acme');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}200 {2}- +list users {2}\(2 ms\) {2}\[Okta prod\]$/);
    expect(lines[1]).toMatch(/409 {2}okta +create user ada@example.com {2}\(5 ms\)/);
    expect(lines[2]).toMatch(/↳ uniqueness: userName "ada@example.com" is already taken$/);
  });

  it('filters by status, client, user, operation and time, as JSON', async () => {
    const json = async (...args: string[]) => {
      const result = await roster('log', '--directory', 'acme', '--json', ...args);
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout);
    };
    expect((await json('--status', '4xx')).entries.map((e: { status: number }) => e.status)).toEqual([409]);
    expect((await json('--client', 'okta')).entries).toHaveLength(2);
    expect((await json('--client', 'unknown')).entries).toHaveLength(1);
    expect((await json('--user', 'ADA@example.com')).entries).toHaveLength(2);
    expect((await json('--operation', 'list')).entries).toHaveLength(1);
    expect((await json('--since', '2h')).entries).toHaveLength(2);
    const firstPage = await json('--limit', '1');
    expect(firstPage.entries).toHaveLength(1);
    const second = await json('--limit', '1', '--before', firstPage.next);
    expect(second.entries[0].status).toBe(409);
  });

  it('rejects bad filters with a clear message', async () => {
    expect((await roster('log', '--status', '4x')).stderr).toContain('Invalid status "4x"');
    expect((await roster('log', '--client', 'salesforce')).stderr).toContain('Unknown client "salesforce"');
    expect((await roster('log', '--since', 'yesterday')).stderr).toContain('Invalid time "yesterday"');
    expect((await roster('log', '--limit', '0')).stderr).toContain('Invalid --limit');
    expect((await roster('log', '--operation', 'explode')).code).toBe(1);
  });
});
