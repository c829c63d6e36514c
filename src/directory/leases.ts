import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/database.js';

/** This process, as a lease holder. */
export const INSTANCE_ID: string = randomUUID();

/**
 * Claims the lease `name` for `ms` milliseconds when it is free or expired: one conditional upsert, the same on
 * SQLite and PostgreSQL, so of several instances exactly one wins. A crashed holder's lease simply expires.
 */
export async function claimLease(storage: Storage, name: string, ms: number, holder = INSTANCE_ID, now = new Date()): Promise<boolean> {
  const expires = new Date(now.getTime() + ms).toISOString();
  const result = await storage.db
    .insertInto('job_leases')
    .values({ name, holder, expires_at: expires })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ holder, expires_at: expires }).where('job_leases.expires_at', '<', now.toISOString()),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Gives a lease back early (a job that finished and wants the next run to start on time). */
export async function releaseLease(storage: Storage, name: string, holder = INSTANCE_ID): Promise<void> {
  await storage.db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}
