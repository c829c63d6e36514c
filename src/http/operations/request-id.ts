import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// Every response carries the request's id (fastify's `request.id`, see server-options.ts for how it is chosen)
// as X-Request-Id, so a person reporting a problem can quote it and it leads to the log lines of that request.
export const REQUEST_ID_HEADER = 'x-request-id';

async function requestIds(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}

export default fp(requestIds, { name: 'roster-request-ids', fastify: '5.x' });
