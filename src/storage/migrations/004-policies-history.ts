import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Change history, soft deletion and roles (issue 3).
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  // The history's sequence per directory: taken in the writing transaction, so it is gap-free and in commit order.
  await sql`create table directory_counters (
    directory_id text primary key,
    change_seq integer not null
  )`.execute(db);
  await sql`insert into directory_counters (directory_id, change_seq) select id, 0 from directories`.execute(db);

  await sql`create table changes (
    directory_id text not null,
    seq integer not null,
    time text not null,
    resource_type text not null,
    resource_id text not null,
    resource_name text,
    event text not null,
    actor_kind text not null,
    actor_id text,
    actor_label text,
    actor_client text,
    origin text,
    data text not null,
    primary key (directory_id, seq)
  )`.execute(db);
  await sql`create index changes_resource on changes (directory_id, resource_id, seq)`.execute(db);

  // Soft deletion: a deleted user keeps its row and memberships until purged, and frees its userName.
  await sql`alter table users add column deleted_at text`.execute(db);
  await sql`drop index users_user_name`.execute(db);
  await sql`create unique index users_user_name on users (directory_id, user_name_ci) where deleted_at is null`.execute(db);
  await sql`create index users_deleted on users (directory_id, deleted_at) where deleted_at is not null`.execute(db);

  // Roles: group mappings, attribute rules, and each user's effective roles with where each came from.
  await sql`create table role_mappings (
    directory_id text not null,
    group_id text not null,
    role text not null,
    primary key (directory_id, group_id, role)
  )`.execute(db);
  await sql`create table role_rules (
    directory_id text not null,
    id text not null,
    filter text not null,
    role text not null,
    created text not null,
    primary key (directory_id, id)
  )`.execute(db);
  await sql`create table user_roles (
    directory_id text not null,
    user_id text not null,
    role text not null,
    source text not null,
    primary key (directory_id, user_id, role, source)
  )`.execute(db);
  await sql`create index user_roles_role on user_roles (directory_id, role)`.execute(db);
}
