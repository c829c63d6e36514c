import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ScimError } from '../../protocol/errors.js';
import { sendError } from '../scim-reply.js';
import { isInternal } from './request-keys.js';

// A request that is not answered within handlerTimeoutMs gets a 503 SCIM Error, so clients (which retry 5xx)
// are not left waiting on a stuck database. The work itself cannot be cancelled and may still complete, which the
// message says: a client should read before it retries a write. Receiving the request is bounded separately
// (server-options.ts: requestTimeout, 408).

export interface HandlerTimeoutOptions {
  timeoutMs: number;
}

async function handlerTimeout(app: FastifyInstance, options: HandlerTimeoutOptions): Promise<void> {
  const timers = new WeakMap<object, NodeJS.Timeout>();
  app.addHook('onRequest', async (request, reply) => {
    if (isInternal(request)) return;
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      request.log.warn({ timeoutMs: options.timeoutMs }, 'request timed out');
      sendError(reply, new ScimError(503, undefined, `Roster did not finish this request within ${options.timeoutMs} ms; it may still take effect, so read before retrying a write`));
    }, options.timeoutMs);
    timer.unref();
    timers.set(request, timer);
  });
  const clear = async (request: object) => clearTimeout(timers.get(request));
  app.addHook('onResponse', clear);
  app.addHook('onRequestAbort', clear);
}

export default fp(handlerTimeout, { name: 'roster-handler-timeout', fastify: '5.x' });
