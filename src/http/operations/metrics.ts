import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ReadinessProbe } from '../../operations/readiness.js';
import { recognizeClient } from '../../protocol/clients.js';
import type { Storage } from '../../storage/database.js';
import { isInternal, scimDirectory } from './request-keys.js';

// Prometheus metrics at /metrics: requests by route, method, status, client (the IdP, recognised from the
// User-Agent and the request's shape) and directory; latency histograms; requests refused by the limits; the
// database's readiness and connection pool at scrape time; outbound delivery (the backlog and failures of each
// SCIM target and webhook, read from the database, so every instance reports the same numbers); and Node's process
// metrics. One registry per server, so tests can run several servers in one process. Labels take bounded values
// only: route templates, not URLs; a directory only once its token was accepted; targets by their names, which
// administrators choose. prom-client is loaded when a server starts (createMetrics), not by every CLI command.

type PromClient = typeof import('prom-client');

export async function createMetrics(probe?: ReadinessProbe, storage?: Storage): Promise<HttpMetrics> {
  return new HttpMetrics(await import('prom-client'), probe, storage);
}

export class HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'status' | 'client' | 'directory'>;
  readonly duration: Histogram<'route' | 'method' | 'client'>;
  readonly inFlight: Gauge;
  readonly limited: Counter<'limit'>;
  readonly authFailures: Counter;

  constructor(prom: PromClient, probe?: ReadinessProbe, storage?: Storage) {
    const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = prom;
    this.registry = new Registry();
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'roster_' });
    this.requests = new Counter({
      name: 'roster_http_requests_total',
      help: 'HTTP requests answered, by route template, method, status, client and directory',
      labelNames: ['route', 'method', 'status', 'client', 'directory'],
      registers,
    });
    this.duration = new Histogram({
      name: 'roster_http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its answer',
      labelNames: ['route', 'method', 'client'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.inFlight = new Gauge({ name: 'roster_http_requests_in_flight', help: 'Requests being answered now', registers });
    this.limited = new Counter({
      name: 'roster_rate_limited_total',
      help: 'Requests refused with 429, by the limit that refused them (token, address, directory, auth-failures)',
      labelNames: ['limit'],
      registers,
    });
    this.authFailures = new Counter({ name: 'roster_auth_failures_total', help: 'SCIM requests refused with 401', registers });
    if (probe) {
      new Gauge({
        name: 'roster_ready',
        help: '1 when the database answers and the migrations are in place (as /readyz), else 0',
        registers,
        async collect() {
          this.set((await probe.check()).ready ? 1 : 0);
        },
      });
    }
    if (storage) {
      databasePoolGauges(prom, registers, storage);
      outboundGauges(prom, registers, storage);
    }
  }
}

/** PostgreSQL's pool: connections open, idle, and queries waiting for one. SQLite: one connection, no pool. */
function databasePoolGauges({ Gauge }: PromClient, registers: Registry[], storage: Storage): void {
  new Gauge({
    name: 'roster_db_pool_connections',
    help: 'Database connections by state: total (open), idle, waiting (queries waiting for a connection), max (the pool size)',
    labelNames: ['state'],
    registers,
    collect() {
      const pool = storage.pool;
      if (!pool) {
        this.set({ state: 'total' }, 1);
        this.set({ state: 'max' }, 1);
        return;
      }
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
      this.set({ state: 'max' }, pool.options.max);
    },
  });
}

type OutboundLabels = 'directory' | 'kind' | 'target';

/**
 * Outbound delivery per SCIM target and webhook. Read-only indexed queries, per directory (no query crosses
 * directories), run at most once every two seconds however often /metrics is scraped.
 */
function outboundGauges({ Gauge }: PromClient, registers: Registry[], storage: Storage): void {
  const pending = new Gauge<OutboundLabels>({
    name: 'roster_outbound_pending_changes',
    help: "Changes recorded after an endpoint's cursor: not yet delivered, skipped or put in a lane (the outbox depth)",
    labelNames: ['directory', 'kind', 'target'],
    registers,
  });
  const waiting = new Gauge<OutboundLabels | 'state'>({
    name: 'roster_outbound_waiting_resources',
    help: 'Resources whose changes wait for an endpoint: retrying (with backoff) or failed (parked until retried)',
    labelNames: ['directory', 'kind', 'target', 'state'],
    registers,
  });
  const failures = new Gauge<OutboundLabels>({
    name: 'roster_outbound_delivery_failures_last_hour',
    help: 'Delivery attempts that failed (to be retried, or given up) in the last hour, from the delivery log',
    labelNames: ['directory', 'kind', 'target'],
    registers,
  });
  const consecutive = new Gauge<OutboundLabels>({
    name: 'roster_outbound_consecutive_failures',
    help: 'Consecutive failed attempts of an endpoint (0 once one succeeds); while above 0 it backs off',
    labelNames: ['directory', 'kind', 'target'],
    registers,
  });
  const gauges = [pending, waiting, failures, consecutive];
  let last: Promise<void> | undefined;
  let lastAt = 0;
  const refresh = async () => {
    for (const gauge of gauges) gauge.reset();
    const { db } = storage;
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const directories = await db.selectFrom('directories').select(['id', 'slug']).execute();
    for (const directory of directories) {
      const endpoints = await db
        .selectFrom('outbound_endpoints')
        .select(['id', 'kind', 'name', 'cursor_seq', 'failures'])
        .where('directory_id', '=', directory.id)
        .execute();
      if (endpoints.length === 0) continue;
      const [counter, lanes, failed] = await Promise.all([
        db.selectFrom('directory_counters').select('change_seq').where('directory_id', '=', directory.id).executeTakeFirst(),
        db
          .selectFrom('outbound_lanes')
          .select(['endpoint_id', 'state', (eb) => eb.fn.countAll<number | string>().as('count')])
          .where('directory_id', '=', directory.id)
          .groupBy(['endpoint_id', 'state'])
          .execute(),
        db
          .selectFrom('outbound_deliveries')
          .select(['endpoint_id', (eb) => eb.fn.countAll<number | string>().as('count')])
          .where('directory_id', '=', directory.id)
          .where('time', '>=', since)
          .where('outcome', 'in', ['retrying', 'failed'])
          .groupBy('endpoint_id')
          .execute(),
      ]);
      const head = Number(counter?.change_seq ?? 0);
      for (const endpoint of endpoints) {
        const labels = { directory: directory.slug, kind: endpoint.kind, target: endpoint.name };
        pending.set(labels, Math.max(0, head - Number(endpoint.cursor_seq)));
        consecutive.set(labels, Number(endpoint.failures));
        for (const state of ['retrying', 'failed']) {
          const row = lanes.find((l) => l.endpoint_id === endpoint.id && l.state === state);
          waiting.set({ ...labels, state }, Number(row?.count ?? 0));
        }
        failures.set(labels, Number(failed.find((f) => f.endpoint_id === endpoint.id)?.count ?? 0));
      }
    }
  };
  // prom-client collects each gauge in turn: the first one refreshes all four, the others wait for it.
  const collect = async () => {
    if (!last || Date.now() - lastAt > 2000) {
      lastAt = Date.now();
      last = refresh().catch(() => {
        // A database that does not answer shows as roster_ready 0; these gauges are then left empty.
        for (const gauge of gauges) gauge.reset();
      });
    }
    await last;
  };
  for (const gauge of gauges) (gauge as unknown as { collect: () => Promise<void> }).collect = collect;
}

export interface MetricsOptions {
  metrics: HttpMetrics;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  token?: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

async function metricsPlugin(app: FastifyInstance, options: MetricsOptions): Promise<void> {
  const { metrics } = options;
  const expected = options.token ? digest(`Bearer ${options.token}`) : undefined;

  app.addHook('onRequest', async (request) => {
    if (!isInternal(request)) metrics.inFlight.inc();
  });
  app.addHook('onResponse', async (request, reply) => {
    if (isInternal(request)) return;
    metrics.inFlight.dec();
    const route = routeLabel(request);
    const client = clientLabel(request);
    const directory = (request as { scope?: { directory?: { slug?: string } } }).scope?.directory?.slug ?? '-';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode), client, directory });
    metrics.duration.observe({ route, method: request.method, client }, reply.elapsedTime / 1000);
    if (reply.statusCode === 401 && scimDirectory(request.url) !== undefined) metrics.authFailures.inc();
  });

  app.get('/metrics', { config: { operationsExempt: true } }, async (request, reply) => {
    if (expected) {
      const given = digest(String(request.headers.authorization ?? ''));
      if (!timingSafeEqual(given, expected)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="roster-metrics"').type('application/json').send({ status: 'unauthorized' });
      }
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** `/scim/v2/Users/:id` for both mounts (the directory is its own label); `unmatched` for unknown paths. */
function routeLabel(request: FastifyRequest): string {
  const template = request.routeOptions.url;
  if (!template) return 'unmatched';
  return template.replace(/^\/d\/:directory\/scim\/v2/, '/scim/v2');
}

function clientLabel(request: FastifyRequest): string {
  const url = request.url;
  const slug = scimDirectory(url);
  const agent = request.headers['user-agent'];
  const found = recognizeClient({
    userAgent: typeof agent === 'string' ? agent : undefined,
    method: request.method,
    path: slug === undefined ? url.split('?')[0] : url.split('?')[0].replace(/^\/(?:scim\/v2|d\/[^/]+\/scim\/v2)/, ''),
    query: request.query as Record<string, unknown>,
    body: request.body,
    tokenLabel: (request as { token?: { label?: string } }).token?.label,
  });
  return found?.client ?? 'other';
}

export default fp(metricsPlugin, { name: 'roster-metrics', fastify: '5.x' });
