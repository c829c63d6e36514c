import type { Transaction } from 'kysely';
import type { ChangeRecord } from '../directory/history.js';
import type { Database } from '../storage/tables.js';
import { toRecord } from '../directory/history.js';
import type { Directory } from '../directory/tenants.js';
import type { Storage } from '../storage/database.js';
import { isUnavailable } from '../storage/errors.js';
import type { OutboundLanesTable } from '../storage/outbound-tables.js';
import { backoffDelay } from './backoff.js';
import type { Channel } from './channels.js';
import type { DeliveryEntry, DeliveryLog } from './delivery-log.js';
import type { EndpointRow, EndpointStore } from './endpoints.js';
import { DeliveryError } from './http-client.js';
import type { EndpointLease } from './lease.js';
import type { OutboundSettings } from './settings.js';

// One turn of delivery to one endpoint, under its lease. The change history is the outbox: the endpoint's cursor
// says how far it has been read. A change is delivered, or skipped, or, when it cannot be delivered, its resource
// gets a lane: that resource's changes (from the failed one on) wait there, in order, while other resources go on.
// A lane is retried with backoff after network errors, timeouts, 429 and 5xx, and parked ('failed') after any
// other refusal until an operator retries it. A transient failure also backs off the endpoint as a whole, so a
// target that is down gets one probe per backoff period, not one request per waiting change.
//
// Durability: the cursor moves only after a delivery succeeded, or together with the lane that keeps the change
// (one transaction). A crash re-delivers at most the run in flight; deliveries are idempotent (state-based).
// The cursor update is fenced on its previous value, so a holder that lost its lease stops at its next write.

export class LostLease extends Error {}

const PAGE = 200;
const LANE_PAGE = 100;
const DUE_LANES = 100;

export interface SessionOptions {
  settings: OutboundSettings;
  log: DeliveryLog;
  /** Stop starting new deliveries after this time (the worker's turn budget). */
  deadline: number;
  /** Asked between deliveries: true when the worker is stopping. */
  stopping: () => boolean;
  onError?: (error: unknown, message: string) => void;
}

type Attempt = ({ ok: true } | { ok: false; error: DeliveryError }) & { entry: DeliveryEntry };
type Tx = Transaction<Database>;

export class DeliverySession {
  private cursor: number;
  private delivered = 0;
  private recovered = false;

  constructor(
    private readonly store: EndpointStore,
    private readonly directory: Directory,
    private row: EndpointRow,
    private readonly channel: Channel,
    private readonly lease: EndpointLease,
    private readonly options: SessionOptions,
  ) {
    this.cursor = Number(row.cursor_seq);
  }

  private get db() {
    return this.store.storage.db;
  }

  private get where() {
    return { directory_id: this.row.directory_id, id: this.row.id };
  }

  private done(): boolean {
    return this.options.stopping() || Date.now() >= this.options.deadline;
  }

  /** Due lanes first (older changes), then the history after the cursor. */
  async run(): Promise<void> {
    try {
      if (await this.runLanes()) await this.runMain();
    } finally {
      if (this.delivered > 0) {
        await this.db
          .updateTable('outbound_endpoints')
          .set({ last_success_at: new Date().toISOString(), last_attempt_at: new Date().toISOString() })
          .where('directory_id', '=', this.where.directory_id)
          .where('id', '=', this.where.id)
          .execute()
          .catch(() => {});
      }
    }
  }

  // ---- the history after the cursor ----

  private async runMain(): Promise<void> {
    const laneIds = new Set(
      (await this.db.selectFrom('outbound_lanes').select('resource_id').where('directory_id', '=', this.row.directory_id).where('endpoint_id', '=', this.row.id).execute()).map(
        (r) => r.resource_id,
      ),
    );
    let saved = this.cursor;
    for (;;) {
      if (this.done()) break;
      const page = await this.readAfter(this.cursor, PAGE);
      if (page.length === 0) break;
      let i = 0;
      while (i < page.length) {
        if (this.done()) break;
        const change = page[i];
        if (laneIds.has(change.resourceId) || !this.channel.wants(change)) {
          this.cursor = change.seq;
          i++;
          continue;
        }
        const run = [change];
        while (i + run.length < page.length && this.channel.joins(run, page[i + run.length])) run.push(page[i + run.length]);
        const last = run[run.length - 1].seq;
        // Changes skipped before this run are recorded with it, so the fenced update below moves the cursor once.
        if (!(await this.lease.keep())) throw new LostLease('the lease was lost');
        const attempt = await this.attempt(run, 1);
        if (attempt.ok) {
          await this.db.transaction().execute(async (tx) => {
            await this.options.log.record(this.row, attempt.entry, tx);
            await this.moveCursor(saved, last, tx);
          });
          saved = this.cursor = last;
          i += run.length;
          continue;
        }
        await this.openLane(run[0], attempt.error, attempt.entry, saved, last);
        laneIds.add(change.resourceId);
        saved = this.cursor = last;
        i += run.length;
        if (attempt.error.retryable) {
          await this.endpointFailed(attempt.error);
          return;
        }
      }
      if (this.cursor !== saved) {
        await this.moveCursor(saved, this.cursor);
        saved = this.cursor;
      }
      if (page.length < PAGE) break;
    }
    if (this.cursor !== saved) await this.moveCursor(saved, this.cursor);
  }

  private async readAfter(seq: number, limit: number): Promise<ChangeRecord[]> {
    const rows = await this.db
      .selectFrom('changes')
      .selectAll()
      .where('directory_id', '=', this.row.directory_id)
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /** Moves the cursor from `from` to `to`; fails when someone else moved it (this holder lost the endpoint). */
  private async moveCursor(from: number, to: number, db: Tx | Storage['db'] = this.db): Promise<void> {
    const result = await db
      .updateTable('outbound_endpoints')
      .set({ cursor_seq: to })
      .where('directory_id', '=', this.where.directory_id)
      .where('id', '=', this.where.id)
      .where('cursor_seq', '=', from)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new LostLease('the cursor moved under this worker');
  }

  /** The resource's changes from `change` on wait in a lane; the cursor moves past the run in the same transaction. */
  private async openLane(change: ChangeRecord, error: DeliveryError, entry: DeliveryEntry, from: number, to: number): Promise<void> {
    const now = new Date();
    const lane: OutboundLanesTable = {
      directory_id: this.row.directory_id,
      endpoint_id: this.row.id,
      resource_id: change.resourceId,
      resource_type: change.resourceType,
      resource_name: change.resourceName,
      next_seq: change.seq,
      state: error.retryable ? 'retrying' : 'failed',
      attempts: 1,
      next_attempt_at: new Date(now.getTime() + this.laneDelay(1, error)).toISOString(),
      last_status: error.status ?? null,
      last_error: error.message.slice(0, 1000),
      first_failed_at: now.toISOString(),
      updated: now.toISOString(),
    };
    await this.db.transaction().execute(async (tx) => {
      await this.options.log.record(this.row, entry, tx);
      await tx.insertInto('outbound_lanes').values(lane).onConflict((oc) => oc.columns(['directory_id', 'endpoint_id', 'resource_id']).doNothing()).execute();
      const result = await tx
        .updateTable('outbound_endpoints')
        .set({ cursor_seq: to, ...(error.retryable ? {} : { last_error: error.message.slice(0, 1000) }) })
        .where('directory_id', '=', this.where.directory_id)
        .where('id', '=', this.where.id)
        .where('cursor_seq', '=', from)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new LostLease('the cursor moved under this worker');
    });
  }

  // ---- lanes ----

  /** Retries due lanes; false when the endpoint failed again (the turn ends). */
  private async runLanes(): Promise<boolean> {
    const due = await this.db
      .selectFrom('outbound_lanes')
      .selectAll()
      .where('directory_id', '=', this.row.directory_id)
      .where('endpoint_id', '=', this.row.id)
      .where('state', '=', 'retrying')
      .where('next_attempt_at', '<=', new Date().toISOString())
      .orderBy('next_attempt_at')
      .limit(DUE_LANES)
      .execute();
    for (const lane of due) {
      if (this.done()) return false;
      if (!(await this.runLane(lane))) return false;
    }
    return true;
  }

  private async runLane(lane: OutboundLanesTable): Promise<boolean> {
    let next = Number(lane.next_seq);
    const attempts = Number(lane.attempts);
    for (;;) {
      const changes = (
        await this.db
          .selectFrom('changes')
          .selectAll()
          .where('directory_id', '=', this.row.directory_id)
          .where('resource_id', '=', lane.resource_id)
          .where('seq', '>=', next)
          .where('seq', '<=', this.cursor)
          .orderBy('seq')
          .limit(LANE_PAGE)
          .execute()
      ).map(toRecord);
      if (changes.length === 0) {
        // Caught up with the cursor: the resource's later changes are the main history's again.
        await this.db.deleteFrom('outbound_lanes').where('directory_id', '=', lane.directory_id).where('endpoint_id', '=', lane.endpoint_id).where('resource_id', '=', lane.resource_id).execute();
        return true;
      }
      let i = 0;
      while (i < changes.length) {
        if (this.done()) {
          await this.updateLane(lane, { next_seq: next });
          return false;
        }
        const change = changes[i];
        if (!this.channel.wants(change)) {
          next = change.seq + 1;
          i++;
          continue;
        }
        const run = [change];
        while (i + run.length < changes.length && this.channel.joins(run, changes[i + run.length])) run.push(changes[i + run.length]);
        if (!(await this.lease.keep())) throw new LostLease('the lease was lost');
        const attempt = await this.attempt(run, attempts + 1);
        if (attempt.ok) {
          next = run[run.length - 1].seq + 1;
          await this.db.transaction().execute(async (tx) => {
            await this.options.log.record(this.row, attempt.entry, tx);
            await this.updateLane(lane, { next_seq: next }, tx);
          });
          i += run.length;
          continue;
        }
        const { error } = attempt;
        const now = new Date();
        await this.db.transaction().execute(async (tx) => {
          await this.options.log.record(this.row, attempt.entry, tx);
          await this.updateLane(
            lane,
            {
              next_seq: next,
              state: error.retryable ? 'retrying' : 'failed',
              attempts: attempts + 1,
              next_attempt_at: new Date(now.getTime() + this.laneDelay(attempts + 1, error)).toISOString(),
              last_status: error.status ?? null,
              last_error: error.message.slice(0, 1000),
            },
            tx,
          );
        });
        if (error.retryable) {
          await this.endpointFailed(error);
          return false;
        }
        await this.db.updateTable('outbound_endpoints').set({ last_error: error.message.slice(0, 1000) }).where('directory_id', '=', this.where.directory_id).where('id', '=', this.where.id).execute();
        return true;
      }
    }
  }

  private laneWhere(lane: OutboundLanesTable, db: Tx | Storage['db'] = this.db) {
    return db
      .updateTable('outbound_lanes')
      .set({ updated: new Date().toISOString() })
      .where('directory_id', '=', lane.directory_id)
      .where('endpoint_id', '=', lane.endpoint_id)
      .where('resource_id', '=', lane.resource_id);
  }

  private async updateLane(lane: OutboundLanesTable, changes: Partial<OutboundLanesTable>, db: Tx | Storage['db'] = this.db): Promise<void> {
    await this.laneWhere(lane, db).set(changes).execute();
  }

  private laneDelay(attempts: number, error: DeliveryError): number {
    const { backoffBaseMs, backoffMaxMs } = this.options.settings;
    return backoffDelay(attempts, backoffBaseMs, backoffMaxMs, error.retryAfterMs);
  }

  // ---- one delivery ----

  private async attempt(run: ChangeRecord[], attempt: number): Promise<Attempt> {
    const started = Date.now();
    const head = run[0];
    const entry = {
      seq: run[run.length - 1].seq,
      event: run.length > 1 ? `${head.event} ×${run.length}` : head.event,
      resourceType: head.resourceType,
      resourceId: head.resourceId,
      resourceName: head.resourceName,
      attempt,
    };
    try {
      const result = await this.channel.deliver(run);
      this.delivered++;
      if (!this.recovered && (Number(this.row.failures) > 0 || this.row.retry_at)) await this.endpointRecovered();
      return { ok: true, entry: { ...entry, outcome: result.outcome, httpStatus: this.channel.lastStatus() ?? null, durationMs: Date.now() - started, message: result.message } };
    } catch (raw) {
      const error = asDeliveryError(raw);
      if (!(raw instanceof DeliveryError)) this.options.onError?.(raw, `delivery to ${this.row.name} failed unexpectedly`);
      const outcome = error.retryable ? ('retrying' as const) : ('failed' as const);
      return { ok: false, error, entry: { ...entry, outcome, httpStatus: error.status ?? this.channel.lastStatus() ?? null, durationMs: Date.now() - started, message: error.message } };
    }
  }

  /** The endpoint as a whole waits: its failures count up and set its next try. */
  private async endpointFailed(error: DeliveryError): Promise<void> {
    const failures = Number(this.row.failures) + 1;
    const { backoffBaseMs, backoffMaxMs } = this.options.settings;
    const now = Date.now();
    const retryAt = new Date(now + backoffDelay(failures, backoffBaseMs, backoffMaxMs, error.retryAfterMs)).toISOString();
    const changes = { failures, retry_at: retryAt, last_error: error.message.slice(0, 1000), last_attempt_at: new Date(now).toISOString() };
    await this.db.updateTable('outbound_endpoints').set(changes).where('directory_id', '=', this.where.directory_id).where('id', '=', this.where.id).execute();
    this.row = { ...this.row, ...changes };
  }

  /** The first success after failures: the endpoint is healthy again, and lanes waiting on its outage go now. */
  private async endpointRecovered(): Promise<void> {
    this.recovered = true;
    const now = new Date().toISOString();
    await this.db.updateTable('outbound_endpoints').set({ failures: 0, retry_at: null, last_error: null }).where('directory_id', '=', this.where.directory_id).where('id', '=', this.where.id).execute();
    await this.db
      .updateTable('outbound_lanes')
      .set({ next_attempt_at: now })
      .where('directory_id', '=', this.row.directory_id)
      .where('endpoint_id', '=', this.row.id)
      .where('state', '=', 'retrying')
      .where('next_attempt_at', '>', now)
      .execute();
    this.row = { ...this.row, failures: 0, retry_at: null, last_error: null };
  }
}

/** Any failure as a DeliveryError: database outages are retried; anything unexpected is retried too, never lost. */
export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof LostLease) throw error;
  if (isUnavailable(error)) return new DeliveryError('the database is unavailable', true);
  const message = (error as Error)?.message ?? String(error);
  return new DeliveryError(`internal error: ${message}`, true);
}
