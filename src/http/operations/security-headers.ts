import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// Security headers on every response: the set helmet gives, written once as constants. (@fastify/helmet built
// its middleware chain on every request, 6% of the CPU of a health check.) The SCIM API serves JSON only, so its
// Content-Security-Policy allows nothing at all; the console sets its own policy for its pages. Responses hold
// personal data: no cache may keep them (`Cache-Control: no-store`, unless a route sets its own, which wins
// because it is set later).
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  // Browsers ignore HSTS over plain HTTP; behind a TLS proxy or with --tls-cert it pins HTTPS for a year.
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'cache-control': 'no-store',
});

async function securityHeaders(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    done();
  });
}

export default fp(securityHeaders, { name: 'roster-security-headers', fastify: '5.x' });
