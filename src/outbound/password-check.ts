import { randomBytes } from 'node:crypto';
import type { Scope } from '../directory/context.js';
import { hashPassword, verifyPassword } from '../directory/passwords.js';
import type { Roster } from '../directory/roster.js';
import { parseRate } from '../operations/settings.js';
import { MemoryRateStore, type Rate, type RateStore } from '../operations/token-bucket.js';
import { fold } from '../storage/database.js';

// Password check for applications that sign people in with the password the IdP synced: yes (with the user) or
// no, for active users only. Every check runs exactly one argon2id verification, against a dummy hash when the
// user is missing, inactive or has no password, so the answer's timing does not tell whether a userName exists.
// Rate limited per user (guessing one person's password) and per token (one application's volume).

export interface PasswordCheckLimits {
  user: Rate | null;
  token: Rate | null;
}

export const defaultPasswordCheckLimits: PasswordCheckLimits = {
  user: { perSecond: 10 / 60, burst: 10 },
  token: { perSecond: 20, burst: 200 },
};

export class PasswordCheckError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export type PasswordCheckResult = { valid: true; user: Record<string, unknown> } | { valid: false };

const MAX_PASSWORD = 1024;
const MAX_USERNAME = 1024;

/** ROSTER_PASSWORD_CHECK_LIMIT_USER / _TOKEN in the rate syntax of the other limits (`10/min:10`, `off`). */
export function passwordCheckLimitsFrom(env: Record<string, string | undefined> = process.env): PasswordCheckLimits {
  const read = (name: string, fallback: Rate | null) => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const rate = parseRate(text);
    if (rate === undefined) throw new Error(`${name}: "${text}" is not a rate (use e.g. 10/min:10, or off)`);
    return rate;
  };
  return {
    user: read('ROSTER_PASSWORD_CHECK_LIMIT_USER', defaultPasswordCheckLimits.user),
    token: read('ROSTER_PASSWORD_CHECK_LIMIT_TOKEN', defaultPasswordCheckLimits.token),
  };
}

export class PasswordCheck {
  private dummy?: Promise<string>;

  constructor(
    private readonly roster: Roster,
    private readonly limits: PasswordCheckLimits = defaultPasswordCheckLimits,
    private readonly rates: RateStore = new MemoryRateStore(),
  ) {}

  /** Checks one userName and password for a token (by id). Throws PasswordCheckError for bad input and 429s. */
  async check(scope: Scope, tokenId: string, body: unknown): Promise<PasswordCheckResult> {
    const { userName, password } = readBody(body);
    // Made before the lookup (once), so that even the first check costs the same whether or not the user exists.
    const dummy = await this.dummyHash();
    const charges = [];
    if (this.limits.token) charges.push({ bucket: 'password-check-token', key: `${scope.directory.id}:${tokenId}`, rate: this.limits.token });
    if (this.limits.user) charges.push({ bucket: 'password-check-user', key: `${scope.directory.id}:${fold(userName)}`, rate: this.limits.user });
    const charged = this.rates.charge(charges);
    if (!charged.allowed) {
      const which = charged.bucket === 'password-check-user' ? 'for this user' : 'for this token';
      throw new PasswordCheckError(`Too many password checks ${which}; retry after ${charged.retryAfterSeconds} seconds`, 429, charged.retryAfterSeconds);
    }
    const row = await this.roster.storage.db
      .selectFrom('users')
      .select(['id', 'active', 'password_hash'])
      .where('directory_id', '=', scope.directory.id)
      .where('user_name_ci', '=', fold(userName))
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    const usable = row !== undefined && row.active === 1 && typeof row.password_hash === 'string' && row.password_hash.length > 0;
    const hash = usable ? row.password_hash! : dummy;
    let matches = false;
    try {
      matches = await verifyPassword(hash, password);
    } catch {
      matches = false;
    }
    if (!usable || !matches) return { valid: false };
    return { valid: true, user: await this.roster.users.get(scope, row.id, { groups: true, roles: true }) };
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= hashPassword(randomBytes(24).toString('base64')).catch((error: unknown) => {
      this.dummy = undefined;
      throw error;
    });
    return this.dummy;
  }
}

function readBody(body: unknown): { userName: string; password: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new PasswordCheckError('Send a JSON object {"userName": "...", "password": "..."}', 400);
  const entries = Object.entries(body as Record<string, unknown>);
  const userName = entries.find(([k]) => k.toLowerCase() === 'username')?.[1];
  const password = entries.find(([k]) => k.toLowerCase() === 'password')?.[1];
  if (typeof userName !== 'string' || userName.length === 0 || userName.length > MAX_USERNAME) {
    throw new PasswordCheckError(`userName is required: a string of 1 to ${MAX_USERNAME} characters`, 400);
  }
  if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD) {
    throw new PasswordCheckError(`password is required: a string of 1 to ${MAX_PASSWORD} characters`, 400);
  }
  return { userName, password };
}
