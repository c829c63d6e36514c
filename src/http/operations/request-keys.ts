import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

// What the operations plugins key their limits on, read from the request line and headers only (no database):
// the directory in the URL, a hash of the presented bearer token, and whether the request is one of Bulk's
// internal sub-requests (fastify's inject; a property of the request object, which no client can forge).

/** `/scim/v2/...` (the default directory) and `/d/{slug}/scim/v2/...`. */
const MOUNT = /^\/(?:scim\/v2|d\/([^/?#]+)\/scim\/v2)(?=[/?#]|$)/;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The directory slug of a SCIM URL, or undefined for anything else (health, metrics, unknown paths). */
export function scimDirectory(url: string): string | undefined {
  const match = MOUNT.exec(url);
  if (!match) return undefined;
  if (match[1] === undefined) return 'default';
  // Slugs are short; a hostile one is cut so it cannot bloat the limiter's keys.
  return match[1].slice(0, 64);
}

const tokenKeys = new WeakMap<FastifyRequest, string | null>();

/** A SHA-256 of the bearer token presented (never the token itself), or undefined without one. */
export function presentedTokenKey(request: FastifyRequest): string | undefined {
  let key = tokenKeys.get(request);
  if (key === undefined) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' && header.length <= 4096 ? BEARER.exec(header) : null;
    key = match ? hash('sha256', match[1], 'base64url') : null;
    tokenKeys.set(request, key);
  }
  return key ?? undefined;
}

/** True for the requests Bulk dispatches through `app.inject`: the Bulk request itself was already counted. */
export function isInternal(request: FastifyRequest): boolean {
  return (request.raw as { isLightMyRequest?: boolean }).isLightMyRequest === true;
}

/** Whether a route opted out of the operations limits (health and metrics). */
export function isExempt(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { operationsExempt?: boolean } | undefined)?.operationsExempt === true;
}
