import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../protocol/errors.js';
import { isUnavailable } from '../storage/errors.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** The body object behind each SCIM answer, so the provisioning log reads it without parsing the text again. */
export const sentBodies = new WeakMap<FastifyRequest, unknown>();

/** Sends a SCIM body; every SCIM response, errors included, is application/scim+json. */
export function sendScim(reply: FastifyReply, status: number, body?: unknown): FastifyReply {
  reply.code(status).type(SCIM_CONTENT_TYPE);
  if (body === undefined) return reply.send();
  sentBodies.set(reply.request, body);
  return reply.send(JSON.stringify(body));
}

export function sendError(reply: FastifyReply, error: ScimError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Bearer realm="roster"');
  if (error.status === 503) reply.header('retry-after', '5');
  return sendScim(reply, error.status, error.toBody());
}

/** Maps fastify's own errors (parsers, limits) to SCIM errors; anything unexpected becomes a bare 500. */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ScimError(415, undefined, 'Send the body as application/scim+json or application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ScimError(413, undefined, 'The request body is larger than this server accepts');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ScimError(400, 'invalidSyntax', 'The request body is empty; a JSON object was expected');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ScimError(400, 'invalidSyntax', `The request body is not valid JSON`);
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new ScimError(400, undefined, 'The request URL is malformed');
  }
  if (isUnavailable(error)) return new ScimError(503, undefined, 'The database is unavailable right now; retry shortly');
  if (error instanceof SyntaxError) return new ScimError(400, 'invalidSyntax', 'The request body is not valid JSON');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ScimError(e.statusCode, e.statusCode === 400 ? 'invalidSyntax' : undefined, e.message ?? 'Bad request');
  }
  return undefined;
}
