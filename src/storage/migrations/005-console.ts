import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// The admin console (issue 5): administrators, their one-time setup links, their sessions and failed logins.
// Administrators are installation-wide (like `directories`), not scoped to one directory. Sessions live in the
// database so that any instance behind a load balancer can serve any page; only hashes of session ids and setup
// links are stored, so reading the database gives no way in. Plain DDL with text columns: SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await sql`create table console_admins (
    id text primary key,
    email text not null,
    email_ci text not null,
    password_hash text,
    created text not null,
    last_login_at text,
    disabled_at text
  )`.execute(db);
  await sql`create unique index console_admins_email on console_admins (email_ci)`.execute(db);

  await sql`create table console_setup_links (
    token_hash text primary key,
    admin_id text not null,
    created text not null,
    expires_at text not null,
    used_at text
  )`.execute(db);
  await sql`create index console_setup_links_admin on console_setup_links (admin_id)`.execute(db);

  await sql`create table console_sessions (
    id_hash text primary key,
    admin_id text not null,
    csrf_token text not null,
    created text not null,
    last_seen_at text not null,
    expires_at text not null,
    address text,
    user_agent text
  )`.execute(db);
  await sql`create index console_sessions_admin on console_sessions (admin_id)`.execute(db);
  await sql`create index console_sessions_expires on console_sessions (expires_at)`.execute(db);

  // One row per failed login, keyed by what is throttled (`email:<folded>` or `address:<ip>`).
  await sql`create table console_login_failures (
    key text not null,
    time text not null,
    id text not null,
    primary key (key, time, id)
  )`.execute(db);
  await sql`create index console_login_failures_time on console_login_failures (time)`.execute(db);
}
