import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// A Roster server as its own process (`node bin/roster.js serve`), as an operator runs it. `npm test` builds
// dist/ before the tests run.

export interface RosterProcess {
  origin: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnRoster(options: { databaseUrl: string; env?: Record<string, string>; entry?: string }): Promise<RosterProcess> {
  const child = spawn(process.execPath, [options.entry ?? join(process.cwd(), 'bin', 'roster.js'), 'serve', '--port', '0', '--database', options.databaseUrl], {
    env: { ...process.env, ROSTER_LOG_LEVEL: 'silent', ROSTER_PUBLIC_URL: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roster serve did not start in 20 s:\n${out}`)), 20_000);
    const check = () => {
      const match = /listening on [^:\s]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`roster serve exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    origin,
    child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
