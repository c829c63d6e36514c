import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Storage } from '../../storage/database.js';
import type { Admin } from './admins.js';

// Console sessions, stored in the database so that every instance knows them and a logout or an expiry is
// effective everywhere at once. The cookie carries a 256-bit random id; the database keeps its SHA-256. Each
// session has its own CSRF token, which every form posts back.

export const SESSION_IDLE_MINUTES = 8 * 60;
export const SESSION_MAX_HOURS = 7 * 24;
/** last_seen_at is written at most this often, so reading pages stays a read. */
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  idHash: string;
  admin: Admin;
  csrfToken: string;
  created: string;
  expiresAt: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export class Sessions {
  constructor(private readonly storage: Storage) {}

  private get db() {
    return this.storage.db;
  }

  /** Opens a session and returns the cookie value (the only place the id exists in clear). */
  async open(admin: Admin, context: { address?: string; userAgent?: string } = {}, now = new Date()): Promise<{ cookie: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const row = {
      id_hash: sha256(id),
      admin_id: admin.id,
      csrf_token: randomBytes(24).toString('base64url'),
      created: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SESSION_MAX_HOURS * 3_600_000).toISOString(),
      address: context.address?.slice(0, 100) ?? null,
      user_agent: context.userAgent?.slice(0, 300) ?? null,
    };
    await this.db.insertInto('console_sessions').values(row).execute();
    // Expired sessions are swept at each login: cheap, and no job is needed.
    await this.db.deleteFrom('console_sessions').where('expires_at', '<', now.toISOString()).execute();
    return { cookie: id, session: { idHash: row.id_hash, admin, csrfToken: row.csrf_token, created: row.created, expiresAt: row.expires_at } };
  }

  /** The live session of a cookie value, or undefined (unknown, expired, idle too long, administrator disabled). */
  async find(cookie: string | undefined, now = new Date()): Promise<Session | undefined> {
    if (!cookie || cookie.length > 100) return undefined;
    const idHash = sha256(cookie);
    const row = await this.db
      .selectFrom('console_sessions as s')
      .innerJoin('console_admins as a', 'a.id', 's.admin_id')
      .select([
        's.id_hash', 's.csrf_token', 's.created', 's.last_seen_at', 's.expires_at',
        'a.id', 'a.email', 'a.created as admin_created', 'a.last_login_at', 'a.disabled_at',
      ])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const idleSince = now.getTime() - Date.parse(row.last_seen_at);
    if (row.expires_at <= now.toISOString() || idleSince > SESSION_IDLE_MINUTES * 60_000 || row.disabled_at) {
      await this.close(cookie);
      return undefined;
    }
    if (idleSince > TOUCH_EVERY_MS) {
      await this.db.updateTable('console_sessions').set({ last_seen_at: now.toISOString() }).where('id_hash', '=', idHash).execute();
    }
    return {
      idHash,
      csrfToken: row.csrf_token,
      created: row.created,
      expiresAt: row.expires_at,
      admin: { id: row.id, email: row.email, created: row.admin_created, last_login_at: row.last_login_at, disabled_at: row.disabled_at },
    };
  }

  async close(cookie: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id_hash', '=', sha256(cookie)).execute();
  }

  /** Ends every session of an administrator (password change, account disabled). */
  async closeAll(adminId: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('admin_id', '=', adminId).execute();
  }
}

/** Constant-time comparison of a posted CSRF token with the session's. */
export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
