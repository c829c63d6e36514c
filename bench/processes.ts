import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

// Child processes of the benchmark: pinned to a core with taskset where Linux has it, their memory read from
// /proc, and every one of them ended by its own pid when the run ends (or fails).

const hasTaskset = process.platform === 'linux' && spawnSync('taskset', ['-V']).status === 0;
export const cores = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length || 1;
  } catch {
    return 1;
  }
})();

const children = new Set<ChildProcess>();

/** Spawns `node args` on `core` (when taskset exists and the machine has that core). */
export function spawnPinned(core: number, args: string[], env: NodeJS.ProcessEnv, options: { stdio?: 'pipe' | 'ignore' } = {}): ChildProcess {
  const pin = hasTaskset && core < cores;
  // taskset execs node: the child's pid is node's pid, so /proc/PID is the server's.
  const child = pin
    ? spawn('taskset', ['-c', String(core), process.execPath, ...args], { env, stdio: ['ignore', options.stdio ?? 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env, stdio: ['ignore', options.stdio ?? 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Pins this process (all its threads) to `core`, so the runner's own timing requests do not share the server's core. */
export function pinSelf(core: number): boolean {
  if (!hasTaskset || core >= cores) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)]).status === 0;
}

export const pinned = () => hasTaskset && cores >= 2;

export async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Ends every child still running (on failure or Ctrl-C), each by its own pid. */
export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Resident memory of a process in bytes: `VmRSS` now, `VmHWM` the peak (since start or the last resetPeak). */
export function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * CPU time a process has used so far (user + system, all its threads), in ms, from /proc/PID/stat; undefined
 * where /proc is missing. Clock ticks are 10 ms, so it is read over whole scenarios, never one request.
 */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
const TICKS_PER_SECOND = (() => {
  const ticks = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(ticks.stdout?.trim()) || 100;
})();

/** Resets a process's peak RSS (`echo 5 > /proc/PID/clear_refs`, Linux); false where that is not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Tracks the peak RSS of a process over a whole run: VmHWM read before every reset and at the end, plus VmRSS
 * samples in between (so it still works where the peak cannot be reset).
 */
export class PeakTracker {
  private max = 0;
  private timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): { rss: number; peak: number } | undefined {
    const m = memoryOf(this.pid);
    if (m) this.max = Math.max(this.max, m.rss, Number.isFinite(m.peak) ? m.peak : 0);
    return m;
  }

  /** Peak since the last window started; starts a new window. */
  window(): { peak: number } {
    const m = this.sample();
    const peak = m?.peak ?? NaN;
    resetPeak(this.pid);
    return { peak };
  }

  startWindow(): void {
    this.sample();
    resetPeak(this.pid);
  }

  overall(): number {
    this.sample();
    return this.max;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Polls `url` until it answers 200; the time from `since` (ms, performance.now()) to that answer. */
export async function timeToFirst200(url: string, headers: Record<string, string>, since: number, child: ChildProcess, limitMs: number): Promise<number> {
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering:\n${stderr.slice(-2000)}`);
    if (performance.now() - since > limitMs) throw new Error(`the server did not answer ${url} within ${limitMs} ms:\n${stderr.slice(-2000)}`);
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
