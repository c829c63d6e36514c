import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Roster } from '../directory/roster.js';
import { TenantError } from '../directory/tenants.js';
import { ScimError } from '../protocol/errors.js';
import { Outbound, OutboundError, readOutboundSettings, SecretKeyError } from '../outbound/index.js';
import { consoleAssets } from './assets.js';
import { Admins } from './auth/admins.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { csrfMatches, Sessions } from './auth/sessions.js';
import { field, redirect, sendHtml, SESSION_COOKIE, type ConsoleDeps } from './context.js';
import { errorPage } from './pages/auth.js';
import { authRoutes } from './routes/auth.js';
import { directoryRoutes } from './routes/directory.js';
import { directoriesRoutes } from './routes/directories.js';

// The admin console, mounted at /admin by buildServer: server-rendered pages over the directory service, with
// sessions in the database, a CSRF token on every form, throttled sign-in and a strict Content-Security-Policy
// (scripts and styles from this origin only, nothing inline). Everything it changes goes through the same service
// calls as SCIM, with the administrator as the actor.

export interface ConsoleOptions {
  roster: Roster;
  publicUrl?: string;
  /**
   * The outbound service for the target and webhook pages. By default the one `roster serve` decorates the server
   * with (runOutboundWithServer), so its secrets are opened with the same key; else one made here on first use.
   */
  outbound?: Outbound;
  /** Failed sign-ins allowed per email and per address in 15 minutes (tests lower them). */
  loginLimits?: { perEmail: number; perAddress: number; windowMinutes: number };
}

export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const FORM_BODY_LIMIT = 256 * 1024;

export default async function adminConsole(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const storage = options.roster.storage;
  let own: Outbound | undefined;
  const deps: ConsoleDeps = {
    roster: options.roster,
    admins: new Admins(storage),
    sessions: new Sessions(storage),
    throttle: new LoginThrottle(storage, options.loginLimits),
    publicUrl: options.publicUrl,
    // Managing targets needs no delivery worker: any instance can, the worker of whichever instance holds a target
    // picks up what was saved, retried or requested here.
    outbound: (request) =>
      options.outbound ?? (request.server as { outbound?: Outbound }).outbound ?? (own ??= new Outbound(options.roster, { settings: readOutboundSettings() })),
  };
  const assets = consoleAssets();

  await app.register(cookie);
  // Forms post application/x-www-form-urlencoded; the values land in a prototype-free object.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    const values: Record<string, string> = Object.create(null);
    for (const [key, value] of new URLSearchParams(body as string)) values[key] = value; // last wins: a checkbox after its hidden "off"
    done(null, values);
  });

  // The security-headers plugin gives every answer the JSON API's CSP (which allows nothing); the console's pages
  // need their own stylesheet and scripts. Headers set here, at send time, win over those set at the request.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONSOLE_CONTENT_SECURITY_POLICY);
    reply.header('x-robots-tag', 'noindex');
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    const signedIn = !!request.adminSession;
    if (error instanceof ScimError) {
      return sendHtml(reply, errorPage(error.status, error.status === 404 ? 'Not found' : 'That did not work', error.message, signedIn), error.status);
    }
    if (error instanceof TenantError) return sendHtml(reply, errorPage(400, 'That did not work', error.message, signedIn), 400);
    if (error instanceof OutboundError) {
      return sendHtml(reply, errorPage(error.status, error.status === 404 ? 'Not found' : 'That did not work', error.message, signedIn), error.status);
    }
    // A missing or wrong secret key is configuration, and its message says what to set (it holds no secret).
    if (error instanceof SecretKeyError) return sendHtml(reply, errorPage(503, 'Stored credentials cannot be opened', error.message, signedIn), 503);
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendHtml(reply, errorPage(status, 'The request was not understood', (error as Error).message, signedIn), status);
    }
    request.log.error({ err: error }, 'admin console error');
    return sendHtml(reply, errorPage(500, 'Something went wrong', 'Roster could not show this page; the error is in its log.', signedIn), 500);
  });
  app.setNotFoundHandler((request, reply) =>
    sendHtml(reply, errorPage(404, 'Page not found', `There is no page at ${request.url.split('?')[0]}.`, !!request.adminSession), 404),
  );

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return sendHtml(reply, errorPage(404, 'Not found', 'No such file.', false), 404);
    const versioned = (request.query as Record<string, unknown>).v === asset.hash;
    reply.header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('etag', `"${asset.hash}"`);
    if (request.headers['if-none-match'] === `"${asset.hash}"`) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });

  await app.register(async (open) => authRoutes(open, deps));

  // Everything else needs a session; every POST needs the session's form token.
  await app.register(async (closed) => {
    closed.addHook('preHandler', async (request, reply) => {
      const current = await deps.sessions.find(request.cookies[SESSION_COOKIE]);
      if (!current) {
        if (request.cookies[SESSION_COOKIE]) reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
        const params = new URLSearchParams();
        if (request.cookies[SESSION_COOKIE]) params.set('expired', '1');
        if (request.method === 'GET') params.set('next', request.url);
        return redirect(reply, `/admin/login${params.size ? `?${params}` : ''}`, request);
      }
      request.adminSession = current;
      if (request.method !== 'GET' && request.method !== 'HEAD') checkForm(request, reply, current.csrfToken);
    });
    closed.get('/', async (_request, reply) => {
      const [first] = await deps.roster.tenants.listDirectories();
      return redirect(reply, first ? `/admin/d/${encodeURIComponent(first.slug)}` : '/admin/directories');
    });
    await directoriesRoutes(closed, deps);
    await closed.register(async (scoped) => directoryRoutes(scoped, deps), { prefix: '/d/:slug' });
  });
}

/** Rejects a state-changing request without the session's form token, or one a browser marks as cross-site. */
function checkForm(request: FastifyRequest, _reply: FastifyReply, expected: string): void {
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new ScimError(403, undefined, 'Requests from other sites are not accepted.');
  }
  if (!csrfMatches(expected, field(request.body, '_csrf'))) {
    throw new ScimError(403, undefined, 'This form expired or did not come from this console. Reload the page and try again.');
  }
}
