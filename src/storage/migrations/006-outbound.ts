import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Outbound SCIM targets, webhooks and their delivery state (issue 6). Every table is keyed by directory first.
// Delivery reads the change history (`changes`): each endpoint keeps a cursor over its `seq` and, for resources
// whose changes could not be delivered yet, a lane with their own retry state. Plain DDL: SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  // A SCIM target (kind 'scim') or a webhook endpoint (kind 'webhook'). `config` holds no secret; `secret` is the
  // sealed (AES-256-GCM) credentials or signing secret.
  await sql`create table outbound_endpoints (
    directory_id text not null,
    id text not null,
    kind text not null,
    name text not null,
    name_ci text not null,
    url text not null,
    config text not null,
    secret text,
    enabled integer not null,
    cursor_seq integer not null,
    failures integer not null,
    retry_at text,
    last_error text,
    last_attempt_at text,
    last_success_at text,
    sync_requested_at text,
    sync_state text,
    last_full_sync_at text,
    created text not null,
    updated text not null,
    primary key (directory_id, id)
  )`.execute(db);
  await sql`create unique index outbound_endpoints_name on outbound_endpoints (directory_id, kind, name_ci)`.execute(db);

  // The target's id of each resource Roster provisioned there (or found there and linked).
  await sql`create table outbound_links (
    directory_id text not null,
    endpoint_id text not null,
    resource_id text not null,
    resource_type text not null,
    remote_id text not null,
    detached integer not null,
    created text not null,
    primary key (directory_id, endpoint_id, resource_id)
  )`.execute(db);
  await sql`create index outbound_links_remote on outbound_links (directory_id, endpoint_id, remote_id)`.execute(db);

  // A resource whose changes wait: from next_seq on (up to the endpoint's cursor), retried with backoff
  // ('retrying') or parked until an operator retries it ('failed').
  await sql`create table outbound_lanes (
    directory_id text not null,
    endpoint_id text not null,
    resource_id text not null,
    resource_type text not null,
    resource_name text,
    next_seq integer not null,
    state text not null,
    attempts integer not null,
    next_attempt_at text not null,
    last_status integer,
    last_error text,
    first_failed_at text not null,
    updated text not null,
    primary key (directory_id, endpoint_id, resource_id)
  )`.execute(db);
  await sql`create index outbound_lanes_due on outbound_lanes (directory_id, endpoint_id, state, next_attempt_at)`.execute(db);

  // The delivery log: one row per attempt, purged after a retention.
  await sql`create table outbound_deliveries (
    directory_id text not null,
    endpoint_id text not null,
    id text not null,
    time text not null,
    seq integer,
    event text not null,
    resource_type text,
    resource_id text,
    resource_name text,
    outcome text not null,
    http_status integer,
    attempt integer not null,
    duration_ms integer not null,
    message text,
    primary key (directory_id, endpoint_id, id)
  )`.execute(db);
  await sql`create index outbound_deliveries_time on outbound_deliveries (directory_id, time)`.execute(db);
}
