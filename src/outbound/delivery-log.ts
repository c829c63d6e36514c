import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Storage } from '../storage/database.js';
import type { Database } from '../storage/tables.js';
import type { OutboundDeliveriesTable } from '../storage/outbound-tables.js';

// The delivery log of each endpoint: one row per attempt, kept ROSTER_OUTBOUND_LOG_RETENTION_DAYS days. Messages
// are the target's own error text, clipped; no request body and no credential is ever written here.

export interface DeliveryEntry {
  seq?: number | null;
  event: string;
  resourceType?: string | null;
  resourceId?: string | null;
  resourceName?: string | null;
  outcome: OutboundDeliveriesTable['outcome'];
  httpStatus?: number | null;
  attempt: number;
  durationMs: number;
  message?: string | null;
}

let counter = 0;

/** Time-ordered ids: the log pages by id. */
function nextId(time: Date): string {
  counter = (counter + 1) % 1_679_616;
  return `${time.getTime().toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${randomBytes(3).toString('hex')}`;
}

export class DeliveryLog {
  constructor(private readonly storage: Storage) {}

  /** Writes one entry, inside the caller's transaction when given (with the cursor or lane it goes with). */
  async record(endpoint: { directory_id: string; id: string }, entry: DeliveryEntry, db: Kysely<Database> | Transaction<Database> = this.storage.db): Promise<void> {
    const time = new Date();
    await db
      .insertInto('outbound_deliveries')
      .values({
        directory_id: endpoint.directory_id,
        endpoint_id: endpoint.id,
        id: nextId(time),
        time: time.toISOString(),
        seq: entry.seq ?? null,
        event: entry.event.slice(0, 100),
        resource_type: entry.resourceType ?? null,
        resource_id: entry.resourceId ?? null,
        resource_name: entry.resourceName?.slice(0, 300) ?? null,
        outcome: entry.outcome,
        http_status: entry.httpStatus ?? null,
        attempt: entry.attempt,
        duration_ms: Math.max(0, Math.round(entry.durationMs)),
        message: entry.message ? entry.message.slice(0, 1000) : null,
      })
      .execute();
  }

  /** Deletes entries older than the retention, every directory. */
  async purge(retentionDays: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    const result = await this.storage.db.deleteFrom('outbound_deliveries').where('time', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
