import Fastify, { type FastifyInstance } from 'fastify';
import type { Roster } from '../directory/roster.js';
import { ScimError } from '../protocol/errors.js';
import { defaultLimits, type HttpLimits } from './limits.js';
import operations, { operationsServerOptions, resolveOperations, type OperationsOptions } from './operations/index.js';
import { serializeRequest } from './operations/log-serializers.js';
import { installProvisioningLog } from './provisioning-log.js';
import { sendError, toScimError } from './scim-reply.js';
import { scimRoutes } from './scim-routes.js';
import { outboundApi } from './outbound-routes.js';
import adminConsole from '../console/plugin.js';

export interface ServerOptions {
  roster: Roster;
  limits?: Partial<HttpLimits>;
  publicUrl?: string;
  /** pino options, or false for none (tests). */
  logger?: boolean | Record<string, unknown>;
  /** true, or the proxies' addresses/CIDRs (fastify trustProxy). */
  trustProxy?: boolean | string[];
  /** Health, metrics, request ids, security headers, rate and input limits, timeouts, TLS (src/http/operations). */
  operations?: OperationsOptions;
}

/** The HTTP shell: content types, errors and the SCIM mounts. Everything it serves comes from the directory service. */
export function buildServer(options: ServerOptions): FastifyInstance {
  const limits = { ...defaultLimits, ...options.limits };
  const ops = resolveOperations(options.operations);
  const app = Fastify({
    ...operationsServerOptions(ops),
    bodyLimit: limits.bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: options.trustProxy ?? false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Router-level failures (bad percent-encoding, over-long ids) get SCIM Error bodies too.
    frameworkErrors: (error, _request, reply) => {
      const code = (error as { code?: string }).code;
      if (code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, new ScimError(404, undefined, 'No resource has an id that long'));
      return sendError(reply, toScimError(error) ?? new ScimError(400, undefined, 'The request is malformed'));
    },
    ajv: { customOptions: { coerceTypes: false } },
    logger:
      options.logger === false || options.logger === undefined
        ? false
        : {
            ...(typeof options.logger === 'object' ? options.logger : {}),
            redact: ['req.headers.authorization', 'req.headers.cookie', '*.password'],
            serializers: { req: serializeRequest }, // query-string credentials redacted (operations/log-serializers.ts)
          },
  });

  app.register(operations, { roster: options.roster, settings: ops, limits }); // first: its headers go on every answer

  // SCIM bodies are JSON under either media type; anything else (text/plain included) is a 415.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/scim+json'], { parseAs: 'string' }, jsonWithoutNul(app));
  // NUL characters cannot be stored in PostgreSQL text and have no place in identities: refuse them everywhere.
  app.addHook('onRequest', async (request) => {
    if (/%00/i.test(request.url)) throw new ScimError(400, 'invalidValue', 'NUL characters (%00) are not accepted');
  });

  app.setErrorHandler((error, request, reply) => {
    const scim = toScimError(error);
    if (scim) return sendError(reply, scim);
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, new ScimError(500, undefined, 'Roster could not complete this request; the error is in its log'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ScimError(404, undefined, `No endpoint ${request.method} ${request.url.split('?')[0]}`)),
  );

  installProvisioningLog(app, options.roster); // every SCIM request, recorded after it is answered
  const routes = { roster: options.roster, limits, publicUrl: options.publicUrl };
  app.register(scimRoutes, { ...routes, prefix: '/scim/v2', directorySlug: 'default' });
  app.register(scimRoutes, { ...routes, prefix: '/d/:directory/scim/v2' });
  app.register(adminConsole, { roster: options.roster, publicUrl: options.publicUrl, prefix: '/admin' }); // src/console
  app.register(outboundApi, { roster: options.roster }); // /api/v1 and /d/:directory/api/v1: change feed, password check
  return app;
}

/** fastify's JSON parser (which rejects `__proto__` and `constructor.prototype`), then a NUL check. */
function jsonWithoutNul(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  return (request: Parameters<typeof parse>[0], body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    parse(request, body as string, (error, value) => {
      if (error) return done(error);
      // Cheap test first: only a body with a \u0000 escape can hold a NUL after parsing.
      if (/\\u0000/i.test(String(body)) && containsNul(value)) {
        return done(new ScimError(400, 'invalidValue', 'NUL characters (\\u0000) are not accepted in any value'));
      }
      done(null, value);
    });
  };
}

function containsNul(value: unknown): boolean {
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\0')) return true;
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\0')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
