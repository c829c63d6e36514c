import { createHash } from 'node:crypto';
import type { TargetAuthConfig, TargetCredentials } from './types.js';

// One HTTP exchange with a target or webhook endpoint, and what its failure means: network errors, timeouts,
// 408, 429 and 5xx are worth retrying (429 and 503 say when, in Retry-After); so is 401, which is about the
// credentials, not the change: the whole target waits (with backoff) until they are fixed. Any other 4xx is a
// refusal of that change that retrying will not change. Built on Node's fetch; every request has a deadline.

export const USER_AGENT = 'Roster-Outbound/1.0';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** From Retry-After, when the target said how long to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The credentials the request carried: a remote that echoes them in an error must not get them stored. */
  sent?: string[];
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

const MAX_BODY = 8 * 1024 * 1024;

/** Sends a request; resolves with any HTTP answer, rejects with a retryable DeliveryError when none came. */
export async function send(request: HttpRequest): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: { 'user-agent': USER_AGENT, ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    throw new DeliveryError(networkMessage(error, request.timeoutMs), true);
  }
  let text: string;
  try {
    text = await readLimited(response);
  } catch (error) {
    throw new DeliveryError(networkMessage(error, request.timeoutMs), true, response.status);
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body, sent: credentialsIn(request.headers) };
}

/** The Authorization header's value, its credential, and for Basic the decoded pair and password; longest first. */
function credentialsIn(headers: Record<string, string> = {}): string[] {
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  if (!value) return [];
  const found = [value];
  const [, scheme = '', credential = ''] = /^(\S+)\s+(.+)$/.exec(value) ?? [];
  if (credential) found.push(credential);
  if (/^basic$/i.test(scheme)) {
    const pair = Buffer.from(credential, 'base64').toString('utf8');
    const password = pair.slice(pair.indexOf(':') + 1);
    found.push(pair, password);
    try {
      found.push(decodeURIComponent(password));
    } catch {
      // Not form-encoded.
    }
  }
  return found.filter((text) => text.length >= 6).sort((a, b) => b.length - a.length);
}

async function readLimited(response: Response): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_BODY) throw new Error(`the answer is too large (${length} bytes)`);
  const text = await response.text();
  if (text.length > MAX_BODY) throw new Error('the answer is too large');
  return text;
}

function networkMessage(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause;
  const detail = cause?.code ?? cause?.message ?? e?.message ?? String(error);
  return `network error: ${detail}`;
}

/** The error a non-2xx answer stands for; `what` says what was being done ("create user jane@x"). */
export function errorFor(response: HttpResponse, what: string): DeliveryError {
  const status = response.status;
  const detail = describeBody(response);
  const message = `${what}: HTTP ${status}${detail ? ` ${detail}` : ''}`;
  const retryable = status === 401 || status === 408 || status === 425 || status === 429 || status >= 500;
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
  return new DeliveryError(message, retryable, status, retryAfterMs);
}

/** The `detail` of a SCIM Error body, else the start of the text; never more than a line. */
function describeBody(response: HttpResponse): string {
  const body = response.body as { detail?: unknown; scimType?: unknown; error?: unknown; error_description?: unknown } | undefined;
  let text = '';
  if (body && typeof body === 'object') {
    if (typeof body.detail === 'string') text = `${typeof body.scimType === 'string' ? `(${body.scimType}) ` : ''}${body.detail}`;
    else if (typeof body.error === 'string') text = `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}`;
  }
  if (!text) text = response.text.replace(/\s+/g, ' ').trim();
  for (const secret of response.sent ?? []) text = text.split(secret).join('[redacted]');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Retry-After: delay-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3},? /.test(text)) return undefined; // an IMF-fixdate starts with the day's name
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * OAuth 2.0 access tokens of this process, by token URL, client, scope and (a hash of) the secret: a token lives
 * across delivery turns until shortly before it expires. Bounded; the oldest is forgotten first.
 */
const tokenCache = new Map<string, { token: string; expiresAt: number }>();

/** Builds the Authorization header of a target; OAuth 2.0 client-credentials tokens are fetched and cached. */
export class TargetAuthorizer {
  private readonly cacheKey: string;

  constructor(
    private readonly auth: TargetAuthConfig,
    private readonly credentials: TargetCredentials,
    private readonly timeoutMs: number,
  ) {
    const secret = createHash('sha256').update(credentials.clientSecret ?? '').digest('hex');
    this.cacheKey = auth.type === 'oauth2' ? JSON.stringify([auth.tokenUrl, auth.clientId, auth.scope ?? '', secret]) : '';
  }

  private get cached() {
    return tokenCache.get(this.cacheKey);
  }

  async header(): Promise<string | undefined> {
    switch (this.auth.type) {
      case 'bearer':
        return `Bearer ${this.credentials.token ?? ''}`;
      case 'basic':
        return `Basic ${Buffer.from(`${this.auth.username}:${this.credentials.password ?? ''}`, 'utf8').toString('base64')}`;
      case 'oauth2':
        return `Bearer ${await this.accessToken()}`;
      default:
        return undefined;
    }
  }

  /** After a 401: forget a cached OAuth token so the next request fetches a new one. Says whether that can help. */
  invalidate(): boolean {
    if (this.auth.type !== 'oauth2' || !this.cached) return false;
    tokenCache.delete(this.cacheKey);
    return true;
  }

  private async accessToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.token;
    const auth = this.auth as Extract<TargetAuthConfig, { type: 'oauth2' }>;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    // RFC 6749 2.3.1: client_secret_basic, with both parts form-encoded.
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(this.credentials.clientSecret ?? '')}`).toString('base64');
    const response = await send({
      method: 'POST',
      url: auth.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: form.toString(),
      timeoutMs: this.timeoutMs,
    });
    const body = response.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      const error = errorFor(response, 'get an OAuth 2.0 access token');
      throw new DeliveryError(error.message, error.retryable, error.status, error.retryAfterMs);
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    // Renewed a minute early (or at half-life for short tokens), so a token never expires in flight.
    tokenCache.set(this.cacheKey, { token: body.access_token, expiresAt: Date.now() + Math.max(seconds * 500, seconds * 1000 - 60_000) });
    if (tokenCache.size > 1000) tokenCache.delete(tokenCache.keys().next().value!);
    return body.access_token;
  }
}
