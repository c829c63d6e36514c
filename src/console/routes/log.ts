import type { FastifyInstance } from 'fastify';
import { LogQueryError, parseSince, parseStatusFilter } from '../../directory/log-query.js';
import type { LogQuery } from '../../directory/provisioning-log.js';
import { ScimError } from '../../protocol/errors.js';
import { directoryOf, pageContext, param, provisioningLogOf, sendHtml } from '../context.js';
import type { ConsoleDeps } from '../context.js';
import { page } from '../layout.js';
import { logEntryPage, logPage, SINCE_CHOICES, type LogFilters } from '../pages/log.js';

// The provisioning log: filters, cursor paging (newest first), and one call's detail.

const PAGE_SIZE = 50;

/** A log id starts with its time in base-36 milliseconds (directory/provisioning-log.ts), which finds its row. */
function timeOfId(id: string): Date | undefined {
  if (!/^[0-9a-z]{13,40}$/.test(id)) return undefined;
  const ms = parseInt(id.slice(0, 9), 36);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export async function logRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  app.get('/log', async (request, reply) => {
    const directory = directoryOf(request);
    const log = provisioningLogOf(request);
    const filters: LogFilters = {
      user: param(request, 'user'),
      operation: param(request, 'operation'),
      status: param(request, 'status'),
      client: param(request, 'client'),
      since: param(request, 'since'),
    };
    if (filters.since && !SINCE_CHOICES.some((c) => c.value === filters.since)) filters.since = undefined;
    const before = param(request, 'before');
    const queryOptions: LogQuery = { limit: PAGE_SIZE, before };
    let error: string | undefined;
    try {
      if (filters.user) queryOptions.user = filters.user;
      if (filters.operation) queryOptions.operation = filters.operation;
      if (filters.client) queryOptions.client = filters.client;
      if (filters.status) queryOptions.status = parseStatusFilter(filters.status);
      if (filters.since) queryOptions.since = parseSince(filters.since);
    } catch (e) {
      if (!(e instanceof LogQueryError)) throw e;
      error = e.message;
    }
    let result: Awaited<ReturnType<NonNullable<typeof log>['query']>> = { entries: [] };
    if (!error && log) {
      try {
        result = await log.query(directory.id, queryOptions);
      } catch (e) {
        if (!(e instanceof LogQueryError)) throw e;
        error = e.message;
      }
    }
    const body = logPage({ directory, entries: result.entries, filters, next: result.next, paged: !!before, error });
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: `${directory.name}: provisioning log`, section: 'log', body }));
  });

  app.get<{ Params: { id: string } }>('/log/:id', async (request, reply) => {
    const directory = directoryOf(request);
    const time = timeOfId(request.params.id);
    const log = provisioningLogOf(request);
    const found = time && log
      ? (await log.query(directory.id, { since: time, until: new Date(time.getTime() + 1), limit: 1000 })).entries.find((e) => e.id === request.params.id)
      : undefined;
    if (!found) throw new ScimError(404, undefined, 'No such call in this directory’s provisioning log (it may be past its retention).');
    const body = logEntryPage(directory, found);
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: 'Provisioning call', section: 'log', body }));
  });
}
