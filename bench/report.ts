import { cpus, totalmem, type as osType, release } from 'node:os';
import { execFileSync } from 'node:child_process';

// The benchmark's results: one Figure per scenario, each beside the ceiling as a ratio (higher is better: 1.0
// means as fast as a bare node:http server answering 1 KB), printed as a table and written as JSON, and compared
// with bench/baseline.json in --quick mode.

export interface Figure {
  name: string;
  label: string;
  /** Concurrent connections (1: one request at a time, the latency figures). */
  connections?: number;
  requests?: number;
  rps?: number;
  p50?: number;
  p99?: number;
  max?: number;
  /** One-shot timings (ms): big group reads, a 10,000-member POST, start-up. */
  timeMs?: number;
  /** Peak RSS of the server during this scenario (bytes). */
  peakRss?: number;
  /** The server's CPU time (user + system, all threads) per answered request, in µs: steadier than req/s on a noisy machine. */
  cpuUs?: number;
  /** Response size (bytes), where it tells something. */
  bytes?: number;
  /** Against the ceiling measured in this run, higher is better. */
  ratio?: number;
  /** The target for this figure and whether it is met. */
  target?: string;
  meets?: boolean;
  note?: string;
  failed?: number;
}

export interface RunReport {
  backend: 'sqlite' | 'postgres';
  users: number;
  bigGroup: number;
  quick: boolean;
  durationPerScenario: number;
  connections: number;
  machine: MachineInfo;
  loadBefore: string;
  loadAfter?: string;
  startedAt: string;
  command: string;
  ceiling: { rps10: number; rps1: number; p50: number; p99: number; startupMs: number; rss: number; cpuUs?: number };
  figures: Figure[];
  peakRss: number;
  loadSeconds?: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  pinned: boolean;
}

export function machineInfo(pinned: boolean): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    os: `${osType()} ${release()}`,
    node: process.version,
    pinned,
  };
}

export function uptimeLoad(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average:\s*/, 'load ');
  } catch {
    return 'load unknown';
  }
}

// Figures are truncated, never rounded up: a reported figure is never better than measured.
const down = (value: number, digits: number) => Math.floor(value * 10 ** digits) / 10 ** digits;
const up = (value: number, digits: number) => Math.ceil(value * 10 ** digits) / 10 ** digits;
/** Rates and ratios (higher is better) round down; times and sizes (lower is better) round up. */
const rate = (v?: number) => (v === undefined || !Number.isFinite(v) ? '' : v >= 100 ? String(down(v, 0)) : String(down(v, 1)));
const ms = (v?: number) => (v === undefined || !Number.isFinite(v) ? '' : v >= 100 ? String(up(v, 0)) : v >= 10 ? String(up(v, 1)) : String(up(v, 2)));
const us = (v?: number) => (v === undefined || !Number.isFinite(v) ? '' : String(up(v, 0)));
/** Memory in MiB (1,048,576 bytes); tables before the eighth round printed the same figures as "MB". */
const mib = (v?: number) => (v === undefined || !Number.isFinite(v) ? '' : `${up(v / 1024 ** 2, 0)} MiB`);
const ratio = (v?: number) => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(10).replace(/^(\d+\.\d{3}).*$/, '$1'));

export function formatTable(report: RunReport): string {
  const head = ['scenario', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'time ms', 'peak RSS', 'vs ceiling', 'target'];
  const rows: string[][] = [
    ['ceiling: bare node:http, 1 KB JSON', String(report.connections), rate(report.ceiling.rps10), '', '', us(report.ceiling.cpuUs), '', mib(report.ceiling.rss), '1', ''],
    ['ceiling, one connection', '1', rate(report.ceiling.rps1), ms(report.ceiling.p50), ms(report.ceiling.p99), '', '', '', '1', ''],
  ];
  for (const f of report.figures) {
    const target = f.target ? `${f.target} ${f.meets === undefined ? '' : f.meets ? 'yes' : 'NO'}` : '';
    rows.push([
      f.label + (f.failed ? ` (${f.failed} failed)` : ''),
      f.connections === undefined ? '' : String(f.connections),
      rate(f.rps),
      ms(f.p50),
      ms(f.p99),
      us(f.cpuUs),
      ms(f.timeMs),
      mib(f.peakRss),
      ratio(f.ratio),
      target.trim(),
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export interface Baseline {
  margin: number;
  note?: string;
  recorded?: Record<string, { at: string; users: number; load: string; machine: string }>;
  ratios: Record<string, Record<string, number>>;
}

/** Names of figures whose ratio fell more than `margin` below the baseline's. */
export function regressions(report: RunReport, baseline: Baseline, margin: number): string[] {
  const expected = baseline.ratios[report.backend] ?? {};
  const out: string[] = [];
  for (const f of report.figures) {
    const base = expected[f.name];
    if (base === undefined || f.ratio === undefined || !Number.isFinite(f.ratio)) continue;
    if (f.ratio < base * (1 - margin)) out.push(`${f.name}: ratio ${ratio(f.ratio)} < ${ratio(base)} - ${Math.round(margin * 100)}%`);
  }
  return out;
}
