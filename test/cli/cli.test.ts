import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The `roster` command as a person runs it: the compiled CLI (npm test builds it first) against a SQLite file.
const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'roster.js');
let folder: string;
let env: NodeJS.ProcessEnv;

const roster = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, [bin, ...args], { env });
  return stdout;
};
const rosterJson = async (...args: string[]) => JSON.parse(await roster(...args, '--json'));
const rosterFails = async (...args: string[]) => {
  try {
    await run(process.execPath, [bin, ...args], { env });
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error(`roster ${args.join(' ')} succeeded`);
};

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'roster-cli-'));
  env = { ...process.env, ROSTER_DATABASE_URL: `sqlite:${join(folder, 'roster.db')}`, ROSTER_PUBLIC_URL: 'https://roster.example.com' };
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('roster CLI', () => {
  it('prints help for every command', async () => {
    for (const command of [[], ['serve'], ['migrate'], ['directory'], ['directory', 'create'], ['token'], ['token', 'create'], ['token', 'list'], ['token', 'revoke']]) {
      const out = await roster(...command, '--help');
      expect(out).toMatch(/Usage: roster/);
    }
  });

  it('migrates, creates directories and lists them with their SCIM base URLs', async () => {
    expect(await rosterJson('migrate')).toHaveProperty('applied');
    const created = await rosterJson('directory', 'create', 'acme', '--name', 'Acme Corp');
    expect(created).toMatchObject({ slug: 'acme', name: 'Acme Corp', baseUrl: 'https://roster.example.com/d/acme/scim/v2' });
    const list = await rosterJson('directory', 'list');
    expect(list.map((d: { slug: string }) => d.slug)).toContain('acme');
    expect(await roster('directory', 'list')).toContain('https://roster.example.com/d/acme/scim/v2');
    const dup = await rosterFails('directory', 'create', 'acme');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    expect((await rosterFails('directory', 'create', 'Bad Slug!')).stderr).toContain('Invalid directory slug');
  });

  it('creates, lists and revokes tokens without ever listing their values', async () => {
    const created = await rosterJson('token', 'create', '--directory', 'acme', '--label', 'Okta prod', '--scope', 'scim:read');
    expect(created.token).toMatch(/^rst_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ label: 'Okta prod', scope: 'scim:read', directory: 'acme' });
    expect(created.baseUrl).toMatch(/\/d\/acme\/scim\/v2$/);
    const listed = await rosterJson('token', 'list', '--directory', 'acme');
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed[0]).toMatchObject({ id: created.id, revoked_at: null });
    expect(await rosterJson('token', 'revoke', created.id, '--directory', 'acme')).toEqual({ id: created.id, revoked: true });
    expect((await rosterJson('token', 'list', '--directory', 'acme'))[0].revoked_at).not.toBeNull();
    expect((await rosterFails('token', 'revoke', created.id, '--directory', 'acme')).stderr).toContain('No active token');
    // An application token is for the change feed and password check, not SCIM: it is shown with the API's URL.
    const feed = await rosterJson('token', 'create', '--directory', 'acme', '--label', 'HR app', '--scope', 'changes:read');
    expect(feed.baseUrl).toMatch(/\/d\/acme\/api\/v1$/);
    expect(await rosterJson('token', 'revoke', feed.id, '--directory', 'acme')).toEqual({ id: feed.id, revoked: true });
    expect((await rosterFails('token', 'create', '--label', 'x', '--scope', 'admin')).code).toBe(1);
    expect((await rosterFails('token', 'list', '--directory', 'nope')).stderr).toContain('No directory "nope"');
  });

  it('rejects a bad database URL with a clear message', async () => {
    const { stderr } = await rosterFails('migrate', '--database', 'mysql://x');
    expect(stderr).toContain('databaseUrl: must start with sqlite: or postgres://');
  });
});

describe('roster serve', () => {
  it('starts on first run with the bootstrap token, prints the base URL and token once, and serves SCIM', async () => {
    const db = `sqlite:${join(folder, 'serve.db')}`;
    const token = 'bootstrap-token-for-the-cli-test';
    const start = (port: number) => {
      const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--database', db], {
        env: { ...env, ROSTER_BOOTSTRAP_TOKEN: token, ROSTER_LOG_LEVEL: 'silent', ROSTER_PUBLIC_URL: '' },
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      const ready = new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => out.includes('Bearer token') && resolve(out));
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      return { child, ready };
    };
    const port = 20000 + Math.floor(Math.random() * 20000);
    const first = start(port);
    const out = await first.ready;
    expect(out).toContain(`SCIM base URL:  http://127.0.0.1:${port}/scim/v2`);
    expect(out).toContain(`Bearer token:   ${token}`);
    const response = await fetch(`http://127.0.0.1:${port}/scim/v2/Users?startIndex=1&count=2`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { totalResults: number }).totalResults).toBe(0);
    first.child.kill('SIGTERM');
    await new Promise((resolve) => first.child.on('exit', resolve));

    // The second start keeps the token and never prints it again.
    const second = start(port);
    const again = await second.ready;
    expect(again).not.toContain(token);
    const still = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } });
    expect(still.status).toBe(200);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.on('exit', resolve));
  });
});
