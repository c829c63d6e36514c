import type { FastifyReply, FastifyRequest } from 'fastify';
import { scimBaseUrl } from '../config.js';
import type { Actor, Scope } from '../directory/context.js';
import type { ProvisioningLog } from '../directory/provisioning-log.js';
import type { Roster } from '../directory/roster.js';
import type { Directory } from '../directory/tenants.js';
import type { Outbound } from '../outbound/index.js';
import type { Admins } from './auth/admins.js';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { Session, Sessions } from './auth/sessions.js';
import type { Html } from './html.js';
import type { Flash, PageContext } from './layout.js';

// What every console route needs: the services, the signed-in session, the directory of the URL, and helpers to
// answer with a page, a redirect or a one-time message.

declare module 'fastify' {
  interface FastifyRequest {
    adminSession?: Session;
    adminDirectory?: Directory;
  }
}

export interface ConsoleDeps {
  roster: Roster;
  admins: Admins;
  sessions: Sessions;
  throttle: LoginThrottle;
  /** ROSTER_PUBLIC_URL; otherwise the request's own origin. */
  publicUrl?: string;
  /** Outbound targets and webhooks: the server's own service (see plugin.ts). */
  outbound(request: FastifyRequest): Outbound;
}

export const SESSION_COOKIE = 'roster_session';
export const LOGIN_COOKIE = 'roster_login';
const FLASH_COOKIE = 'roster_flash';

export function cookieOptions(request: FastifyRequest, extra: { maxAge?: number; sameSite?: 'lax' | 'strict' } = {}) {
  return {
    path: '/admin',
    httpOnly: true,
    sameSite: extra.sameSite ?? ('lax' as const),
    secure: request.protocol === 'https',
    ...(extra.maxAge !== undefined ? { maxAge: extra.maxAge } : {}),
  };
}

export function origin(request: FastifyRequest, deps: ConsoleDeps): string {
  return (deps.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');
}

export function baseUrlOf(request: FastifyRequest, deps: ConsoleDeps, directory: Directory): string {
  return scimBaseUrl(origin(request, deps), directory.slug);
}

export function session(request: FastifyRequest): Session {
  if (!request.adminSession) throw new Error('No console session on this request');
  return request.adminSession;
}

export function directoryOf(request: FastifyRequest): Directory {
  if (!request.adminDirectory) throw new Error('No directory on this request');
  return request.adminDirectory;
}

/** The scope of console calls into the directory service: history records the administrator as the actor. */
export function scopeOf(request: FastifyRequest, deps: ConsoleDeps, directory = directoryOf(request)): Scope {
  return { directory, base: baseUrlOf(request, deps, directory), actor: adminActor(request) };
}

export function adminActor(request: FastifyRequest): Actor {
  const { admin } = session(request);
  return { kind: 'admin', id: admin.id, label: admin.email };
}

export function provisioningLogOf(request: FastifyRequest): ProvisioningLog | undefined {
  return (request.server as { provisioningLog?: ProvisioningLog }).provisioningLog;
}

export async function pageContext(request: FastifyRequest, reply: FastifyReply, deps: ConsoleDeps): Promise<PageContext> {
  const s = session(request);
  return {
    adminEmail: s.admin.email,
    csrfToken: s.csrfToken,
    directory: request.adminDirectory,
    directories: await deps.roster.tenants.listDirectories(),
    flash: takeFlash(request, reply),
  };
}

export function sendHtml(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

/** 303 See Other: after a form post the browser fetches the next page with GET. htmx follows HX-Redirect. */
export function redirect(reply: FastifyReply, url: string, request?: FastifyRequest): FastifyReply {
  if (request?.headers['hx-request']) return reply.header('hx-redirect', url).code(204).send();
  return reply.code(303).header('location', url).send();
}

export function setFlash(reply: FastifyReply, request: FastifyRequest, flash: Flash): void {
  const value = Buffer.from(JSON.stringify([flash.kind, flash.text.slice(0, 500)]), 'utf8').toString('base64url');
  reply.setCookie(FLASH_COOKIE, value, cookieOptions(request, { maxAge: 60 }));
}

function takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | undefined {
  const value = request.cookies[FLASH_COOKIE];
  if (!value) return undefined;
  reply.clearCookie(FLASH_COOKIE, cookieOptions(request));
  try {
    const [kind, text] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [unknown, unknown];
    if ((kind === 'ok' || kind === 'error' || kind === 'info') && typeof text === 'string') return { kind, text };
  } catch {
    // a mangled cookie shows nothing
  }
  return undefined;
}

/** A form field as a trimmed string ('' when absent or not a string). */
export function field(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A query parameter as a string, or undefined. */
export function param(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim().slice(0, 500);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0].trim().slice(0, 500) || undefined;
  return undefined;
}

/** A local path to return to after signing in; anything else (another origin, //host) becomes /admin. */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/admin') || next.startsWith('//') || /[\\\r\n]/.test(next)) return '/admin';
  return next;
}
