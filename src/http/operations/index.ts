import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Roster } from '../../directory/roster.js';
import { setValueLimits } from '../../protocol/attribute-limits.js';
import { ReadinessProbe } from '../../operations/readiness.js';
import { defaultOperations, type OperationsSettings, type RateLimitSettings } from '../../operations/settings.js';
import { MemoryRateStore, type RateStore } from '../../operations/token-bucket.js';
import type { HttpLimits } from '../limits.js';
import authThrottle from './auth-throttle.js';
import gracefulClose from './graceful-close.js';
import handlerTimeout from './handler-timeout.js';
import health from './health.js';
import inputLimits from './input-limits.js';
import metricsPlugin, { createMetrics } from './metrics.js';
import rateLimits from './rate-limit.js';
import requestIds from './request-id.js';
import securityHeaders from './security-headers.js';

export { operationsServerOptions } from './server-options.js';

// What running Roster in production needs around the SCIM routes, one plugin per concern: request ids, draining
// on close, security headers, a handler timeout, /healthz and /readyz, /metrics, failed-authentication
// throttling, rate limits and input limits. Settings and their defaults: src/operations/settings.ts.

/** What buildServer accepts: any part of the settings; the rest keeps its default. */
export type OperationsOptions = Partial<Omit<OperationsSettings, 'limits' | 'rateLimits'>> & {
  rateLimits?: Partial<RateLimitSettings> | false;
  /** A shared rate-limit store (several instances); in-process by default. */
  rateStore?: RateStore;
};

export function resolveOperations(options: OperationsOptions = {}): OperationsSettings & { rateStore?: RateStore } {
  const rateLimits: RateLimitSettings =
    options.rateLimits === false
      ? { token: null, address: null, directory: null, authFailures: null }
      : { ...defaultOperations.rateLimits, ...options.rateLimits };
  return { ...defaultOperations, ...options, rateLimits, metrics: { ...defaultOperations.metrics, ...options.metrics } };
}

export interface OperationsPluginOptions {
  roster: Roster;
  settings: OperationsSettings & { rateStore?: RateStore };
  limits: HttpLimits;
}

async function operations(app: FastifyInstance, options: OperationsPluginOptions): Promise<void> {
  const { settings, roster } = options;
  const probe = new ReadinessProbe(roster.storage);
  const metrics = settings.metrics.enabled ? await createMetrics(probe, roster.storage) : undefined;
  const store = settings.rateStore ?? new MemoryRateStore();
  // The value limits live in the protocol core, which every way in shares (one setting per process).
  setValueLimits({ maxIndexedValueBytes: options.limits.maxIndexedValueBytes, maxValuesPerAttribute: options.limits.maxValuesPerAttribute });

  await app.register(requestIds);
  await app.register(gracefulClose, { timeoutMs: settings.shutdownTimeoutMs });
  await app.register(securityHeaders);
  await app.register(handlerTimeout, { timeoutMs: settings.handlerTimeoutMs });
  await app.register(health, { storage: roster.storage, probe });
  if (metrics) await app.register(metricsPlugin, { metrics, token: settings.metrics.token });
  if (settings.rateLimits.authFailures) await app.register(authThrottle, { rate: settings.rateLimits.authFailures, store, metrics });
  await app.register(rateLimits, { settings: settings.rateLimits, store, metrics, bulkMaxOperations: options.limits.bulkMaxOperations });
  await app.register(inputLimits, { limits: options.limits });
}

export default fp(operations, { name: 'roster-operations', fastify: '5.x' });
