import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// The provisioning log's indexes by resource (issue 7). The name index keeps only rows that name a resource
// without its id (a create that failed, a lookup that found nothing): rows with an id are found through the id
// index, and a name given to a search stands for the ids that carry it (ProvisioningLog.query). A row with both
// had cost two random index pages, and at a million users the log's writes were a fifth of a read's CPU time.
// Rows without a resource (lists, discovery) are in neither.
// Both indexes end with `id`, so one resource's rows come out of the index in the log's order (time, id) and
// SQLite reads them there instead of walking the whole log in time order.
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await sql`drop index provisioning_log_resource_id`.execute(db);
  await sql`drop index provisioning_log_resource_name`.execute(db);
  await sql`create index provisioning_log_resource_id on provisioning_log (directory_id, resource_id, time, id)
    where resource_id is not null`.execute(db);
  await sql`create index provisioning_log_resource_name on provisioning_log (directory_id, resource_name_ci, time, id)
    where resource_id is null and resource_name_ci is not null`.execute(db);
}
