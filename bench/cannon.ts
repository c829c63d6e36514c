/**
 * The load generator: one autocannon run, in its own process (pinned to the other core by the runner).
 * Reads a CannonSpec (JSON file named by argv[2]) and prints one line of JSON, a CannonResult.
 *
 * Requests come from templates: `{pool}` is replaced by an entry of `pool` (at random, or each entry once in
 * order for writes that must each change something; `{pool0}`, `{pool1}` by its `|`-separated parts), `{n}` by
 * a number unique within the run. Latencies are
 * recorded here from autocannon's per-response event, in fractional milliseconds (autocannon's own histogram
 * keeps whole milliseconds only).
 */
import { readFileSync } from 'node:fs';
import autocannon, { type RawRequest } from 'autocannon';

export interface CannonSpec {
  origin: string;
  connections: number;
  /** Seconds; the run also stops after maxRequests. */
  duration: number;
  maxRequests: number;
  headers: Record<string, string>;
  method: string;
  path: string;
  body?: string;
  pool?: string[];
  pick?: 'random' | 'sequential';
  /** Status codes that count as success (default: 2xx). */
  expect?: number[];
  /** Prefix for `{n}`, so two runs on one database never collide. */
  runId: string;
}

export interface CannonResult {
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  seconds: number;
  rps: number;
  latency: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: number;
  timeouts: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function runCannon(spec: CannonSpec): Promise<CannonResult> {
  const pool = spec.pool ?? [];
  let next = 0;
  let counter = 0;
  // `{pool}` is the whole entry; `{pool0}`, `{pool1}`... its `|`-separated parts (an id and an index, say).
  const fill = (template: string, value: string, n: number) => {
    const parts = value.split('|');
    return template
      .replace(/\{pool(\d)\}/g, (_m, k: string) => parts[Number(k)] ?? '')
      .replaceAll('{pool}', value)
      .replaceAll('{n}', `${spec.runId}-${n}`);
  };
  const setupRequest = (request: RawRequest): RawRequest => {
    const value = pool.length === 0 ? '' : spec.pick === 'sequential' ? pool[next++ % pool.length] : pool[Math.floor(Math.random() * pool.length)];
    const n = counter++;
    request.path = fill(spec.path, value, n);
    if (spec.body !== undefined) request.body = fill(spec.body, value, n);
    return request;
  };
  const expected = new Set(spec.expect ?? []);
  const isOk = (status: number) => (expected.size ? expected.has(status) : status >= 200 && status < 300);
  const latencies = new Float64Array(spec.maxRequests + spec.connections * 2);
  let recorded = 0;
  let failed = 0;
  const statuses: Record<string, number> = {};
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        connections: spec.connections,
        duration: spec.duration,
        maxOverallRequests: spec.maxRequests,
        timeout: Math.max(30, spec.duration * 2),
        headers: spec.headers,
        method: spec.method,
        requests: [{ method: spec.method, setupRequest }],
      },
      (error, result) => {
        if (error) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        const sorted = latencies.slice(0, recorded).sort();
        let sum = 0;
        for (const v of sorted) sum += v;
        resolve({
          ok: recorded,
          failed,
          statuses,
          seconds,
          rps: recorded / seconds,
          latency: {
            mean: recorded ? sum / recorded : NaN,
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: sorted.length ? sorted[sorted.length - 1] : NaN,
          },
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    ) as unknown as NodeJS.EventEmitter;
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (isOk(status) && recorded < latencies.length) latencies[recorded++] = responseTime;
      else if (!isOk(status)) failed++;
    });
  });
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as CannonSpec;
  runCannon(spec).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
