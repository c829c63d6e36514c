import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Leases for background jobs that must run on one instance at a time (retention purges). Infrastructure, not
// directory data: one small table, read by name.
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await sql`create table job_leases (
    name text primary key,
    holder text not null,
    expires_at text not null
  )`.execute(db);
}
