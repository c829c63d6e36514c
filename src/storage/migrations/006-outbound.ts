import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Outbound SCIM targets, webhooks, their delivery state (issue 6). Filled in by the outbound work.
export async function up(_db: Kysely<unknown>, _dialect: DialectName): Promise<void> {}
