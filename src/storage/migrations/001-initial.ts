import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// The first schema. Written as plain DDL per dialect where they differ (the creation-order column);
// everything else is the same text on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const seq = dialect === 'sqlite' ? sql`seq integer primary key autoincrement` : sql`seq bigint generated always as identity`;
  const keyed = (name: string) => (dialect === 'sqlite' ? sql`` : sql.raw(`, primary key (directory_id, ${name})`));

  await sql`create table directories (
    id text primary key,
    slug text not null unique,
    name text not null,
    created text not null,
    settings text not null default '{}'
  )`.execute(db);

  await sql`create table tokens (
    directory_id text not null references directories(id),
    id text not null,
    label text not null,
    scope text not null,
    hash text not null,
    created text not null,
    last_used_at text,
    revoked_at text,
    primary key (directory_id, id)
  )`.execute(db);
  await sql`create unique index tokens_hash on tokens (directory_id, hash)`.execute(db);

  await sql`create table users (
    ${seq},
    directory_id text not null,
    id text not null,
    user_name text not null,
    user_name_ci text not null,
    external_id text,
    display_name text,
    active integer not null,
    created text not null,
    last_modified text not null,
    version integer not null,
    doc text not null,
    password_hash text
    ${keyed('id')}
  )`.execute(db);
  if (dialect === 'sqlite') await sql`create unique index users_id on users (directory_id, id)`.execute(db);
  else await sql`create unique index users_seq on users (directory_id, seq)`.execute(db);
  await sql`create unique index users_user_name on users (directory_id, user_name_ci)`.execute(db);
  await sql`create index users_external_id on users (directory_id, external_id)`.execute(db);

  await sql`create table user_emails (
    directory_id text not null,
    user_id text not null,
    position integer not null,
    value text,
    value_ci text,
    display text,
    type text,
    "primary" integer not null,
    primary key (directory_id, user_id, position)
  )`.execute(db);
  await sql`create index user_emails_value on user_emails (directory_id, value_ci)`.execute(db);

  await sql`create table groups (
    ${seq},
    directory_id text not null,
    id text not null,
    display_name text not null,
    display_name_ci text not null,
    external_id text,
    created text not null,
    last_modified text not null,
    version integer not null,
    doc text not null
    ${keyed('id')}
  )`.execute(db);
  if (dialect === 'sqlite') await sql`create unique index groups_id on groups (directory_id, id)`.execute(db);
  else await sql`create unique index groups_seq on groups (directory_id, seq)`.execute(db);
  await sql`create unique index groups_display_name on groups (directory_id, display_name_ci)`.execute(db);
  await sql`create index groups_external_id on groups (directory_id, external_id)`.execute(db);

  await sql`create table memberships (
    directory_id text not null,
    group_id text not null,
    member_id text not null,
    member_type text not null,
    primary key (directory_id, group_id, member_id)
  )`.execute(db);
  await sql`create index memberships_member on memberships (directory_id, member_id)`.execute(db);
}
