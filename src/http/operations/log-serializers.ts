import type { FastifyRequest } from 'fastify';

import { redactUrl } from '../redact-url.js';

/** fastify's own request serializer, with credential-like query parameters redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket ? request.socket.remotePort : undefined,
  };
}
