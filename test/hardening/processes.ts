// The real server as an operator runs it: `node bin/roster.js serve` in a child process (npm test builds dist/
// first), on a SQLite file, on a free port. For the fault tests: kill it, stop it, restart it on the same file.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';

export const BIN = join(process.cwd(), 'bin', 'roster.js');
export const TOKEN = 'durability-test-token-0123456789';

export interface RunningRoster {
  child: ChildProcess;
  origin: string;
  baseUrl: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function rosterEnv(databaseFile: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('ROSTER_') && !name.startsWith('ROSTER_TEST_')) delete env[name];
  return { ...env, ROSTER_DATABASE_URL: `sqlite:${databaseFile}`, ROSTER_BOOTSTRAP_TOKEN: TOKEN, ROSTER_LOG_LEVEL: 'silent', ...extra };
}

/** Starts `roster serve --port 0` and resolves once it prints where it listens. */
export function startProcess(databaseFile: string, extra: Record<string, string> = {}, args: string[] = []): Promise<RunningRoster> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: rosterEnv(databaseFile, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roster serve did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const match = /listening on [^\s]+:(\d+)/.exec(out);
      const base = /SCIM base URL:\s+(\S+)/.exec(out);
      if (match && base) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        const origin = new URL(base[1]).origin;
        resolve({ child, origin, baseUrl: base[1], output: () => out, exited });
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`roster serve exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

export const run = promisify(execFile);

/** `roster ARGS` to completion: exit code, stdout and stderr. */
export async function roster(databaseFile: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: rosterEnv(databaseFile) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** SQLite's own verdict on the file (opening it also recovers the WAL a killed process left behind). */
export function integrityCheck(databaseFile: string): string[] {
  const db = new BetterSqlite3(databaseFile);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

/** A SCIM request to a child server; network failures (the server was killed) come back as status 0. */
export async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: 0, body: undefined };
  }
}
