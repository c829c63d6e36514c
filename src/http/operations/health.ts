import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ReadinessProbe } from '../../operations/readiness.js';
import type { Storage } from '../../storage/database.js';

// /healthz: the process is alive and serving (no database access, so a slow database never gets a healthy
// process restarted). /readyz: the database answers `select 1` and every migration this version needs is applied
// (src/operations/readiness.ts); 503 otherwise and while shutting down, so a load balancer stops sending traffic.
// Plain JSON, outside the SCIM error format; no token needed, and neither says more than ok / not ok and why in a
// few words.

export interface HealthOptions {
  storage: Storage;
  probe?: ReadinessProbe;
}

async function health(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const probe = options.probe ?? new ReadinessProbe(options.storage);

  const config = { operationsExempt: true };
  app.get('/healthz', { config }, async (_request, reply) => reply.type('application/json').send({ status: 'ok' }));
  app.get('/readyz', { config }, async (request, reply) => {
    reply.type('application/json');
    if (app.isDraining()) return reply.code(503).send({ status: 'shutting down' });
    const report = await probe.check();
    if (!report.ready) request.log.warn({ readiness: report.checks }, 'not ready');
    const database = { ok: report.checks.database.ok, ms: report.checks.database.ms };
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? 'ready' : 'not ready',
      checks: { database, migrations: report.checks.migrations },
    });
  });
}

export default fp(health, { name: 'roster-health', fastify: '5.x', dependencies: ['roster-graceful-close'] });
