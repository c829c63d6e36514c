import { randomUUID } from 'node:crypto';
import type { Roster } from '../directory/roster.js';
import type { Directory } from '../directory/tenants.js';
import { openChannel } from './channels.js';
import { DeliveryLog } from './delivery-log.js';
import { DeliverySession, LostLease } from './delivery-session.js';
import { leaseName, type EndpointRow, type EndpointStore } from './endpoints.js';
import type { FullSync } from './full-sync.js';
import { EndpointLease } from './lease.js';
import { claimLease } from '../directory/leases.js';
import type { OutboundSettings } from './settings.js';
import type { FullSyncState, TargetConfig } from './types.js';

// The delivery worker: every poll it looks at each enabled endpoint of every directory and, where there is work
// (changes after its cursor, a lane due, a full sync asked for or scheduled), takes the endpoint's lease and
// delivers for a bounded turn. Several instances may run it: the lease gives each endpoint to one at a time.
// Timers never keep the process alive; stop() finishes the turns in flight and gives the leases back.

export interface OutboundLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** How long one turn may deliver before the endpoint is given back (and other work gets its chance). */
const TURN_MS = 10_000;
const PURGE_EVERY_MS = 3_600_000;

export class DeliveryWorker {
  private timer?: NodeJS.Timeout;
  private readonly turns = new Map<string, Promise<void>>();
  private stopping = false;
  private lastPurge = 0;
  /** This worker as a lease holder (one per worker, so two workers in one process never share an endpoint). */
  readonly holder = randomUUID();

  constructor(
    private readonly roster: Roster,
    private readonly store: EndpointStore,
    private readonly settings: OutboundSettings,
    private readonly fullSync: FullSync,
    private readonly logger?: OutboundLogger,
  ) {}

  start(): this {
    this.stopping = false;
    const loop = () => {
      if (this.stopping) return;
      void this.poll()
        .catch((error) => this.logger?.error({ err: error }, 'outbound: the delivery worker could not poll; it tries again'))
        .finally(() => {
          if (this.stopping) return;
          this.timer = setTimeout(loop, this.settings.pollMs);
          this.timer.unref();
        });
    };
    loop();
    return this;
  }

  /** Stops polling, lets the turns in flight end (they stop between deliveries) and releases their leases. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.turns.values()]);
  }

  /** One poll, waiting for the turns it started (tests). */
  async runOnce(): Promise<void> {
    await this.poll();
    await Promise.allSettled([...this.turns.values()]);
  }

  private async poll(): Promise<void> {
    const endpoints = await this.store.listEnabled();
    for (const row of endpoints) {
      if (this.stopping) return;
      if (this.turns.has(row.id) || this.turns.size >= this.settings.concurrency) continue;
      if (!(await this.hasWork(row))) continue;
      const turn = this.turn(row).finally(() => this.turns.delete(row.id));
      this.turns.set(row.id, turn);
    }
    await this.purgeLog();
  }

  private async hasWork(row: EndpointRow): Promise<boolean> {
    if (fullSyncDue(row)) return true;
    if (row.retry_at && Date.parse(row.retry_at) > Date.now()) return false;
    if ((await this.store.latestSeq(row.directory_id)) > Number(row.cursor_seq)) return true;
    const due = await this.store.storage.db
      .selectFrom('outbound_lanes')
      .select('resource_id')
      .where('directory_id', '=', row.directory_id)
      .where('endpoint_id', '=', row.id)
      .where('state', '=', 'retrying')
      .where('next_attempt_at', '<=', new Date().toISOString())
      .limit(1)
      .executeTakeFirst();
    return due !== undefined;
  }

  private async turn(candidate: EndpointRow): Promise<void> {
    const lease = new EndpointLease(this.store.storage, leaseName(candidate), this.settings.leaseMs, this.holder);
    try {
      if (!(await lease.acquire())) return;
    } catch (error) {
      this.logger?.error({ err: error, endpoint: candidate.id }, 'outbound: could not take an endpoint lease');
      return;
    }
    try {
      const row = await this.store.reload(candidate);
      if (!row || row.enabled !== 1) return;
      const directory = await this.directoryOf(row.directory_id);
      if (!directory) return;
      if (fullSyncDue(row)) {
        const state = row.sync_state ? (JSON.parse(row.sync_state) as FullSyncState) : undefined;
        const dryRun = state?.status === 'requested' && state.dryRun === true;
        this.logger?.info({ directory: directory.slug, target: row.name, dryRun }, 'outbound: full sync started');
        const report = await this.fullSync.runRecorded(directory, row, { dryRun, lease });
        this.logger?.info({ directory: directory.slug, target: row.name, ...(report ? { errors: report.errors.length } : { failed: true }) }, 'outbound: full sync finished');
        return;
      }
      if (row.retry_at && Date.parse(row.retry_at) > Date.now()) return;
      const session = new DeliverySession(this.store, directory, row, openChannel(this.roster, this.store, this.settings, directory, row), lease, {
        settings: this.settings,
        log: new DeliveryLog(this.store.storage),
        deadline: Date.now() + TURN_MS,
        stopping: () => this.stopping,
        onError: (error, message) => this.logger?.error({ err: error, directory: directory.slug, endpoint: row.name }, `outbound: ${message}`),
      });
      await session.run();
    } catch (error) {
      if (error instanceof LostLease) {
        this.logger?.warn({ endpoint: candidate.name }, 'outbound: another instance took over an endpoint; this one stopped delivering to it');
      } else {
        this.logger?.error({ err: error, endpoint: candidate.name }, 'outbound: a delivery turn failed; it runs again at the next poll');
        await this.store.storage.db
          .updateTable('outbound_endpoints')
          .set({ last_error: `Roster could not deliver: ${(error as Error)?.message ?? error}`.slice(0, 1000) })
          .where('directory_id', '=', candidate.directory_id)
          .where('id', '=', candidate.id)
          .execute()
          .catch(() => {});
      }
    } finally {
      await lease.release().catch(() => {});
    }
  }

  private directoryOf(id: string): Promise<Directory | undefined> {
    return this.store.storage.db.selectFrom('directories').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async purgeLog(): Promise<void> {
    if (Date.now() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = Date.now();
    try {
      if (await claimLease(this.store.storage, 'outbound-log-purge', PURGE_EVERY_MS * 0.9, this.holder)) {
        await new DeliveryLog(this.store.storage).purge(this.settings.logRetentionDays);
      }
    } catch (error) {
      this.logger?.warn({ err: error }, 'outbound: the delivery log purge failed; it runs again later');
    }
  }
}

/** A full sync was asked for (console, API), or the target's schedule says it is time. */
export function fullSyncDue(row: EndpointRow, now = Date.now()): boolean {
  if (row.kind !== 'scim') return false;
  if (row.sync_requested_at) return true;
  const every = (JSON.parse(row.config) as TargetConfig).syncEveryMs;
  if (!every) return false;
  return Date.parse(row.last_full_sync_at ?? row.created) + every <= now;
}
