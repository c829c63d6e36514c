import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// Security headers on every response. The SCIM API serves JSON only, so its Content-Security-Policy allows
// nothing at all; the console will register its own policy for its routes (route option `helmet`, see
// @fastify/helmet). Responses hold personal data: no cache may keep them (`Cache-Control: no-store`, unless a
// route set its own).
export const API_CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
};

async function securityHeaders(app: FastifyInstance): Promise<void> {
  // Loaded here, when a server starts, rather than by every CLI command.
  const { default: helmet } = await import('@fastify/helmet');
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: API_CONTENT_SECURITY_POLICY,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    // Browsers ignore HSTS over plain HTTP; behind a TLS proxy or with --tls-cert it pins HTTPS for a year.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

export default fp(securityHeaders, { name: 'roster-security-headers', fastify: '5.x' });
