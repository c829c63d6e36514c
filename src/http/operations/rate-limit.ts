import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitSettings } from '../../operations/settings.js';
import type { BucketCharge, RateStore } from '../../operations/token-bucket.js';
import { ScimError } from '../../protocol/errors.js';
import { sendError } from '../scim-reply.js';
import type { HttpMetrics } from './metrics.js';
import { isExempt, isInternal, presentedTokenKey } from './request-keys.js';

// Rate limits, token buckets per
// - client address: every request, before anything else is done for it;
// - bearer token (by its hash): every SCIM request that presents one, before it is even checked;
// - directory: only once the token was accepted, so nobody without a token can use up a tenant's share;
// a Bulk request costs one per operation. Beyond a limit: 429, a SCIM Error body and an integer Retry-After
// (what Okta and Entra honour). Health and metrics are exempt; Bulk's internal sub-requests were paid for.

export interface RateLimitOptions {
  settings: RateLimitSettings;
  store: RateStore;
  metrics?: HttpMetrics;
  bulkMaxOperations: number;
}

const WHAT: Record<string, string> = {
  token: 'for this token',
  address: 'from this address',
  directory: 'for this directory',
  'auth-failures': 'failing authentication from this address',
};

export function tooManyRequests(reply: FastifyReply, limit: string, retryAfterSeconds: number, metrics?: HttpMetrics): FastifyReply {
  metrics?.limited.inc({ limit });
  reply.header('retry-after', String(retryAfterSeconds));
  return sendError(reply, new ScimError(429, undefined, `Too many requests ${WHAT[limit] ?? ''}; retry after ${retryAfterSeconds} seconds`));
}

async function rateLimits(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { settings, store, metrics } = options;

  // Each hook only where one of its limits is set: with limits off, requests pay nothing for them.
  if (settings.address || settings.token) {
    app.addHook('onRequest', async (request, reply) => {
      if (isInternal(request) || isExempt(request)) return;
      const charges: BucketCharge[] = [];
      if (settings.address) charges.push({ bucket: 'address', key: request.ip, rate: settings.address });
      const token = presentedTokenKey(request);
      if (settings.token && token) charges.push({ bucket: 'token', key: token, rate: settings.token });
      const result = store.charge(charges);
      if (!result.allowed) return tooManyRequests(reply, result.bucket, result.retryAfterSeconds, metrics);
    });
  }

  if (settings.directory || settings.token) {
    app.addHook('preHandler', async (request, reply) => {
      if (isInternal(request) || isExempt(request)) return;
      const slug = (request as { scope?: { directory?: { slug?: string } } }).scope?.directory?.slug;
      const extra = bulkOperations(request, options.bulkMaxOperations) - 1;
      const charges: BucketCharge[] = [];
      if (settings.directory && slug !== undefined) charges.push({ bucket: 'directory', key: slug, rate: settings.directory });
      const token = presentedTokenKey(request);
      if (extra > 0 && settings.token && token) charges.push({ bucket: 'token', key: token, rate: settings.token });
      if (charges.length === 0) return;
      const result = store.charge(charges, extra > 0 ? extra + 1 : 1);
      if (!result.allowed) return tooManyRequests(reply, result.bucket, result.retryAfterSeconds, metrics);
    });
  }
}

/** The number of operations a Bulk request carries (1 for anything else); the limit check comes later. */
function bulkOperations(request: FastifyRequest, max: number): number {
  if (request.method !== 'POST' || !request.routeOptions.url?.endsWith('/Bulk')) return 1;
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 1;
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const operations = key === undefined ? undefined : (body as Record<string, unknown>)[key];
  return Array.isArray(operations) ? Math.max(1, Math.min(operations.length, max)) : 1;
}

export default fp(rateLimits, { name: 'roster-rate-limits', fastify: '5.x' });
