import { randomBytes } from 'node:crypto';
import { fold, type Storage } from '../../storage/database.js';

// Failed logins are counted in the database, per email and per client address, over a sliding window, so the
// limit holds across instances. Beyond a limit, logins for that email (or from that address) are refused until
// the oldest failure in the window ages out. A success does not reset the count: a guesser who also knows a
// valid password elsewhere gains nothing.

export const WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

export interface ThrottleVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export class LoginThrottle {
  constructor(
    private readonly storage: Storage,
    private readonly limits = { perEmail: MAX_FAILURES_PER_EMAIL, perAddress: MAX_FAILURES_PER_ADDRESS, windowMinutes: WINDOW_MINUTES },
  ) {}

  private keys(email: string, address: string) {
    return [
      { key: `email:${fold(email.trim()).slice(0, 300)}`, max: this.limits.perEmail },
      { key: `address:${address.slice(0, 100)}`, max: this.limits.perAddress },
    ];
  }

  async check(email: string, address: string, now = new Date()): Promise<ThrottleVerdict> {
    const windowStart = new Date(now.getTime() - this.limits.windowMinutes * 60_000).toISOString();
    let retry = 0;
    for (const { key, max } of this.keys(email, address)) {
      const rows = await this.storage.db
        .selectFrom('console_login_failures')
        .select('time')
        .where('key', '=', key)
        .where('time', '>=', windowStart)
        .orderBy('time', 'desc')
        .limit(max)
        .execute();
      if (rows.length >= max) {
        const oldest = Date.parse(rows[rows.length - 1].time);
        retry = Math.max(retry, Math.ceil((oldest + this.limits.windowMinutes * 60_000 - now.getTime()) / 1000));
      }
    }
    return { allowed: retry === 0, retryAfterSeconds: Math.max(retry, 0) };
  }

  async fail(email: string, address: string, now = new Date()): Promise<void> {
    const time = now.toISOString();
    await this.storage.db
      .insertInto('console_login_failures')
      .values(this.keys(email, address).map(({ key }) => ({ key, time, id: randomBytes(8).toString('hex') })))
      .execute();
    // Old rows are swept here, so the table holds about one window of failures.
    const horizon = new Date(now.getTime() - 2 * this.limits.windowMinutes * 60_000).toISOString();
    await this.storage.db.deleteFrom('console_login_failures').where('time', '<', horizon).execute();
  }
}
