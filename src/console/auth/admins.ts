import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../directory/passwords.js';
import { fold, type Storage } from '../../storage/database.js';
import type { ConsoleAdminsTable } from '../../storage/console-tables.js';
import { isUniqueViolation } from '../../storage/errors.js';

// Administrator accounts of the console. Passwords are argon2id hashes; a new administrator receives a one-time
// setup link (valid SETUP_LINK_HOURS) to choose one, or the CLI sets it from stdin.

export type Admin = Omit<ConsoleAdminsTable, 'password_hash' | 'email_ci'>;

export const SETUP_LINK_HOURS = 72;
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;
const EMAIL = /^[^\s@<>"]{1,200}@[^\s@<>"]{1,200}$/;

export class AdminError extends Error {}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A hash to verify against when the email is unknown, so a wrong email takes as long as a wrong password. */
let decoy: Promise<string> | undefined;

export function checkPassword(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.trim() === '') return 'The password cannot be only spaces';
  return undefined;
}

export class Admins {
  constructor(private readonly storage: Storage) {}

  private get db() {
    return this.storage.db;
  }

  async create(email: string, password?: string): Promise<Admin> {
    const address = email.trim();
    if (!EMAIL.test(address)) throw new AdminError(`"${email}" is not an email address`);
    if (password !== undefined) {
      const problem = checkPassword(password);
      if (problem) throw new AdminError(`The password is too weak: ${problem.toLowerCase()}`);
    }
    const row: ConsoleAdminsTable = {
      id: randomUUID(),
      email: address,
      email_ci: fold(address),
      password_hash: password === undefined ? null : await hashPassword(password),
      created: new Date().toISOString(),
      last_login_at: null,
      disabled_at: null,
    };
    try {
      await this.db.insertInto('console_admins').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AdminError(`An administrator ${address} already exists`);
      throw error;
    }
    const { password_hash: _, email_ci: __, ...admin } = row;
    return admin;
  }

  list(): Promise<Admin[]> {
    return this.db
      .selectFrom('console_admins')
      .select(['id', 'email', 'created', 'last_login_at', 'disabled_at'])
      .orderBy('created')
      .execute();
  }

  find(id: string): Promise<Admin | undefined> {
    return this.db
      .selectFrom('console_admins')
      .select(['id', 'email', 'created', 'last_login_at', 'disabled_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  findByEmail(email: string): Promise<Admin | undefined> {
    return this.db
      .selectFrom('console_admins')
      .select(['id', 'email', 'created', 'last_login_at', 'disabled_at'])
      .where('email_ci', '=', fold(email.trim()))
      .executeTakeFirst();
  }

  /** A new one-time setup link secret for this administrator (earlier unused links stay valid until they expire). */
  async createSetupLink(adminId: string, now = new Date()): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('console_setup_links')
      .values({
        token_hash: sha256(secret),
        admin_id: adminId,
        created: now.toISOString(),
        expires_at: new Date(now.getTime() + SETUP_LINK_HOURS * 3_600_000).toISOString(),
        used_at: null,
      })
      .execute();
    return secret;
  }

  /** The administrator a setup link belongs to, while it is unused and not expired. */
  async findSetupLink(secret: string, now = new Date()): Promise<Admin | undefined> {
    if (secret.length > 200) return undefined;
    const link = await this.db
      .selectFrom('console_setup_links')
      .selectAll()
      .where('token_hash', '=', sha256(secret))
      .executeTakeFirst();
    if (!link || link.used_at || link.expires_at <= now.toISOString()) return undefined;
    const admin = await this.find(link.admin_id);
    return admin && !admin.disabled_at ? admin : undefined;
  }

  /** Sets the password through a setup link, which is then used up. Undefined when the link is no longer valid. */
  async completeSetup(secret: string, password: string): Promise<Admin | undefined> {
    const problem = checkPassword(password);
    if (problem) throw new AdminError(problem);
    const admin = await this.findSetupLink(secret);
    if (!admin) return undefined;
    const passwordHash = await hashPassword(password);
    const used = await this.db
      .updateTable('console_setup_links')
      .set({ used_at: new Date().toISOString() })
      .where('token_hash', '=', sha256(secret))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) === 0) return undefined; // used concurrently
    await this.db.updateTable('console_admins').set({ password_hash: passwordHash }).where('id', '=', admin.id).execute();
    return admin;
  }

  async setPassword(adminId: string, password: string): Promise<void> {
    const problem = checkPassword(password);
    if (problem) throw new AdminError(`The password is too weak: ${problem.toLowerCase()}`);
    await this.db.updateTable('console_admins').set({ password_hash: await hashPassword(password) }).where('id', '=', adminId).execute();
  }

  /** The administrator whose email and password these are; the same time is spent whether or not the email exists. */
  async verify(email: string, password: string): Promise<Admin | undefined> {
    if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH || email.length > 500) return undefined;
    const row = await this.db
      .selectFrom('console_admins')
      .selectAll()
      .where('email_ci', '=', fold(email.trim()))
      .executeTakeFirst();
    if (!row || !row.password_hash || row.disabled_at) {
      decoy ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(await decoy, password).catch(() => false);
      return undefined;
    }
    const ok = await verifyPassword(row.password_hash, password).catch(() => false);
    if (!ok) return undefined;
    await this.db.updateTable('console_admins').set({ last_login_at: new Date().toISOString() }).where('id', '=', row.id).execute();
    const { password_hash: _, email_ci: __, ...admin } = row;
    return admin;
  }
}
