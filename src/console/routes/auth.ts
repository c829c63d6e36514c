import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from '../auth/admins.js';
import { csrfMatches } from '../auth/sessions.js';
import { cookieOptions, field, LOGIN_COOKIE, param, redirect, safeNext, sendHtml, SESSION_COOKIE, type ConsoleDeps } from '../context.js';
import { invalidLinkPage, loginPage, setupPage } from '../pages/auth.js';

// Signing in, out, and the one-time setup link. Failed sign-ins are throttled per email and per address.

/** The pre-session form token: a random value in a strict cookie, echoed by the form. */
function loginToken(request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[LOGIN_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(LOGIN_COOKIE, token, cookieOptions(request, { sameSite: 'strict', maxAge: 3600 }));
  return token;
}

function loginTokenMatches(request: FastifyRequest): boolean {
  const cookie = request.cookies[LOGIN_COOKIE];
  return !!cookie && csrfMatches(cookie, field(request.body, '_login'));
}

async function startSession(request: FastifyRequest, reply: FastifyReply, deps: ConsoleDeps, admin: Parameters<ConsoleDeps['sessions']['open']>[0]) {
  // A fresh id at every sign-in: a session id planted before signing in is never promoted.
  const old = request.cookies[SESSION_COOKIE];
  if (old) await deps.sessions.close(old);
  const { cookie } = await deps.sessions.open(admin, { address: request.ip, userAgent: request.headers['user-agent'] });
  reply.setCookie(SESSION_COOKIE, cookie, cookieOptions(request));
  reply.clearCookie(LOGIN_COOKIE, cookieOptions(request, { sameSite: 'strict' }));
}

export async function authRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  app.get('/login', async (request, reply) => {
    if (await deps.sessions.find(request.cookies[SESSION_COOKIE])) return redirect(reply, safeNext(param(request, 'next')));
    const flash = param(request, 'signed_out') ? ({ kind: 'info', text: 'You are signed out.' } as const)
      : param(request, 'expired') ? ({ kind: 'info', text: 'Your session ended. Sign in again to continue.' } as const)
      : undefined;
    return sendHtml(reply, loginPage({ loginToken: loginToken(request, reply), next: param(request, 'next'), flash }));
  });

  app.post('/login', async (request, reply) => {
    const email = field(request.body, 'email').slice(0, 320);
    const password = typeof (request.body as Record<string, unknown> | undefined)?.password === 'string' ? String((request.body as Record<string, unknown>).password) : '';
    const next = field(request.body, 'next') || undefined;
    const again = (status: number, text: string) =>
      sendHtml(reply, loginPage({ loginToken: loginToken(request, reply), email, next, flash: { kind: 'error', text } }), status);
    if (!loginTokenMatches(request)) return again(403, 'The sign-in form expired. Please try again.');
    const verdict = await deps.throttle.check(email, request.ip);
    if (!verdict.allowed) {
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      return again(429, `Too many failed sign-ins. Try again in ${Math.ceil(verdict.retryAfterSeconds / 60)} minutes.`);
    }
    const admin = email && password ? await deps.admins.verify(email, password) : undefined;
    if (!admin) {
      await deps.throttle.fail(email, request.ip);
      return again(401, 'The email or password is not correct.');
    }
    await startSession(request, reply, deps, admin);
    return redirect(reply, safeNext(next));
  });

  app.post('/logout', async (request, reply) => {
    // Signing out needs the session's form token too, so another site cannot sign an administrator out.
    const cookie = request.cookies[SESSION_COOKIE];
    const current = await deps.sessions.find(cookie);
    if (current && !csrfMatches(current.csrfToken, field(request.body, '_csrf'))) {
      return reply.code(403).type('text/plain; charset=utf-8').send('The form expired; reload the page and sign out again.');
    }
    if (cookie) await deps.sessions.close(cookie);
    reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return redirect(reply, '/admin/login?signed_out=1');
  });

  app.get<{ Params: { secret: string } }>('/setup/:secret', async (request, reply) => {
    const admin = await deps.admins.findSetupLink(request.params.secret);
    if (!admin) return sendHtml(reply, invalidLinkPage(), 404);
    return sendHtml(reply, setupPage({ loginToken: loginToken(request, reply), email: admin.email, secret: request.params.secret }));
  });

  app.post<{ Params: { secret: string } }>('/setup/:secret', async (request, reply) => {
    const { secret } = request.params;
    const admin = await deps.admins.findSetupLink(secret);
    if (!admin) return sendHtml(reply, invalidLinkPage(), 404);
    const body = request.body as Record<string, unknown> | undefined;
    const password = typeof body?.password === 'string' ? body.password : '';
    const confirm = typeof body?.confirm === 'string' ? body.confirm : '';
    const again = (error: string, status = 400) =>
      sendHtml(reply, setupPage({ loginToken: loginToken(request, reply), email: admin.email, secret, error }), status);
    if (!loginTokenMatches(request)) return again('The form expired. Please try again.', 403);
    if (password !== confirm) return again('The two passwords differ.');
    try {
      const done = await deps.admins.completeSetup(secret, password);
      if (!done) return sendHtml(reply, invalidLinkPage(), 404);
      await deps.sessions.closeAll(done.id);
      await startSession(request, reply, deps, done);
      return redirect(reply, '/admin');
    } catch (error) {
      if (error instanceof AdminError) return again(error.message);
      throw error;
    }
  });
}
