import { readFileSync } from 'node:fs';
import { defaultLimits, type HttpLimits } from '../http/limits.js';
import { MAX_INDEXED_VALUE_BYTES } from '../protocol/attribute-limits.js';
import { MAX_FILTER_LENGTH } from '../protocol/filter/index.js';
import { OUTBOUND_SETTING_NAMES } from '../outbound/settings.js';
import type { Rate } from './token-bucket.js';

// The production settings: limits, rate limits, timeouts, TLS and metrics. Each comes from a flag or an
// environment variable (or the config file, which fills in the environment); every mistake is reported with the
// variable's name, all at once.

export interface RateLimitSettings {
  /** Per bearer token (by its hash): what one IdP connection may send. */
  token: Rate | null;
  /** Per client address (`request.ip`: set ROSTER_TRUST_PROXY behind a reverse proxy). */
  address: Rate | null;
  /** Per directory, all tokens together: one tenant cannot starve the others. */
  directory: Rate | null;
  /** Failed authentications per client address; beyond it the address gets 429 until the bucket refills. */
  authFailures: Rate | null;
}

export interface TlsSettings {
  cert: string;
  key: string;
}

export interface OperationsSettings {
  limits: HttpLimits;
  rateLimits: RateLimitSettings;
  /** Node's limit on the size of all request headers together (431 beyond it). */
  maxHeaderBytes: number;
  /** Time to receive a whole request, headers and body (408 beyond it). */
  requestTimeoutMs: number;
  /** Time to answer once the request is in (503 beyond it). */
  handlerTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** PEM files for HTTPS without a proxy; both or neither. */
  tls?: TlsSettings;
  metrics: { enabled: boolean; token?: string };
}

/**
 * Generous defaults: an IdP's burst (an Okta import, Entra's 25 requests per second) and the whole test suite
 * stay far below them; they exist to stop runaway clients and floods, not to shape normal traffic.
 */
export const defaultRateLimits: RateLimitSettings = {
  token: { perSecond: 50, burst: 3000 },
  address: { perSecond: 100, burst: 6000 },
  directory: { perSecond: 100, burst: 6000 },
  authFailures: { perSecond: 1, burst: 100 },
};

export const defaultOperations: OperationsSettings = {
  limits: defaultLimits,
  rateLimits: defaultRateLimits,
  maxHeaderBytes: 16 * 1024,
  requestTimeoutMs: 30_000,
  handlerTimeoutMs: 60_000,
  shutdownTimeoutMs: 30_000,
  metrics: { enabled: true },
};

/** Every ROSTER_ variable Roster reads, for the config file and `roster config check` (typos are errors there). */
export const SETTING_NAMES = [
  'ROSTER_HOST', 'ROSTER_PORT', 'ROSTER_DATABASE_URL', 'ROSTER_PUBLIC_URL', 'ROSTER_BOOTSTRAP_TOKEN', 'ROSTER_LOG_LEVEL',
  'ROSTER_TRUST_PROXY', 'ROSTER_DB_POOL_SIZE', 'ROSTER_DB_CONNECT_TIMEOUT_MS', 'ROSTER_DB_STATEMENT_TIMEOUT_MS',
  'ROSTER_LOG_RETENTION_DAYS', 'ROSTER_CONFIG_FILE',
  'ROSTER_TLS_CERT', 'ROSTER_TLS_KEY', 'ROSTER_MAX_BODY_BYTES', 'ROSTER_MAX_RESULTS', 'ROSTER_PAGE_SIZE',
  'ROSTER_BULK_MAX_OPERATIONS', 'ROSTER_MAX_MEMBERS_PER_REQUEST', 'ROSTER_MAX_FILTER_LENGTH', 'ROSTER_MAX_PATCH_OPERATIONS', 'ROSTER_MAX_HEADER_BYTES',
  'ROSTER_MAX_INDEXED_VALUE_BYTES', 'ROSTER_MAX_VALUES_PER_ATTRIBUTE',
  'ROSTER_REQUEST_TIMEOUT_MS', 'ROSTER_HANDLER_TIMEOUT_MS', 'ROSTER_SHUTDOWN_TIMEOUT_MS',
  'ROSTER_RATE_LIMIT_TOKEN', 'ROSTER_RATE_LIMIT_ADDRESS', 'ROSTER_RATE_LIMIT_DIRECTORY', 'ROSTER_AUTH_FAILURE_LIMIT',
  'ROSTER_METRICS', 'ROSTER_METRICS_TOKEN',
  ...OUTBOUND_SETTING_NAMES,
] as const;

/** Settings that hold secrets: never printed. */
export const SECRET_SETTINGS = new Set(['ROSTER_BOOTSTRAP_TOKEN', 'ROSTER_METRICS_TOKEN', 'ROSTER_SECRET_KEY']);

export interface OperationsFlags {
  tlsCert?: string;
  tlsKey?: string;
}

/** Reads the operations settings; `problems` names each bad variable with what it should look like. */
export function readOperationsSettings(
  flags: OperationsFlags,
  env: Record<string, string | undefined>,
): { settings: OperationsSettings; problems: string[] } {
  const problems: string[] = [];
  const read = new SettingReader(env, problems);
  const base = defaultOperations;

  const limits: HttpLimits = {
    bodyLimit: read.integer('ROSTER_MAX_BODY_BYTES', base.limits.bodyLimit, 1024, 1024 ** 3),
    defaultCount: read.integer('ROSTER_PAGE_SIZE', base.limits.defaultCount, 1, 100_000),
    maxCount: read.integer('ROSTER_MAX_RESULTS', base.limits.maxCount, 1, 100_000),
    bulkMaxOperations: read.integer('ROSTER_BULK_MAX_OPERATIONS', base.limits.bulkMaxOperations, 1, 100_000),
    maxMembersPerRequest: read.integer('ROSTER_MAX_MEMBERS_PER_REQUEST', base.limits.maxMembersPerRequest, 1, 10_000_000),
    maxFilterLength: read.integer('ROSTER_MAX_FILTER_LENGTH', base.limits.maxFilterLength, 16, MAX_FILTER_LENGTH),
    maxPatchOperations: read.integer('ROSTER_MAX_PATCH_OPERATIONS', base.limits.maxPatchOperations, 1, 100_000),
    maxIndexedValueBytes: read.integer('ROSTER_MAX_INDEXED_VALUE_BYTES', base.limits.maxIndexedValueBytes, 64, MAX_INDEXED_VALUE_BYTES),
    maxValuesPerAttribute: read.integer('ROSTER_MAX_VALUES_PER_ATTRIBUTE', base.limits.maxValuesPerAttribute, 1, 100_000),
  };
  if (limits.defaultCount > limits.maxCount) problems.push('  ROSTER_PAGE_SIZE: must not be larger than ROSTER_MAX_RESULTS');

  const rateLimits: RateLimitSettings = {
    token: read.rate('ROSTER_RATE_LIMIT_TOKEN', base.rateLimits.token),
    address: read.rate('ROSTER_RATE_LIMIT_ADDRESS', base.rateLimits.address),
    directory: read.rate('ROSTER_RATE_LIMIT_DIRECTORY', base.rateLimits.directory),
    authFailures: read.rate('ROSTER_AUTH_FAILURE_LIMIT', base.rateLimits.authFailures),
  };

  const requestTimeoutMs = read.integer('ROSTER_REQUEST_TIMEOUT_MS', base.requestTimeoutMs, 1000, 3_600_000);
  const handlerTimeoutMs = read.integer('ROSTER_HANDLER_TIMEOUT_MS', base.handlerTimeoutMs, 1000, 3_600_000);
  const shutdownTimeoutMs = read.integer('ROSTER_SHUTDOWN_TIMEOUT_MS', base.shutdownTimeoutMs, 0, 3_600_000);
  const maxHeaderBytes = read.integer('ROSTER_MAX_HEADER_BYTES', base.maxHeaderBytes, 1024, 1024 * 1024);

  const metricsToken = read.text('ROSTER_METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('  ROSTER_METRICS_TOKEN: must be at least 16 characters');
  const metrics = { enabled: read.flag('ROSTER_METRICS', true), ...(metricsToken ? { token: metricsToken } : {}) };

  const tls = readTls(flags.tlsCert ?? read.text('ROSTER_TLS_CERT'), flags.tlsKey ?? read.text('ROSTER_TLS_KEY'), problems);
  return {
    settings: { limits, rateLimits, maxHeaderBytes, requestTimeoutMs, handlerTimeoutMs, shutdownTimeoutMs, metrics, ...(tls ? { tls } : {}) },
    problems,
  };
}

/** `50` (per second), `50/s`, `600/min`, `3600/h`, each optionally `:BURST`; `off` disables the limit. */
export function parseRate(text: string): Rate | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off' || value === '0') return null;
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|sec|second|m|min|minute|h|hour))?(?::(\d+))?$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2]?.[0] ?? 's';
  const perSecond = unit === 'h' ? amount / 3600 : unit === 'm' ? amount / 60 : amount;
  const burst = match[3] !== undefined ? Number(match[3]) : Math.max(1, Math.ceil(amount));
  if (!(perSecond > 0) || !Number.isFinite(perSecond) || burst < 1) return undefined;
  return { perSecond, burst };
}

export function formatRate(rate: Rate | null): string {
  if (!rate) return 'off';
  const perSecond = Number(rate.perSecond.toFixed(6));
  return perSecond >= 1 ? `${perSecond}/s:${rate.burst}` : `${Number((perSecond * 60).toFixed(4))}/min:${rate.burst}`;
}

function readTls(cert: string | undefined, key: string | undefined, problems: string[]): TlsSettings | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) {
    problems.push('  --tls-cert/--tls-key (ROSTER_TLS_CERT/ROSTER_TLS_KEY): give both the certificate and the key, or neither');
    return undefined;
  }
  const pem = (file: string, what: string, marker: RegExp) => {
    try {
      const text = readFileSync(file, 'utf8');
      if (!marker.test(text)) problems.push(`  ${what}: ${file} is not a PEM ${what === 'ROSTER_TLS_CERT' ? 'certificate' : 'private key'}`);
    } catch (error) {
      problems.push(`  ${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  pem(cert, 'ROSTER_TLS_CERT', /-----BEGIN CERTIFICATE-----/);
  pem(key, 'ROSTER_TLS_KEY', /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  return { cert, key };
}

class SettingReader {
  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly problems: string[],
  ) {}

  text(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`  ${name}: must be a whole number from ${min} to ${max} (got "${clip(raw)}")`);
      return fallback;
    }
    return value;
  }

  rate(name: string, fallback: Rate | null): Rate | null {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const rate = parseRate(raw);
    if (rate === undefined) {
      this.problems.push(`  ${name}: must be RATE[/s|/min|/h][:BURST] such as "50/s:3000", or "off" (got "${clip(raw)}")`);
      return fallback;
    }
    return rate;
  }

  flag(name: string, fallback: boolean): boolean {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'off', 'no'].includes(raw)) return false;
    this.problems.push(`  ${name}: must be on or off (got "${clip(raw)}")`);
    return fallback;
  }
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
