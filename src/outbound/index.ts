import type { Roster } from '../directory/roster.js';
import type { Directory } from '../directory/tenants.js';
import { ChangeFeed } from './change-feed.js';
import { EndpointStore, type EndpointKind } from './endpoints.js';
import { FullSync, type SyncProgress, type SyncReport } from './full-sync.js';
import { acquireWaiting, EndpointLease } from './lease.js';
import { leaseName } from './endpoints.js';
import { SecretBox } from './secrets.js';
import { defaultOutboundSettings, type OutboundSettings } from './settings.js';
import { Targets } from './targets.js';
import { OutboundError, type DeliveryView, type LaneView } from './types.js';
import { Webhooks } from './webhooks.js';
import { DeliveryWorker, type OutboundLogger } from './worker.js';

// Outbound sync and webhooks: the one object the shells (HTTP, CLI, console) use. Targets and webhook endpoints
// are managed per directory; the worker delivers the change history to them; full sync compares a whole target.

export interface OutboundOptions {
  settings?: OutboundSettings;
  /** Where target credentials and webhook secrets are sealed; by default keyed from the environment. */
  secrets?: SecretBox;
  /** The database URL, so a generated key file goes next to a SQLite database. */
  databaseUrl?: string;
  logger?: OutboundLogger;
}

export class Outbound {
  readonly settings: OutboundSettings;
  readonly store: EndpointStore;
  readonly targets: Targets;
  readonly webhooks: Webhooks;
  readonly feed: ChangeFeed;
  readonly fullSync: FullSync;

  constructor(
    readonly roster: Roster,
    private readonly options: OutboundOptions = {},
  ) {
    this.settings = options.settings ?? defaultOutboundSettings;
    const secrets =
      options.secrets ??
      new SecretBox({
        databaseUrl: options.databaseUrl,
        onGenerated: (file) => options.logger?.warn({ file }, `outbound: generated the secret key file ${file} (mode 0600); back it up with the database: sealed target credentials and webhook secrets need it`),
      });
    this.store = new EndpointStore(roster.storage, secrets);
    this.targets = new Targets(this.store, this.settings.requestTimeoutMs);
    this.webhooks = new Webhooks(this.store, this.settings.requestTimeoutMs);
    this.feed = new ChangeFeed(roster.storage);
    this.fullSync = new FullSync(roster, this.store, this.settings);
  }

  /** A delivery worker for this process (start() it; stop() it on shutdown). */
  worker(): DeliveryWorker {
    return new DeliveryWorker(this.roster, this.store, this.settings, this.fullSync, this.options.logger);
  }

  /** Resources whose changes wait for a target or webhook (kind 'scim' or 'webhook'). */
  async lanes(directory: Directory, kind: EndpointKind, idOrName: string, options?: { state?: 'retrying' | 'failed'; limit?: number }): Promise<LaneView[]> {
    return this.store.lanes(await this.store.require(directory, kind, idOrName), options);
  }

  /** The delivery log of a target or webhook, newest first. */
  async deliveries(directory: Directory, kind: EndpointKind, idOrName: string, options?: { limit?: number; before?: string; outcome?: DeliveryView['outcome'] }): Promise<DeliveryView[]> {
    return this.store.deliveries(await this.store.require(directory, kind, idOrName), options);
  }

  /** Parked (and waiting) resources are retried at once; one resource when `resourceId` is given. */
  async retry(directory: Directory, kind: EndpointKind, idOrName: string, resourceId?: string): Promise<number> {
    return this.store.retry(await this.store.require(directory, kind, idOrName), resourceId);
  }

  /** Asks the worker of whichever instance serves the target for a full sync (the console button); see `state.fullSync`. */
  async requestFullSync(directory: Directory, idOrName: string, options: { dryRun?: boolean } = {}): Promise<void> {
    await this.store.requestFullSync(await this.store.require(directory, 'scim', idOrName), options.dryRun);
  }

  /**
   * Runs a full sync in this process now (the CLI): waits up to `waitMs` for the target to be free of deliveries,
   * holds it meanwhile, and records the result on the target like a worker's run.
   */
  async runFullSync(directory: Directory, idOrName: string, options: { dryRun?: boolean; waitMs?: number; onProgress?: (p: SyncProgress) => void } = {}): Promise<SyncReport> {
    const row = await this.store.require(directory, 'scim', idOrName);
    const lease = new EndpointLease(this.roster.storage, leaseName(row), this.settings.leaseMs);
    if (!(await acquireWaiting(lease, options.waitMs ?? 60_000))) {
      throw new OutboundError(`Target ${row.name} is busy delivering on another instance; try again in a minute`, 409);
    }
    try {
      const report = await this.fullSync.runRecorded(directory, row, { dryRun: options.dryRun, lease, onProgress: options.onProgress ?? (() => {}) });
      return report!;
    } finally {
      await lease.release().catch(() => {});
    }
  }
}

export { OutboundError } from './types.js';
export type * from './types.js';
export type { SyncReport, SyncProgress, SyncAction } from './full-sync.js';
export type { ChangeView } from './change-view.js';
export { SecretBox, SecretKeyError } from './secrets.js';
export { readOutboundSettings, defaultOutboundSettings, type OutboundSettings } from './settings.js';
