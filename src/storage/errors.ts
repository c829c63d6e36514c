import { ScimError } from '../protocol/errors.js';

/** True when the database refused a write because of a unique index, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | undefined;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}

/** Maps a unique-index failure to the SCIM 409 that names the attribute. */
export function uniquenessError(error: unknown, resource: 'User' | 'Group'): ScimError | undefined {
  if (!isUniqueViolation(error)) return undefined;
  const attribute = resource === 'User' ? 'userName' : 'displayName';
  return new ScimError(409, 'uniqueness', `A ${resource} with this ${attribute} already exists in this directory`);
}

/** Serialization failures and deadlocks on PostgreSQL, busy SQLite: safe to run the transaction again. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY';
}

/** The database cannot be reached or is shutting down: the request fails fast with 503 and can be retried. */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_LOCKED'].includes(code)) return true;
  // 08xxx connection exceptions, 57P0x shutdowns, 57014 statement timeout, 53300 too many connections.
  if (/^(08|57P0)/.test(code) || code === '57014' || code === '53300') return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error/i.test(e?.message ?? '');
}
