import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Roster } from '../directory/roster.js';
import { Outbound } from './index.js';
import { readOutboundSettings } from './settings.js';

/**
 * Runs the delivery worker with the server: it starts once the server is ready and stops (finishing the
 * deliveries in flight, giving its leases back) before the server closes the database. Call before listen().
 * ROSTER_OUTBOUND=off leaves this instance out of delivery (other instances deliver).
 */
export function runOutboundWithServer(app: FastifyInstance, roster: Roster, config: Pick<Config, 'databaseUrl'>): Outbound | undefined {
  const settings = readOutboundSettings(process.env);
  const outbound = new Outbound(roster, { settings, databaseUrl: config.databaseUrl, logger: app.log });
  // The admin console manages targets and webhooks with this one (same secret key source), on every instance.
  app.decorate('outbound', outbound);
  if (!settings.enabled) return undefined;
  const worker = outbound.worker();
  app.addHook('onReady', async () => {
    worker.start();
  });
  app.addHook('preClose', async () => {
    await worker.stop();
  });
  return outbound;
}
