import type { FastifyInstance } from 'fastify';
import { hourSeries } from '../chart.js';
import { baseUrlOf, directoryOf, pageContext, provisioningLogOf, scopeOf, sendHtml, type ConsoleDeps } from '../context.js';
import { page } from '../layout.js';
import { overviewPage } from '../pages/overview.js';
import { ConsoleReadModel } from '../read-model.js';
import { ConsoleQueries } from '../../directory/console-queries.js';

const DAYS = 7;

export async function overviewRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const readModel = new ConsoleReadModel(deps.roster.storage);
  const queries = new ConsoleQueries(deps.roster.storage);

  app.get('/', async (request, reply) => {
    const directory = directoryOf(request);
    const scope = scopeOf(request, deps);
    const counting = (filter?: string) =>
      deps.roster.users.list(scope, { filter, startIndex: 1, count: 0, sortOrder: 'ascending' }, false).then((r) => r.total);
    const log = provisioningLogOf(request);
    const now = new Date();
    const start = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - (DAYS * 24 - 1) * 3_600_000);
    const outbound = deps.outbound(request);
    // Everyone comes from the block counts; only the blocked are counted row by row (active is the rest).
    const [people, blocked, roles, tokens, last, failures, buckets, deleted, targets, webhooks] = await Promise.all([
      counting(),
      counting('active eq false'),
      deps.roster.groups.list(scope, { startIndex: 1, count: 0, sortOrder: 'ascending' }, false).then((r) => r.total),
      deps.roster.tenants.listTokens(directory),
      log?.query(directory.id, { limit: 1 }),
      log?.query(directory.id, { limit: 5, status: { min: 400, max: 599 } }),
      readModel.callsPerHour(directory.id, start),
      queries.deleted(directory.id, { limit: 0 }).then((r) => r.total),
      outbound.targets.list(directory),
      outbound.webhooks.list(directory),
    ]);
    const active = people - blocked;
    const series = hourSeries(buckets, start, DAYS * 24);
    const dayAgo = new Date(now.getTime() - 24 * 3_600_000).toISOString().slice(0, 13);
    const recent = series.filter((b) => b.hour >= dayAgo);
    const body = overviewPage({
      directory,
      baseUrl: baseUrlOf(request, deps, directory),
      people,
      active,
      blocked,
      deleted,
      roles,
      activeTokens: tokens.filter((t) => !t.revoked_at).length,
      lastCall: last?.entries[0],
      calls24h: {
        total: recent.reduce((n, b) => n + b.ok + b.clientErrors + b.serverErrors, 0),
        failed: recent.reduce((n, b) => n + b.clientErrors + b.serverErrors, 0),
      },
      series,
      recentFailures: failures?.entries ?? [],
      days: DAYS,
      targets,
      webhooks,
    });
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: `${directory.name}: overview`, section: 'overview', body }));
  });
}
