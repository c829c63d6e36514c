import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ReadinessProbe } from '../../operations/readiness.js';
import { recognizeClient } from '../../protocol/clients.js';
import { isInternal, scimDirectory } from './request-keys.js';

// Prometheus metrics at /metrics: requests by route, method, status, client (the IdP, recognised from the
// User-Agent and the request's shape) and directory; latency histograms; requests refused by the limits; the
// database's readiness at scrape time; and Node's process metrics. One registry per server, so tests can run
// several servers in one process. Labels take bounded values only: route templates, not URLs; a directory only
// once its token was accepted. prom-client is loaded when a server starts (createMetrics), not by every CLI command.

type PromClient = typeof import('prom-client');

export async function createMetrics(probe?: ReadinessProbe): Promise<HttpMetrics> {
  return new HttpMetrics(await import('prom-client'), probe);
}

export class HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'status' | 'client' | 'directory'>;
  readonly duration: Histogram<'route' | 'method' | 'client'>;
  readonly inFlight: Gauge;
  readonly limited: Counter<'limit'>;
  readonly authFailures: Counter;

  constructor(prom: PromClient, probe?: ReadinessProbe) {
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
  }
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
