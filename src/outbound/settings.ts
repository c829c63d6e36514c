// Settings of outbound delivery, from the environment (the config file fills it in before this is read).
// Tests lower the timings; the defaults suit production: a target that is down for a day is retried at most
// every ROSTER_OUTBOUND_BACKOFF_MAX_MS and nothing is ever dropped.

export interface OutboundSettings {
  /** Whether `roster serve` runs the delivery worker (ROSTER_OUTBOUND=off disables it on this instance). */
  enabled: boolean;
  /** How often the worker looks for new changes. */
  pollMs: number;
  /** First retry delay; doubled per failure, with jitter, up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Time for one HTTP request to a target or webhook endpoint. */
  requestTimeoutMs: number;
  /** How long a worker holds an endpoint without renewing; a crashed instance's endpoints move on after it. */
  leaseMs: number;
  /** Delivery log retention. */
  logRetentionDays: number;
  /** Endpoints served at once by one instance. */
  concurrency: number;
}

export const OUTBOUND_SETTING_NAMES = [
  'ROSTER_OUTBOUND', 'ROSTER_OUTBOUND_POLL_MS', 'ROSTER_OUTBOUND_BACKOFF_BASE_MS', 'ROSTER_OUTBOUND_BACKOFF_MAX_MS',
  'ROSTER_OUTBOUND_TIMEOUT_MS', 'ROSTER_OUTBOUND_LEASE_MS', 'ROSTER_OUTBOUND_LOG_RETENTION_DAYS', 'ROSTER_OUTBOUND_CONCURRENCY',
  'ROSTER_SECRET_KEY', 'ROSTER_SECRET_KEY_FILE', 'ROSTER_PASSWORD_CHECK_LIMIT_USER', 'ROSTER_PASSWORD_CHECK_LIMIT_TOKEN',
] as const;

export const defaultOutboundSettings: OutboundSettings = {
  enabled: true,
  pollMs: 500,
  backoffBaseMs: 1_000,
  backoffMaxMs: 3_600_000,
  requestTimeoutMs: 15_000,
  leaseMs: 30_000,
  logRetentionDays: 14,
  concurrency: 8,
};

export class OutboundSettingsError extends Error {}

/** Reads the settings; a bad value is an error that names the variable. */
export function readOutboundSettings(env: Record<string, string | undefined> = process.env): OutboundSettings {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`  ${name}: must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const d = defaultOutboundSettings;
  const settings: OutboundSettings = {
    enabled: !/^(off|false|0|no)$/i.test(env.ROSTER_OUTBOUND?.trim() ?? ''),
    pollMs: integer('ROSTER_OUTBOUND_POLL_MS', d.pollMs, 10, 600_000),
    backoffBaseMs: integer('ROSTER_OUTBOUND_BACKOFF_BASE_MS', d.backoffBaseMs, 1, 3_600_000),
    backoffMaxMs: integer('ROSTER_OUTBOUND_BACKOFF_MAX_MS', d.backoffMaxMs, 1, 86_400_000),
    requestTimeoutMs: integer('ROSTER_OUTBOUND_TIMEOUT_MS', d.requestTimeoutMs, 100, 600_000),
    leaseMs: integer('ROSTER_OUTBOUND_LEASE_MS', d.leaseMs, 500, 3_600_000),
    logRetentionDays: integer('ROSTER_OUTBOUND_LOG_RETENTION_DAYS', d.logRetentionDays, 1, 3650),
    concurrency: integer('ROSTER_OUTBOUND_CONCURRENCY', d.concurrency, 1, 256),
  };
  if (settings.backoffBaseMs > settings.backoffMaxMs) problems.push('  ROSTER_OUTBOUND_BACKOFF_BASE_MS: must not exceed ROSTER_OUTBOUND_BACKOFF_MAX_MS');
  if (settings.requestTimeoutMs * 2 > settings.leaseMs) problems.push('  ROSTER_OUTBOUND_LEASE_MS: must be at least twice ROSTER_OUTBOUND_TIMEOUT_MS');
  if (problems.length) throw new OutboundSettingsError(`Invalid configuration:\n${problems.join('\n')}`);
  return settings;
}
