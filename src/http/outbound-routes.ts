import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Roster } from '../directory/roster.js';
import type { TokenScope } from '../directory/tenants.js';
import { ScimError } from '../protocol/errors.js';
import { ChangeFeed } from '../outbound/change-feed.js';
import { PasswordCheck, PasswordCheckError, passwordCheckLimitsFrom, type PasswordCheckLimits } from '../outbound/password-check.js';

// The application API of a directory, next to its SCIM API: `/api/v1` (the default directory) and
// `/d/{slug}/api/v1`. Each endpoint needs a token of its own scope, which the SCIM API refuses in turn:
// - GET  .../changes?after=SEQ&limit=N&wait=SECONDS   the ordered change feed, long polling  (changes:read)
// - POST .../password-check {userName, password}       yes with the user, or no               (password:check)

export interface OutboundApiOptions {
  roster: Roster;
  /** Per-user and per-token password-check rates; by default from the environment. */
  passwordCheckLimits?: PasswordCheckLimits;
}

interface MountOptions {
  roster: Roster;
  directorySlug?: string;
  feed: ChangeFeed;
  passwords: PasswordCheck;
}

const bearer = /^Bearer\s+(\S+)\s*$/i;
const MAX_WAIT_SECONDS = 50;

/** Registers both mounts with one shared password-check rate store. */
export async function outboundApi(app: FastifyInstance, options: OutboundApiOptions): Promise<void> {
  const shared = {
    roster: options.roster,
    feed: new ChangeFeed(options.roster.storage),
    passwords: new PasswordCheck(options.roster, options.passwordCheckLimits ?? passwordCheckLimitsFrom()),
  };
  await app.register(applicationRoutes, { ...shared, prefix: '/api/v1', directorySlug: 'default' });
  await app.register(applicationRoutes, { ...shared, prefix: '/d/:directory/api/v1' });
}

async function applicationRoutes(app: FastifyInstance, options: MountOptions): Promise<void> {
  const { roster } = options;

  app.addHook('onRequest', async (request) => {
    const slug = options.directorySlug ?? (request.params as { directory?: string }).directory ?? '';
    const directory = await roster.tenants.findDirectory(slug);
    const match = bearer.exec(request.headers.authorization ?? '');
    const token = directory && match ? await roster.tenants.authenticate(directory, match[1]) : undefined;
    if (!directory || !token) {
      throw new ScimError(401, undefined, match ? 'The bearer token is not valid for this directory' : 'Send "Authorization: Bearer <token>"');
    }
    const origin = `${request.protocol}://${request.host}`;
    request.scope = { directory, base: `${origin}${directory.slug === 'default' && options.directorySlug ? '/scim/v2' : `/d/${directory.slug}/scim/v2`}`, actor: { kind: 'scim', id: token.id, label: token.label } };
    request.token = token;
  });

  const requireScope = (request: FastifyRequest, scope: TokenScope) => {
    if (request.token.scope !== scope) throw new ScimError(403, undefined, `This endpoint needs a token with the ${scope} scope (this one has ${request.token.scope})`);
  };

  app.get('/changes', async (request, reply) => {
    requireScope(request, 'changes:read');
    const query = request.query as Record<string, unknown>;
    const after = integer(query.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integer(query.limit, 'limit', 100, 1, 1000);
    const wait = integer(query.wait, 'wait', 0, 0, MAX_WAIT_SECONDS);
    let gone = false;
    request.raw.once('close', () => (gone = true));
    const page = await options.feed.wait(request.scope.directory, after, limit, wait * 1000, () => gone || app.isDraining?.() === true);
    return reply.type('application/json').send(page);
  });

  app.post('/password-check', async (request, reply) => {
    requireScope(request, 'password:check');
    const started = Date.now();
    const userName = typeof (request.body as { userName?: unknown } | undefined)?.userName === 'string' ? (request.body as { userName: string }).userName.slice(0, 300) : undefined;
    const record = (status: number, summary: string, resourceId?: string, resourceName = userName) => {
      app.provisioningLog?.record({
        directoryId: request.scope.directory.id,
        time: new Date(started),
        requestId: String(request.id),
        tokenId: request.token.id,
        tokenLabel: request.token.label,
        userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 300) : undefined,
        method: 'POST',
        path: request.url.split('?')[0],
        operation: 'password-check',
        resourceType: 'User',
        resourceId,
        resourceName,
        summary,
        status,
        durationMs: Date.now() - started,
      });
    };
    try {
      const result = await options.passwords.check(request.scope, request.token.id, request.body);
      const name = result.valid ? String(result.user.userName) : userName;
      record(200, `password check for ${name}: ${result.valid ? 'accepted' : 'refused'}`, result.valid ? String(result.user.id) : undefined, name);
      return reply.type('application/json').send(result);
    } catch (error) {
      if (!(error instanceof PasswordCheckError)) throw error;
      record(error.status, `password check for ${userName ?? '(no userName)'}: ${error.status === 429 ? 'rate limited' : 'bad request'}`);
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      throw new ScimError(error.status, error.status === 400 ? 'invalidValue' : undefined, error.message);
    }
  });
}

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ScimError(400, 'invalidValue', `${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}
