import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../directory/context.js';
import { retentionDaysFrom } from '../directory/log-query.js';
import { ProvisioningLog, type LogDraft } from '../directory/provisioning-log.js';
import type { Roster } from '../directory/roster.js';
import type { Directory, TokenInfo } from '../directory/tenants.js';
import { recognizeClient, type ClientName, type Recognition } from '../protocol/clients.js';
import { clip, describeRequest } from './request-summary.js';
import { redactUrl } from './redact-url.js';
import { sentBodies } from './scim-reply.js';

// Records every SCIM request in the provisioning log. Everything here runs after the answer is on its way
// (onResponse), except two cheap steps: noting the response payload (onSend) and recognising the client while
// the token is known (preHandler), so a Bulk request's operations inherit its client. The request body is read
// to describe the request and is never kept; tokens are never read at all, except to name a token that a
// request failed with after the answer was sent.

declare module 'fastify' {
  interface FastifyInstance {
    provisioningLog: ProvisioningLog;
  }
}

export interface ProvisioningLogHttpOptions {
  /** A log to use (tests); by default one on the directory service's storage. */
  log?: ProvisioningLog;
  retentionDays?: number;
}

/** `/scim/v2/...` (the default directory) and `/d/{slug}/scim/v2/...`. */
const MOUNT = /^\/(?:scim\/v2|d\/([^/?#]+)\/scim\/v2)(?=[/?#]|$)/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** Bulk runs each operation through fastify's inject, whose requests carry this User-Agent. */
const INJECTED_AGENT = 'lightMyRequest';
const MAX_READ_RESPONSE = 256 * 1024;
const MAX_READ_ERROR = 64 * 1024;
/** Rows without a valid token (failed authentication) per URL directory and minute, per process. */
const UNAUTHENTICATED_PER_MINUTE = 300;

interface Mount {
  slug: string;
  /** The path after the SCIM base, without the query. */
  rest: string;
}

export function installProvisioningLog(app: FastifyInstance, roster: Roster, options: ProvisioningLogHttpOptions = {}): ProvisioningLog {
  const log = options.log ?? new ProvisioningLog(roster.storage, { retentionDays: options.retentionDays ?? retentionDaysFrom(), logger: app.log });
  const payloads = new WeakMap<FastifyRequest, unknown>();
  const recognised = new WeakMap<FastifyRequest, Recognition | null>();
  const tokenClients = new Map<string, ClientName>();
  let budgetWindow = 0;
  const budget = new Map<string, number>();

  app.decorate('provisioningLog', log);
  app.addHook('onReady', async () => {
    log.start();
  });
  app.addHook('onClose', async () => {
    await log.close();
  });

  const recognise = (request: FastifyRequest, mount: Mount, token: TokenInfo | undefined): Recognition | undefined => {
    const agent = userAgent(request);
    const found = recognizeClient({
      userAgent: agent === INJECTED_AGENT ? undefined : agent,
      method: request.method,
      path: mount.rest,
      query: request.query as Record<string, unknown>,
      body: request.body,
      tokenLabel: token?.label,
      previous: token ? tokenClients.get(token.id) : undefined,
    });
    if (token && found && (found.via === 'user-agent' || found.via === 'request')) {
      tokenClients.delete(token.id);
      tokenClients.set(token.id, found.client);
      if (tokenClients.size > 10_000) tokenClients.delete(tokenClients.keys().next().value!);
    }
    return found;
  };

  app.addHook('preHandler', (request, _reply, done) => {
    try {
      const mount = parseMount(request.url);
      const token = authenticated(request)?.token;
      if (mount && token) recognised.set(request, recognise(request, mount, token) ?? null);
    } catch {
      // Recognition is best effort and must never touch the request.
    }
    done();
  });

  app.addHook('onSend', (request, _reply, payload, done) => {
    if (MOUNT.test(request.url)) payloads.set(request, payload);
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    try {
      capture(request, reply);
    } catch (error) {
      app.log.warn({ err: error }, 'provisioning log: could not record a request');
    }
    done();
  });

  function capture(request: FastifyRequest, reply: FastifyReply): void {
    const mount = parseMount(request.url);
    if (!mount) return;
    const durationMs = reply.elapsedTime;
    const time = new Date(Date.now() - durationMs);
    const known = authenticated(request);
    if (known) {
      log.record(draft(request, reply, mount, known.scope.directory, known.token, time, durationMs));
      return;
    }
    // The request failed before authentication finished (a bad token, a body that did not parse, a rate limit):
    // record it under its directory when that exists, with its token when the token is valid.
    if (!withinBudget(mount.slug)) return;
    void identify(request, reply, mount)
      .then((who) => {
        if (who) log.record(draft(request, reply, mount, who.directory, who.token, time, durationMs));
      })
      .catch((error: unknown) => app.log.warn({ err: error }, 'provisioning log: could not record a request'));
  }

  async function identify(request: FastifyRequest, reply: FastifyReply, mount: Mount): Promise<{ directory: Directory; token?: TokenInfo } | undefined> {
    if (!SLUG.test(mount.slug)) return undefined;
    const directory = await roster.tenants.findDirectory(mount.slug);
    if (!directory) return undefined;
    const bearer = BEARER.exec(request.headers.authorization ?? '');
    // A 401 means the token did not authenticate; any other early failure may still carry a valid one.
    const token = bearer && reply.statusCode !== 401 ? await roster.tenants.authenticate(directory, bearer[1]) : undefined;
    return { directory, token };
  }

  function withinBudget(slug: string): boolean {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== budgetWindow) {
      budgetWindow = minute;
      budget.clear();
    }
    if (budget.size > 1_000 && !budget.has(slug)) return false;
    const used = budget.get(slug) ?? 0;
    if (used >= UNAUTHENTICATED_PER_MINUTE) return false;
    budget.set(slug, used + 1);
    return true;
  }

  function draft(
    request: FastifyRequest,
    reply: FastifyReply,
    mount: Mount,
    directory: Directory,
    token: TokenInfo | undefined,
    time: Date,
    durationMs: number,
  ): LogDraft {
    const status = reply.statusCode;
    const payload = payloads.get(request);
    const agent = userAgent(request);
    const inBulk = agent === INJECTED_AGENT || request.headers['x-roster-bulk'] === '1';
    const client = recognised.has(request) ? (recognised.get(request) ?? undefined) : recognise(request, mount, token);
    const location = reply.getHeader('location');
    const description = describeRequest({
      method: request.method,
      path: mount.rest,
      query: request.query as Record<string, unknown>,
      body: request.body,
      status,
      location: typeof location === 'string' ? location : undefined,
      response: status < 400 && request.method !== 'DELETE' ? (sentBodies.get(request) ?? readJson(payload, MAX_READ_RESPONSE)) : undefined,
    });
    const error = status >= 400 ? errorOf(payload) : undefined;
    const secrets = secretsIn(request.body);
    const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
    const summary = (name: string | undefined) => scrub(`${inBulk ? 'bulk: ' : ''}${description.summarize(name)}`);
    return {
      directoryId: directory.id,
      time,
      requestId: String(request.id),
      tokenId: token?.id,
      tokenLabel: token?.label,
      client: client?.client,
      userAgent: inBulk || agent === undefined ? undefined : clip(agent, 300),
      method: request.method,
      path: scrub(redactUrl(request.url)),
      operation: description.operation,
      resourceType: description.resourceType,
      resourceId: description.resourceId,
      resourceName: description.resourceName,
      summary,
      status,
      durationMs,
      errorType: error?.scimType,
      errorDetail: error?.detail !== undefined ? scrub(clip(error.detail, 1000)) : undefined,
    };
  }

  return log;
}

/** The scope and token the SCIM routes set once a request authenticated (absent before). */
function authenticated(request: FastifyRequest): { scope: Scope; token: TokenInfo } | undefined {
  const r = request as Partial<Pick<FastifyRequest, 'scope' | 'token'>>;
  return r.scope?.directory && r.token ? { scope: r.scope, token: r.token } : undefined;
}

function parseMount(url: string): Mount | undefined {
  const match = MOUNT.exec(url);
  if (!match) return undefined;
  let slug = 'default';
  if (match[1] !== undefined) {
    try {
      slug = decodeURIComponent(match[1]);
    } catch {
      return undefined;
    }
  }
  const rest = url.slice(match[0].length).split(/[?#]/)[0] || '/';
  return { slug, rest };
}

function userAgent(request: FastifyRequest): string | undefined {
  const value = request.headers['user-agent'];
  return typeof value === 'string' ? value : undefined;
}

function readJson(payload: unknown, max: number): unknown {
  if (typeof payload !== 'string' || payload.length === 0 || payload.length > max) return undefined;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return undefined;
  }
}

function errorOf(payload: unknown): { detail?: string; scimType?: string } | undefined {
  const body = readJson(payload, MAX_READ_ERROR);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { detail, scimType } = body as { detail?: unknown; scimType?: unknown };
  return {
    detail: typeof detail === 'string' ? detail : undefined,
    scimType: typeof scimType === 'string' ? clip(scimType, 40) : undefined,
  };
}

export { redactUrl };

/** Passwords a request body carries (POST/PUT `password`, PATCH values), to scrub from anything recorded. */
function secretsIn(body: unknown): string[] {
  const found: string[] = [];
  const take = (value: unknown) => {
    if (typeof value === 'string' && value.length >= 4) found.push(value);
  };
  const fromObject = (object: unknown) => {
    if (typeof object !== 'object' || object === null || Array.isArray(object)) return;
    for (const [key, value] of Object.entries(object).slice(0, 200)) if (/passw/i.test(key)) take(value);
  };
  try {
    fromObject(body);
    const operations = typeof body === 'object' && body !== null ? Object.entries(body).find(([k]) => k.toLowerCase() === 'operations')?.[1] : undefined;
    if (Array.isArray(operations)) {
      for (const op of operations.slice(0, 1000)) {
        if (typeof op !== 'object' || op === null) continue;
        const entries = Object.entries(op);
        const path = entries.find(([k]) => k.toLowerCase() === 'path')?.[1];
        const value = entries.find(([k]) => k.toLowerCase() === 'value')?.[1];
        if (typeof path === 'string' && /passw/i.test(path)) take(value);
        fromObject(value);
      }
    }
  } catch {
    // nothing more to scrub
  }
  return found;
}
