import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isInternal } from './request-keys.js';

// Draining for a graceful shutdown, before `app.close()`: stop accepting connections, close the idle ones, answer
// the requests in flight with `Connection: close` (so their keep-alive connections end with them), and wait until
// none is left. Only then may fastify close: once it is closing it refuses `inject`, which Bulk runs its operations
// through, so closing first would fail a Bulk request in flight. /readyz answers 503 from the first moment.

declare module 'fastify' {
  interface FastifyInstance {
    /** Drains as above; true when every request finished within `timeoutMs`. */
    drain(timeoutMs: number): Promise<boolean>;
    /** Whether draining (or closing) has begun. */
    isDraining(): boolean;
  }
}

async function gracefulClose(app: FastifyInstance): Promise<void> {
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  app.decorate('isDraining', () => draining);
  app.decorate('drain', async function drain(this: FastifyInstance, timeoutMs: number): Promise<boolean> {
    draining = true;
    if (this.server.listening) this.server.close();
    this.server.closeIdleConnections?.();
    if (inFlight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  });

  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (isInternal(request)) return;
    inFlight++;
    reply.raw.once('close', () => {
      inFlight--;
      if (draining && inFlight === 0) idle?.();
    });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    return payload;
  });
}

export default fp(gracefulClose, { name: 'roster-graceful-close', fastify: '5.x' });
