import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admins } from '../../src/console/auth/admins.js';
import { migrate, openStorage } from '../../src/storage/database.js';

// `roster admin`, as a person runs it: the compiled CLI (npm test builds it first) against a SQLite file.
const bin = join(process.cwd(), 'bin', 'roster.js');
let folder: string;
let env: NodeJS.ProcessEnv;

function roster(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

describe('roster admin', { timeout: 60_000 }, () => {
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'roster-admin-cli-'));
    env = { ...process.env, ROSTER_DATABASE_URL: `sqlite:${join(folder, 'roster.db')}`, ROSTER_PUBLIC_URL: 'https://roster.example.com' };
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('creates an administrator and prints a one-time setup link under the public URL', async () => {
    const created = await roster(['admin', 'create', '--email', 'Jane@Example.com', '--json']);
    expect(created.code).toBe(0);
    const out = JSON.parse(created.stdout) as { email: string; setupUrl: string };
    expect(out.email).toBe('Jane@Example.com');
    expect(out.setupUrl).toMatch(/^https:\/\/roster\.example\.com\/admin\/setup\/[A-Za-z0-9_-]{43}$/);
    const again = await roster(['admin', 'create', '--email', 'jane@example.com']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('reads a password from stdin, which then signs in', async () => {
    const created = await roster(['admin', 'create', '--email', 'ops@example.com', '--password-stdin'], 'a sturdy passphrase\n');
    expect(created.code).toBe(0);
    expect(created.stdout).not.toContain('sturdy');
    const weak = await roster(['admin', 'create', '--email', 'weak@example.com', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 12 characters');
    const storage = openStorage(env.ROSTER_DATABASE_URL!);
    await migrate(storage);
    const admins = new Admins(storage);
    expect((await admins.verify('ops@example.com', 'a sturdy passphrase'))?.email).toBe('ops@example.com');
    expect(await admins.verify('ops@example.com', 'a sturdy passphrase\n')).toBeUndefined();
    expect(await admins.findByEmail('weak@example.com')).toBeUndefined();
    await storage.close();
  });

  it('resets with a new link, and lists administrators', async () => {
    const reset = await roster(['admin', 'reset', '--email', 'ops@example.com']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/https:\/\/roster\.example\.com\/admin\/setup\//);
    expect((await roster(['admin', 'reset', '--email', 'nobody@example.com'])).code).toBe(1);
    const list = JSON.parse((await roster(['admin', 'list', '--json'])).stdout) as { email: string }[];
    expect(list.map((a) => a.email)).toEqual(['Jane@Example.com', 'ops@example.com']);
    expect(JSON.stringify(list)).not.toContain('password');
  });
});
