import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// Draining for a graceful shutdown: stop accepting connections, close the idle ones, answer the requests in
// flight with `Connection: close` (so their keep-alive connections end with them), and wait until none is left.
// Only then may fastify close: once it is closing it refuses `inject`, which Bulk runs its operations through, so
// closing first would fail a Bulk request in flight. `app.close()` itself drains first (up to `timeoutMs`), so
// every caller gets this order, not only `roster serve`. Requests made with `inject` (Bulk's operations, and
// whoever serves Roster that way) count as in flight too. /readyz answers 503 from the first moment.

declare module 'fastify' {
  interface FastifyInstance {
    /** Drains as above; true when every request finished within `timeoutMs`. */
    drain(timeoutMs: number): Promise<boolean>;
    /** Whether draining (or closing) has begun. */
    isDraining(): boolean;
  }
}

export interface GracefulCloseOptions {
  /** How long `app.close()` waits for requests in flight before closing anyway. */
  timeoutMs?: number;
}

async function gracefulClose(app: FastifyInstance, options: GracefulCloseOptions): Promise<void> {
  let draining = false;
  let inFlight = 0;
  const waiting = new Set<() => void>();

  app.decorate('isDraining', () => draining);
  app.decorate('drain', async function drain(this: FastifyInstance, timeoutMs: number): Promise<boolean> {
    draining = true;
    if (this.server.listening) this.server.close();
    this.server.closeIdleConnections?.();
    if (inFlight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const idle = () => {
        clearTimeout(timer);
        waiting.delete(idle);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiting.delete(idle);
        resolve(false);
      }, timeoutMs);
      waiting.add(idle);
    });
  });

  // fastify's own close, run once the requests in flight are answered.
  const close = app.close.bind(app) as () => Promise<unknown>;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let closing: Promise<void> | undefined;
  const drainThenClose = (callback?: (error?: Error) => void) => {
    closing ??= (async () => {
      if (!(await app.drain(timeoutMs))) app.log.warn({ inFlight }, 'closing with requests still in flight after the shutdown timeout');
      await close();
    })();
    if (typeof callback !== 'function') return closing;
    closing.then(() => callback(), callback);
    return app;
  };
  (app as unknown as { close: typeof drainThenClose }).close = drainThenClose;

  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    inFlight++;
    reply.raw.once('close', () => {
      inFlight--;
      if (draining && inFlight === 0) for (const idle of [...waiting]) idle();
    });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    return payload;
  });
}

export default fp(gracefulClose, { name: 'roster-graceful-close', fastify: '5.x' });
