import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// The provisioning log: one row per SCIM request (issue 3). Keyed by directory first like every other table;
// the indexes serve the filters of `roster log` (newest first within a directory) and the retention purge.
// Plain DDL with text and integer types only, so the same text runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await sql`create table provisioning_log (
    directory_id text not null,
    time text not null,
    id text not null,
    request_id text,
    token_id text,
    token_label text,
    client text,
    user_agent text,
    method text not null,
    path text not null,
    operation text not null,
    resource_type text,
    resource_id text,
    resource_name text,
    resource_name_ci text,
    summary text not null,
    status integer not null,
    duration_ms integer not null,
    error_type text,
    error_detail text,
    primary key (directory_id, time, id)
  )`.execute(db);
  await sql`create index provisioning_log_status on provisioning_log (directory_id, status, time)`.execute(db);
  await sql`create index provisioning_log_operation on provisioning_log (directory_id, operation, time)`.execute(db);
  await sql`create index provisioning_log_client on provisioning_log (directory_id, client, time)`.execute(db);
  await sql`create index provisioning_log_resource_id on provisioning_log (directory_id, resource_id, time)`.execute(db);
  await sql`create index provisioning_log_resource_name on provisioning_log (directory_id, resource_name_ci, time)`.execute(db);
}
