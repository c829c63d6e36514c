import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DialectName } from '../database.js';

// The provisioning log's indexes by resource (issue 7). Reads of one user or group by id are most of a
// directory's traffic, and each row had gone into two indexes with random keys (its resource's id and name):
// two random pages a row, at a million users a fifth of a read's CPU time. Now a read by id is indexed by its id
// alone; the name index keeps every other row that names a resource (writes, lookups, failures), so a search by
// name still finds a deleted or renamed resource's changes, and finds the reads of whoever has the name now
// through the id (ProvisioningLog.query). Rows without a resource (lists, discovery) are in neither.
// Both indexes end with `id`, so one resource's rows come out of an index in the log's order (time, id).
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await sql`drop index provisioning_log_resource_id`.execute(db);
  await sql`drop index provisioning_log_resource_name`.execute(db);
  await sql`create index provisioning_log_resource_id on provisioning_log (directory_id, resource_id, time, id)
    where resource_id is not null`.execute(db);
  await sql`create index provisioning_log_resource_name on provisioning_log (directory_id, resource_name_ci, time, id)
    where ${NAMED_ROWS}`.execute(db);
}

/** The rows the name index holds; a query must repeat this condition word for word for SQLite to use it. */
export const NAMED_ROWS = sql.raw<SqlBool>(`resource_name_ci is not null and (resource_id is null or operation <> 'read')`);
