import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Admin accounts and console sessions (issue 5). Filled in by the console work.
export async function up(_db: Kysely<unknown>, _dialect: DialectName): Promise<void> {}
