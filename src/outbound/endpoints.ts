import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Directory } from '../directory/tenants.js';
import { fold, type Storage } from '../storage/database.js';
import { isUniqueViolation } from '../storage/errors.js';
import type { OutboundEndpointsTable, OutboundLanesTable } from '../storage/outbound-tables.js';
import type { SecretBox } from './secrets.js';
import {
  OutboundError,
  type DeliveryView,
  type EndpointState,
  type FullSyncState,
  type LaneView,
  type TargetConfig,
  type TargetCredentials,
  type WebhookConfig,
} from './types.js';

// The rows behind targets and webhook endpoints, shared by both: lookup by id or name, sealed secrets, the
// delivery state (cursor, lanes, log) as views, retries and full-sync requests.

export type EndpointRow = OutboundEndpointsTable;
export type EndpointKind = EndpointRow['kind'];

/** A stored endpoint with its config parsed; the secret is opened only when asked for. */
export interface LoadedEndpoint<C = TargetConfig | WebhookConfig> {
  row: EndpointRow;
  config: C;
}

export const sealContext = (row: Pick<EndpointRow, 'directory_id' | 'id'>) => `outbound-endpoint:${row.directory_id}:${row.id}`;

export class EndpointStore {
  constructor(
    readonly storage: Storage,
    readonly secrets: SecretBox,
  ) {}

  private get db() {
    return this.storage.db;
  }

  /** By id, else by name (case-insensitive); a clear error when neither matches. */
  async require(directory: Directory, kind: EndpointKind, idOrName: string): Promise<EndpointRow> {
    const row = await this.find(directory, kind, idOrName);
    if (!row) throw new OutboundError(`No ${kind === 'scim' ? 'target' : 'webhook'} "${idOrName}" in directory ${directory.slug}`, 404);
    return row;
  }

  async find(directory: Directory, kind: EndpointKind, idOrName: string): Promise<EndpointRow | undefined> {
    const base = () => this.db.selectFrom('outbound_endpoints').selectAll().where('directory_id', '=', directory.id).where('kind', '=', kind);
    return (await base().where('id', '=', idOrName).executeTakeFirst()) ?? (await base().where('name_ci', '=', fold(idOrName)).executeTakeFirst());
  }

  list(directory: Directory, kind: EndpointKind): Promise<EndpointRow[]> {
    return this.db.selectFrom('outbound_endpoints').selectAll().where('directory_id', '=', directory.id).where('kind', '=', kind).orderBy('created').orderBy('name_ci').execute();
  }

  /** Every enabled endpoint of every directory: what the worker serves. */
  listEnabled(): Promise<EndpointRow[]> {
    return this.db.selectFrom('outbound_endpoints').selectAll().where('enabled', '=', 1).execute();
  }

  async reload(row: Pick<EndpointRow, 'directory_id' | 'id'>): Promise<EndpointRow | undefined> {
    return this.db.selectFrom('outbound_endpoints').selectAll().where('directory_id', '=', row.directory_id).where('id', '=', row.id).executeTakeFirst();
  }

  async nameTaken(directory: Directory, kind: EndpointKind, name: string, exceptId?: string): Promise<boolean> {
    let query = this.db.selectFrom('outbound_endpoints').select('id').where('directory_id', '=', directory.id).where('kind', '=', kind).where('name_ci', '=', fold(name));
    if (exceptId) query = query.where('id', '!=', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /** A name for a new or renamed endpoint: refused (409) when another of the kind has it. */
  async freeName(directory: Directory, kind: EndpointKind, name: string, exceptId?: string): Promise<string> {
    if (await this.nameTaken(directory, kind, name, exceptId)) throw nameConflict(kind, name);
    return name;
  }

  /**
   * Saves a new endpoint. Its delivery starts after the directory's latest change (what exists already goes with
   * a full sync, when `syncRequested`); `secret` is sealed to the row.
   */
  async insert(
    directory: Directory,
    kind: EndpointKind,
    fields: { name: string; url: string; config: TargetConfig | WebhookConfig; enabled: boolean; secret?: unknown; syncRequested?: boolean },
  ): Promise<EndpointRow> {
    const now = new Date().toISOString();
    const row: EndpointRow = {
      directory_id: directory.id,
      id: randomUUID(),
      kind,
      name: fields.name,
      name_ci: fold(fields.name),
      url: fields.url,
      config: JSON.stringify(fields.config),
      secret: null,
      enabled: fields.enabled ? 1 : 0,
      cursor_seq: await this.latestSeq(directory.id),
      failures: 0,
      retry_at: null,
      last_error: null,
      last_attempt_at: null,
      last_success_at: null,
      sync_requested_at: fields.syncRequested ? now : null,
      sync_state: fields.syncRequested ? JSON.stringify({ status: 'requested' } satisfies FullSyncState) : null,
      last_full_sync_at: null,
      created: now,
      updated: now,
    };
    if (fields.secret !== undefined) row.secret = this.seal(row, fields.secret);
    try {
      await this.db.insertInto('outbound_endpoints').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameConflict(kind, fields.name);
      throw error;
    }
    return row;
  }

  /** Writes changed settings of an endpoint (stamped `updated`). */
  async save(row: Pick<EndpointRow, 'directory_id' | 'id' | 'kind'>, changes: Partial<EndpointRow>): Promise<void> {
    try {
      await this.db
        .updateTable('outbound_endpoints')
        .set({ ...changes, updated: changes.updated ?? new Date().toISOString() })
        .where('directory_id', '=', row.directory_id)
        .where('id', '=', row.id)
        .execute();
    } catch (error) {
      if (isUniqueViolation(error) && changes.name) throw nameConflict(row.kind, changes.name);
      throw error;
    }
  }

  seal(row: Pick<EndpointRow, 'directory_id' | 'id'>, secret: unknown): string {
    return this.secrets.seal(JSON.stringify(secret), sealContext(row));
  }

  openCredentials(row: EndpointRow): TargetCredentials {
    if (!row.secret) return {};
    return JSON.parse(this.secrets.open(row.secret, sealContext(row))) as TargetCredentials;
  }

  openWebhookSecret(row: EndpointRow): string {
    if (!row.secret) throw new OutboundError(`Webhook ${row.name} has no signing secret`);
    return (JSON.parse(this.secrets.open(row.secret, sealContext(row))) as { secret: string }).secret;
  }

  async latestSeq(directoryId: string): Promise<number> {
    const row = await this.db.selectFrom('directory_counters').select('change_seq').where('directory_id', '=', directoryId).executeTakeFirst();
    return Number(row?.change_seq ?? 0);
  }

  /** Removes the endpoint with its links, lanes and log. */
  async remove(row: EndpointRow): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('outbound_links').where('directory_id', '=', row.directory_id).where('endpoint_id', '=', row.id).execute();
      await tx.deleteFrom('outbound_lanes').where('directory_id', '=', row.directory_id).where('endpoint_id', '=', row.id).execute();
      await tx.deleteFrom('outbound_deliveries').where('directory_id', '=', row.directory_id).where('endpoint_id', '=', row.id).execute();
      await tx.deleteFrom('outbound_endpoints').where('directory_id', '=', row.directory_id).where('id', '=', row.id).execute();
      await tx.deleteFrom('job_leases').where('name', '=', leaseName(row)).execute();
    });
  }

  async state(row: EndpointRow): Promise<EndpointState> {
    const latest = await this.latestSeq(row.directory_id);
    const counts = await this.db
      .selectFrom('outbound_lanes')
      .select(['state', sql<number>`count(*)`.as('n')])
      .where('directory_id', '=', row.directory_id)
      .where('endpoint_id', '=', row.id)
      .groupBy('state')
      .execute();
    const count = (state: string) => Number(counts.find((c) => c.state === state)?.n ?? 0);
    return {
      cursor: Number(row.cursor_seq),
      latestSeq: latest,
      backlog: Math.max(0, latest - Number(row.cursor_seq)),
      retrying: count('retrying'),
      failed: count('failed'),
      failures: Number(row.failures),
      retryAt: row.retry_at,
      lastError: row.last_error,
      lastAttemptAt: row.last_attempt_at,
      lastSuccessAt: row.last_success_at,
      fullSync: {
        requestedAt: row.sync_requested_at,
        lastAt: row.last_full_sync_at,
        state: row.sync_state ? (JSON.parse(row.sync_state) as FullSyncState) : null,
      },
    };
  }

  /** Resources whose changes wait: parked failures first, then those being retried. */
  async lanes(row: EndpointRow, options: { state?: 'retrying' | 'failed'; limit?: number } = {}): Promise<LaneView[]> {
    let query = this.db.selectFrom('outbound_lanes').selectAll().where('directory_id', '=', row.directory_id).where('endpoint_id', '=', row.id);
    if (options.state) query = query.where('state', '=', options.state);
    const rows = await query.orderBy('state').orderBy('first_failed_at').limit(Math.min(1000, options.limit ?? 100)).execute();
    return rows.map(laneView);
  }

  /** The delivery log, newest first; `before` is the id of the last entry of the previous page. */
  async deliveries(row: EndpointRow, options: { limit?: number; before?: string; outcome?: DeliveryView['outcome'] } = {}): Promise<DeliveryView[]> {
    let query = this.db.selectFrom('outbound_deliveries').selectAll().where('directory_id', '=', row.directory_id).where('endpoint_id', '=', row.id);
    if (options.before) query = query.where('id', '<', options.before);
    if (options.outcome) query = query.where('outcome', '=', options.outcome);
    const rows = await query.orderBy('id', 'desc').limit(Math.min(1000, Math.max(1, options.limit ?? 50))).execute();
    return rows.map((r) => ({
      id: r.id,
      time: r.time,
      seq: r.seq === null ? null : Number(r.seq),
      event: r.event,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      resourceName: r.resource_name,
      outcome: r.outcome,
      httpStatus: r.http_status === null ? null : Number(r.http_status),
      attempt: Number(r.attempt),
      durationMs: Number(r.duration_ms),
      message: r.message,
    }));
  }

  /**
   * Parked resources (all, or one) are tried again at once, and the endpoint's own backoff is lifted. Returns how
   * many resources will be retried.
   */
  async retry(row: EndpointRow, resourceId?: string): Promise<number> {
    const now = new Date().toISOString();
    let query = this.db
      .updateTable('outbound_lanes')
      .set({ state: 'retrying', attempts: 0, next_attempt_at: now, updated: now })
      .where('directory_id', '=', row.directory_id)
      .where('endpoint_id', '=', row.id);
    if (resourceId) query = query.where('resource_id', '=', resourceId);
    const result = await query.executeTakeFirst();
    await this.db.updateTable('outbound_endpoints').set({ retry_at: null, failures: 0, updated: now }).where('directory_id', '=', row.directory_id).where('id', '=', row.id).execute();
    return Number(result.numUpdatedRows);
  }

  /** Asks the worker (of whichever instance holds the endpoint) for a full sync. */
  async requestFullSync(row: EndpointRow, dryRun = false): Promise<void> {
    const now = new Date().toISOString();
    const state: FullSyncState = { status: 'requested', ...(dryRun ? { dryRun } : {}) };
    await this.db
      .updateTable('outbound_endpoints')
      .set({ sync_requested_at: now, sync_state: JSON.stringify(state), updated: now })
      .where('directory_id', '=', row.directory_id)
      .where('id', '=', row.id)
      .execute();
  }

  async setSyncState(row: EndpointRow, state: FullSyncState, finished = false): Promise<void> {
    const changes: Partial<EndpointRow> = { sync_state: JSON.stringify(state) };
    if (finished) {
      changes.sync_requested_at = null;
      // A failed run counts too: the schedule waits its interval instead of retrying at every poll.
      if (!state.dryRun) changes.last_full_sync_at = state.finishedAt ?? new Date().toISOString();
    }
    await this.db.updateTable('outbound_endpoints').set(changes).where('directory_id', '=', row.directory_id).where('id', '=', row.id).execute();
  }
}

/** What targets and webhooks share: listed, found and removed alike, each kind with its own view of a row. */
export abstract class EndpointCollection<V> {
  constructor(
    protected readonly store: EndpointStore,
    protected readonly kind: EndpointKind,
    protected readonly timeoutMs: number,
  ) {}

  protected get db() {
    return this.store.storage.db;
  }

  abstract view(directory: Directory, row: EndpointRow): Promise<V>;

  /** The part of a view that every kind has. */
  protected async commonView(row: EndpointRow) {
    return {
      id: row.id,
      directoryId: row.directory_id,
      name: row.name,
      url: row.url,
      enabled: row.enabled === 1,
      created: row.created,
      updated: row.updated,
      state: await this.store.state(row),
    };
  }

  async list(directory: Directory): Promise<V[]> {
    return Promise.all((await this.store.list(directory, this.kind)).map((row) => this.view(directory, row)));
  }

  async get(directory: Directory, idOrName: string): Promise<V> {
    return this.view(directory, await this.store.require(directory, this.kind, idOrName));
  }

  /** Removes it with its links, lanes and delivery log (nothing is deleted on the other side). */
  async remove(directory: Directory, idOrName: string): Promise<void> {
    await this.store.remove(await this.store.require(directory, this.kind, idOrName));
  }
}

export const leaseName = (row: Pick<EndpointRow, 'directory_id' | 'id'>) => `outbound:${row.directory_id}:${row.id}`;

const nameConflict = (kind: EndpointKind, name: string) => new OutboundError(`A ${kind === 'scim' ? 'target' : 'webhook'} named "${name}" already exists`, 409);

function laneView(r: OutboundLanesTable): LaneView {
  return {
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    resourceName: r.resource_name,
    state: r.state,
    attempts: Number(r.attempts),
    nextAttemptAt: r.state === 'retrying' ? r.next_attempt_at : null,
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    firstFailedAt: r.first_failed_at,
    nextSeq: Number(r.next_seq),
  };
}

/** `https://host/path` checked: http(s), no credentials in it (they would be stored in clear), no fragment. */
export function checkUrl(text: unknown, what: string): string {
  if (typeof text !== 'string' || text.trim() === '') throw new OutboundError(`${what} is required`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new OutboundError(`${what} "${text.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError(`${what} must start with https:// (or http://)`);
  if (url.username || url.password) throw new OutboundError(`${what} must not contain credentials; give them as the target's authentication`);
  if (url.hash) throw new OutboundError(`${what} must not contain a #fragment`);
  if (url.href.length > 2000) throw new OutboundError(`${what} is too long`);
  return url.href.replace(/\/+$/, '');
}

/** `90s`, `30m`, `24h`, `7d`, a number of milliseconds; `off`/null/undefined for none. */
export function parseInterval(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '' || value === 'off' || value === 'never') return undefined;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1000) throw new OutboundError('A sync interval must be at least 1000 ms');
    return value;
  }
  const match = /^(\d+)\s*(s|m|h|d|w)$/i.exec(value.trim());
  if (!match) throw new OutboundError(`"${value}" is not an interval: use 30m, 24h, 7d (or off)`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2].toLowerCase() as 's']!;
  const ms = Number(match[1]) * unit;
  if (ms < 1000 || ms > 365 * 86_400_000) throw new OutboundError('A sync interval must be between 1 second and a year');
  return ms;
}
