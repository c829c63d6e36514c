// The filters of provisioning-log queries as people type them (`roster log --status 4xx --since 2h`), parsed into
// values the query API takes. Shared by the CLI and, later, the admin console.

export class LogQueryError extends Error {}

export interface StatusRange {
  min: number;
  max: number;
}

/** `409`, `4xx`, `5xx`, `error` (400-599), `ok` (200-399), or a range `400-404`. */
export function parseStatusFilter(text: string): StatusRange {
  const value = text.trim().toLowerCase();
  if (/^[1-5]\d\d$/.test(value)) return { min: Number(value), max: Number(value) };
  const klass = /^([1-5])xx$/.exec(value);
  if (klass) return { min: Number(klass[1]) * 100, max: Number(klass[1]) * 100 + 99 };
  if (value === 'error' || value === 'errors' || value === 'failed') return { min: 400, max: 599 };
  if (value === 'ok' || value === 'success') return { min: 200, max: 399 };
  const range = /^([1-5]\d\d)-([1-5]\d\d)$/.exec(value);
  if (range && Number(range[1]) <= Number(range[2])) return { min: Number(range[1]), max: Number(range[2]) };
  throw new LogQueryError(`Invalid status "${text}": use a code (409), a class (4xx), a range (400-404), "error" or "ok"`);
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `1h`, `2d`, `1w` before `now`, or an ISO 8601 date or date-time. */
export function parseSince(text: string, now = new Date()): Date {
  const value = text.trim();
  const relative = /^(\d{1,6})\s*([smhdw])$/i.exec(value);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2].toLowerCase()]);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new LogQueryError(`Invalid time "${text}": use an ISO date (2024-05-01 or 2024-05-01T12:00:00Z) or a duration such as 30m, 1h, 2d`);
}

/** A page position: the time and id of the last entry shown. Opaque to callers. */
export function encodeCursor(time: string, id: string): string {
  return Buffer.from(JSON.stringify([time, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { time: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string')) {
      return { time: parsed[0] as string, id: parsed[1] as string };
    }
  } catch {
    // fall through
  }
  throw new LogQueryError('Invalid page cursor');
}

/** The retention of the provisioning log in days (ROSTER_LOG_RETENTION_DAYS, default 30). */
export function retentionDaysFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ROSTER_LOG_RETENTION_DAYS;
  if (raw === undefined || raw.trim() === '') return 30;
  const days = Number(raw);
  if (!Number.isFinite(days) || days <= 0 || days > 36_500) {
    throw new LogQueryError(`Invalid configuration:\n  ROSTER_LOG_RETENTION_DAYS: must be a positive number of days (got "${raw}")`);
  }
  return days;
}
