import type { FastifyInstance } from 'fastify';
import { ScimError } from '../../protocol/errors.js';
import type { ConsoleDeps } from '../context.js';
import { inboundRoutes } from './inbound.js';
import { logRoutes } from './log.js';
import { outboundRoutes } from './outbound.js';
import { overviewRoutes } from './overview.js';
import { peopleRoutes } from './people.js';
import { rolesRoutes } from './roles.js';

// Pages of one directory, under /admin/d/:slug. The directory is read from the database on every request, so a
// policy changed on another instance shows (and applies) at once.

export async function directoryRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  app.addHook('preHandler', async (request) => {
    const slug = (request.params as { slug?: string }).slug ?? '';
    const directory = /^[a-z0-9][a-z0-9-]{0,62}$/.test(slug) ? await deps.roster.tenants.findDirectory(slug) : undefined;
    if (!directory) throw new ScimError(404, undefined, `There is no directory "${slug.slice(0, 80)}".`);
    request.adminDirectory = directory;
  });
  await overviewRoutes(app, deps);
  await inboundRoutes(app, deps);
  await outboundRoutes(app, deps);
  await peopleRoutes(app, deps);
  await rolesRoutes(app, deps);
  await logRoutes(app, deps);
}
