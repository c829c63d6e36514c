import type { FastifyRequest } from 'fastify';

// What the log records of each request. fastify logs the URL as sent; a client that puts a credential in the
// query string (`?access_token=...`, which Roster never accepts) would have it written to the log. Query
// parameters whose names suggest a secret keep their name and lose their value.

const SECRET_PARAMETER = /token|passw|secret|key|auth|sig|session|code|cred/i;

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed name is logged as sent, and judged as sent.
      }
      return eq >= 0 && SECRET_PARAMETER.test(decoded) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

/** fastify's own request serializer, with the URL redacted as above. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket ? request.socket.remotePort : undefined,
  };
}
