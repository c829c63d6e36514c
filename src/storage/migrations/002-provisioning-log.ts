import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// The provisioning log: one row per SCIM request (issue 3). Filled in by the provisioning-log work.
export async function up(_db: Kysely<unknown>, _dialect: DialectName): Promise<void> {}
