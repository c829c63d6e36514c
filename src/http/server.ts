import Fastify, { type FastifyInstance } from 'fastify';
import type { Roster } from '../directory/roster.js';
import { ScimError } from '../protocol/errors.js';
import { defaultLimits, type HttpLimits } from './limits.js';
import { sendError, toScimError } from './scim-reply.js';
import { scimRoutes } from './scim-routes.js';

export interface ServerOptions {
  roster: Roster;
  limits?: Partial<HttpLimits>;
  publicUrl?: string;
  /** pino options, or false for none (tests). */
  logger?: boolean | Record<string, unknown>;
  trustProxy?: boolean;
}

/** The HTTP shell: content types, errors and the SCIM mounts. Everything it serves comes from the directory service. */
export function buildServer(options: ServerOptions): FastifyInstance {
  const limits = { ...defaultLimits, ...options.limits };
  const app = Fastify({
    bodyLimit: limits.bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: options.trustProxy ?? false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    ajv: { customOptions: { coerceTypes: false } },
    logger:
      options.logger === false || options.logger === undefined
        ? false
        : {
            ...(typeof options.logger === 'object' ? options.logger : {}),
            redact: ['req.headers.authorization', 'req.headers.cookie', '*.password'],
          },
  });

  // SCIM bodies are JSON under either media type; anything else (text/plain included) is a 415.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.setErrorHandler((error, request, reply) => {
    const scim = toScimError(error);
    if (scim) return sendError(reply, scim);
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, new ScimError(500, undefined, 'Roster could not complete this request; the error is in its log'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ScimError(404, undefined, `No endpoint ${request.method} ${request.url.split('?')[0]}`)),
  );

  const routes = { roster: options.roster, limits, publicUrl: options.publicUrl };
  app.register(scimRoutes, { ...routes, prefix: '/scim/v2', directorySlug: 'default' });
  app.register(scimRoutes, { ...routes, prefix: '/d/:directory/scim/v2' });
  return app;
}
