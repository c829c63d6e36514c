import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Rate, RateStore } from '../../operations/token-bucket.js';
import type { HttpMetrics } from './metrics.js';
import { tooManyRequests } from './rate-limit.js';
import { isInternal, presentedTokenKey, scimDirectory } from './request-keys.js';

// Failed authentication is throttled per client address: every 401 on a SCIM URL spends from the address's
// bucket, and an empty bucket answers 429 before the token is even looked at. A token that worked recently (from
// anywhere) keeps working, so someone guessing tokens behind the same NAT or proxy does not lock out the IdP; its
// next 401 (revoked) takes it off that list. Tokens are 256-bit random and compared by hash, so this is about
// load and noise, not about guessing odds.

export interface AuthThrottleOptions {
  rate: Rate;
  store: RateStore;
  metrics?: HttpMetrics;
}

const KNOWN_GOOD_MAX = 10_000;

async function authThrottle(app: FastifyInstance, options: AuthThrottleOptions): Promise<void> {
  const { rate, store, metrics } = options;
  const knownGood = new Map<string, true>();

  app.addHook('onRequest', async (request, reply) => {
    if (isInternal(request) || scimDirectory(request.url) === undefined) return;
    const token = presentedTokenKey(request);
    if (token && knownGood.has(token)) return;
    const result = store.peek({ bucket: 'auth-failures', key: request.ip, rate });
    if (!result.allowed) return tooManyRequests(reply, 'auth-failures', result.retryAfterSeconds, metrics);
  });

  app.addHook('onResponse', async (request, reply) => {
    if (isInternal(request) || scimDirectory(request.url) === undefined) return;
    const token = presentedTokenKey(request);
    if (reply.statusCode === 401) {
      store.spend({ bucket: 'auth-failures', key: request.ip, rate });
      if (token) knownGood.delete(token);
    } else if (token && (request as { token?: unknown }).token !== undefined) {
      knownGood.delete(token);
      knownGood.set(token, true);
      if (knownGood.size > KNOWN_GOOD_MAX) knownGood.delete(knownGood.keys().next().value!);
    }
  });
}

export default fp(authThrottle, { name: 'roster-auth-throttle', fastify: '5.x' });
