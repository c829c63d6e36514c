import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Change history, soft deletion and roles (issue 3).
export async function up(_db: Kysely<unknown>, _dialect: DialectName): Promise<void> {}
