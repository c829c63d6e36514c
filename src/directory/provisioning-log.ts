import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { fold, type Storage } from '../storage/database.js';
import type { ProvisioningLogTable } from '../storage/log-tables.js';
import { NAMED_ROWS } from '../storage/migrations/008-log-names.js';
import { preparedInsert } from '../storage/prepared.js';
import type { Database } from '../storage/tables.js';
import { decodeCursor, encodeCursor, type StatusRange } from './log-query.js';

// The provisioning log: one row per SCIM request. Recording is synchronous and cheap (a push onto an in-memory
// buffer); rows are written in batches in the background, every `flushIntervalMs` or as soon as `batchSize` rows
// wait, and once more when the server closes. A failed write is reported to the server's log and the batch is
// dropped: the request it records has long been answered, and must never wait for, or fail because of, its record.

export type LogResourceType = 'User' | 'Group';

/** What the HTTP shell hands over for one request. */
export interface LogDraft {
  directoryId: string;
  /** When the request arrived. */
  time: Date;
  requestId?: string;
  tokenId?: string;
  tokenLabel?: string;
  client?: string;
  userAgent?: string;
  method: string;
  path: string;
  operation: string;
  resourceType?: LogResourceType;
  resourceId?: string;
  resourceName?: string;
  /** The summary, or a function that writes it once the resource's name is known (looked up at write time). */
  summary: string | ((name: string | undefined) => string);
  status: number;
  durationMs: number;
  errorType?: string;
  errorDetail?: string;
}

/** One recorded request, as queries return it. */
export interface LogEntry {
  id: string;
  time: string;
  directoryId: string;
  requestId: string | null;
  tokenId: string | null;
  tokenLabel: string | null;
  client: string | null;
  userAgent: string | null;
  method: string;
  path: string;
  operation: string;
  resourceType: string | null;
  resourceId: string | null;
  resourceName: string | null;
  summary: string;
  status: number;
  durationMs: number;
  errorType: string | null;
  errorDetail: string | null;
}

export interface LogQuery {
  /** A user's id or userName (case-insensitive). */
  user?: string;
  /** A group's id or displayName (case-insensitive). */
  group?: string;
  operation?: string;
  status?: StatusRange;
  /** A client name (`okta`), or `unknown` for requests no client was recognised in. */
  client?: string;
  since?: Date;
  until?: Date;
  /** Page size, 1 to 1000 (default 50). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  before?: string;
}

export interface LogPage {
  entries: LogEntry[];
  /** Present when older entries remain: pass it as `before` for the next page. */
  next?: string;
}

/** Where failures go: the server's pino logger, or nothing. */
export interface LogSink {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface ProvisioningLogOptions {
  flushIntervalMs?: number;
  batchSize?: number;
  /** Rows kept waiting at most; beyond that new rows are dropped (and counted) rather than grow memory. */
  maxBuffered?: number;
  retentionDays?: number;
  purgeIntervalMs?: number;
  logger?: LogSink;
  /** Names of recently seen resources, so "delete user jane@x" reads well after the user is gone. */
  nameCacheSize?: number;
}

const DEFAULTS = {
  flushIntervalMs: 250,
  batchSize: 200,
  maxBuffered: 20_000,
  retentionDays: 30,
  purgeIntervalMs: 3_600_000,
  nameCacheSize: 5_000,
};
const PURGE_CHUNK = 5_000;
/**
 * Rows one commit of writes carries (ride): at least 8, so that a commit of one write does not pay a statement
 * for one row (fewer wait for a later commit or the timer), and at most 32, one prepared insert.
 */
const RIDE_MIN_ROWS = 8;
const RIDE_ROWS = 32;
const MAX_SUMMARY = 500;
const MAX_DETAIL = 1_000;
const MAX_PATH = 2_000;

type Row = ProvisioningLogTable;
type Db = Kysely<Database> | Transaction<Database>;

const COLUMNS = [
  'directory_id', 'time', 'id', 'request_id', 'token_id', 'token_label', 'client', 'user_agent', 'method', 'path',
  'operation', 'resource_type', 'resource_id', 'resource_name', 'resource_name_ci', 'summary', 'status',
  'duration_ms', 'error_type', 'error_detail',
] as const satisfies readonly (keyof Row)[];

/** Inserts of up to 32 rows, each size built and compiled once (storage/prepared.ts). */
const insertLogRows = preparedInsert('provisioning_log', COLUMNS, 32);

export class ProvisioningLog {
  private readonly options: typeof DEFAULTS & { logger?: LogSink };
  private buffer: LogDraft[] = [];
  private chain: Promise<void> = Promise.resolve();
  private draining = false;
  private timers: NodeJS.Timeout[] = [];
  private stopRiding?: () => void;
  private readonly names = new Map<string, string>();
  private dropped = 0;
  private lastDropWarning = 0;
  private sequence = 0;
  /** Random per log writer: time and sequence order the rows of one instance, this tells instances apart. */
  private readonly instance = randomBytes(4).toString('hex');
  private closed = false;
  /** Counters for tests and metrics. */
  readonly stats = { recorded: 0, written: 0, dropped: 0, failedBatches: 0, purged: 0 };

  constructor(
    private readonly storage: Storage,
    options: ProvisioningLogOptions = {},
  ) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULTS, ...given } as typeof DEFAULTS & { logger?: LogSink };
  }

  /** Starts the periodic flush and purge. Timers never keep the process alive. */
  start(): this {
    if (this.timers.length > 0 || this.closed) return this;
    this.stopRiding = this.storage.alongCommits?.({
      // Enough rows that one multi-row insert carries them; fewer wait for the next commit or the timer.
      ready: () => this.buffer.length >= RIDE_MIN_ROWS && !this.draining,
      write: (tx) => this.ride(tx),
    });
    const flush = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    const purge = setInterval(() => void this.purgeQuietly(), this.options.purgeIntervalMs);
    const firstPurge = setTimeout(() => void this.purgeQuietly(), Math.min(60_000, this.options.purgeIntervalMs));
    for (const timer of [flush, purge, firstPurge]) timer.unref();
    this.timers = [flush, purge, firstPurge];
    return this;
  }

  /** Queues one row. Never throws and never waits. */
  record(draft: LogDraft): void {
    if (this.closed) return;
    if (this.buffer.length >= this.options.maxBuffered) {
      this.dropped++;
      this.stats.dropped++;
      this.warnDropped();
      return;
    }
    this.buffer.push(draft);
    this.stats.recorded++;
    if (draft.resourceType && draft.resourceId && draft.resourceName) {
      this.rememberName(draft.directoryId, draft.resourceType, draft.resourceId, draft.resourceName);
    }
    if (this.buffer.length >= this.options.batchSize && !this.draining) void this.flush();
  }

  /** Writes every queued row; resolves when done (failures are logged, never thrown). */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.drain());
    return this.chain;
  }

  /** Stops the timers and writes what is queued. Rows recorded afterwards are ignored. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.stopRiding?.();
    this.stopRiding = undefined;
    await this.flush();
    this.closed = true;
    if (this.buffer.length > 0) await this.flush();
  }

  /** Remembers a resource's name for summaries written later (bounded, oldest forgotten first). */
  rememberName(directoryId: string, type: LogResourceType, id: string, name: string): void {
    const key = `${directoryId}\u0000${type}\u0000${id}`;
    this.names.delete(key);
    this.names.set(key, name);
    if (this.names.size > this.options.nameCacheSize) this.names.delete(this.names.keys().next().value!);
  }

  private recalledName(directoryId: string, type: string, id: string): string | undefined {
    return this.names.get(`${directoryId}\u0000${type}\u0000${id}`);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.buffer.length > 0) {
        const batch = this.buffer.splice(0, this.options.batchSize);
        await this.writeBatch(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async writeBatch(batch: LogDraft[]): Promise<void> {
    try {
      // One transaction, so one commit (one fsync) per batch.
      await this.storage.db.transaction().execute((tx) => this.insert(tx, batch));
    } catch (error) {
      this.dropBatch(batch, error);
    }
  }

  /**
   * SQLite: rows waiting when a commit of writes is about to happen go into that commit (storage alongCommits),
   * some at a time, instead of a batch every flush interval that blocks the event loop for its inserts and its
   * own fsync. Not while the timer's flush holds rows, so rows are written in the order they were recorded.
   */
  private async ride(tx: Db): Promise<void> {
    const batch = this.buffer.splice(0, RIDE_ROWS);
    try {
      await this.insert(tx, batch);
    } catch (error) {
      this.dropBatch(batch, error);
      throw error;
    }
  }

  private async insert(db: Db, batch: LogDraft[]): Promise<void> {
    await this.resolveNames(db, batch);
    const rows = batch.map((draft) => this.toRow(draft));
    // Chunks of 32, then 16, 8, 4, 2, 1 rows: six statements stay prepared, not one per batch size (a prepared
    // statement holds memory in proportion to its values). Building the multi-row insert with Kysely for every
    // batch cost about 60 µs a row, four times what SQLite takes to store it.
    for (let i = 0; i < rows.length; ) {
      const size = rows.length - i >= 32 ? 32 : 2 ** Math.floor(Math.log2(rows.length - i));
      await insertLogRows(db, rows.slice(i, i + size));
      i += size;
    }
    this.stats.written += rows.length;
  }

  private dropBatch(batch: LogDraft[], error: unknown): void {
    this.stats.failedBatches++;
    this.stats.dropped += batch.length;
    this.options.logger?.error({ err: error, rows: batch.length }, `provisioning log: could not write ${batch.length} entries; they are dropped`);
  }

  /** Names of resources the requests named only by id: one query per directory and type, per batch. */
  private async resolveNames(db: Db, batch: LogDraft[]): Promise<void> {
    const wanted = new Map<string, { directoryId: string; type: LogResourceType; ids: Set<string> }>();
    for (const draft of batch) {
      if (!draft.resourceType || !draft.resourceId || draft.resourceName) continue;
      const recalled = this.recalledName(draft.directoryId, draft.resourceType, draft.resourceId);
      if (recalled) {
        draft.resourceName = recalled;
        continue;
      }
      const key = `${draft.directoryId}\u0000${draft.resourceType}`;
      let group = wanted.get(key);
      if (!group) wanted.set(key, (group = { directoryId: draft.directoryId, type: draft.resourceType, ids: new Set() }));
      group.ids.add(draft.resourceId);
    }
    for (const { directoryId, type, ids } of wanted.values()) {
      try {
        const list = [...ids].slice(0, 500);
        const rows =
          type === 'User'
            ? await db.selectFrom('users').select(['id', 'user_name as name']).where('directory_id', '=', directoryId).where('id', 'in', list).execute()
            : await db.selectFrom('groups').select(['id', 'display_name as name']).where('directory_id', '=', directoryId).where('id', 'in', list).execute();
        for (const row of rows) this.rememberName(directoryId, type, row.id, row.name);
      } catch {
        // Names are a nicety: a summary falls back to the id.
      }
    }
    for (const draft of batch) {
      if (draft.resourceType && draft.resourceId && !draft.resourceName) {
        draft.resourceName = this.recalledName(draft.directoryId, draft.resourceType, draft.resourceId);
      }
    }
  }

  private toRow(draft: LogDraft): Row {
    let summary: string;
    try {
      summary = typeof draft.summary === 'function' ? draft.summary(draft.resourceName) : draft.summary;
    } catch {
      summary = `${draft.method} ${draft.path}`;
    }
    const time = draft.time.toISOString();
    return {
      directory_id: draft.directoryId,
      time,
      id: this.nextId(draft.time),
      request_id: cut(draft.requestId, 200),
      token_id: cut(draft.tokenId, 200),
      token_label: cut(draft.tokenLabel, 200),
      client: cut(draft.client, 40),
      user_agent: cut(draft.userAgent, 300),
      method: cut(draft.method, 10) ?? '?',
      path: cut(draft.path, MAX_PATH) ?? '',
      operation: cut(draft.operation, 40) ?? 'other',
      resource_type: draft.resourceType ?? null,
      resource_id: cut(draft.resourceId, 200),
      resource_name: cut(draft.resourceName, 300),
      resource_name_ci: draft.resourceName ? fold(cut(draft.resourceName, 300)!) : null,
      summary: cut(summary, MAX_SUMMARY) ?? '',
      status: Math.trunc(draft.status),
      duration_ms: Math.max(0, Math.round(draft.durationMs)),
      error_type: cut(draft.errorType, 40),
      error_detail: cut(draft.errorDetail, MAX_DETAIL),
    };
  }

  /** Ordered within this process even for rows of the same millisecond; random across instances. */
  private nextId(time: Date): string {
    this.sequence = (this.sequence + 1) % 1_679_616; // 36^4
    return `${time.getTime().toString(36).padStart(9, '0')}${this.sequence.toString(36).padStart(4, '0')}${this.instance}`;
  }

  private warnDropped(): void {
    const now = Date.now();
    if (now - this.lastDropWarning < 10_000) return;
    this.lastDropWarning = now;
    this.options.logger?.warn({ dropped: this.dropped }, 'provisioning log: the write buffer is full; new entries are dropped');
    this.dropped = 0;
  }

  /**
   * Deletes rows older than the retention, directory by directory and in chunks so a long backlog never holds the
   * write lock for long. Safe on several instances at once: deleting the same old rows twice is harmless.
   */
  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000).toISOString();
    const db = this.storage.db;
    const directories = await db.selectFrom('directories').select('id').execute();
    let total = 0;
    for (const { id } of directories) {
      for (;;) {
        const edge = await db
          .selectFrom('provisioning_log')
          .select('time')
          .where('directory_id', '=', id)
          .where('time', '<', cutoff)
          .orderBy('time')
          .limit(1)
          .offset(PURGE_CHUNK - 1)
          .executeTakeFirst();
        const result = await db
          .deleteFrom('provisioning_log')
          .where('directory_id', '=', id)
          .where('time', edge ? '<=' : '<', edge ? edge.time : cutoff)
          .executeTakeFirst();
        total += Number(result.numDeletedRows);
        if (!edge) break;
      }
    }
    this.stats.purged += total;
    return total;
  }

  private async purgeQuietly(): Promise<void> {
    try {
      const purged = await this.purge();
      if (purged > 0) this.options.logger?.warn({ purged, retentionDays: this.options.retentionDays }, 'provisioning log: old entries purged');
    } catch (error) {
      this.options.logger?.error({ err: error }, 'provisioning log: the retention purge failed; it will run again');
    }
  }

  /** Entries of one directory, newest first, filtered; page on with `next`. */
  async query(directoryId: string, query: LogQuery = {}): Promise<LogPage> {
    const limit = Math.min(1000, Math.max(1, Math.trunc(query.limit ?? 50)));
    const db = this.storage.db;
    let q = db.selectFrom('provisioning_log').selectAll().where('directory_id', '=', directoryId);
    if (query.operation !== undefined) q = q.where('operation', '=', query.operation.toLowerCase());
    if (query.status) q = q.where('status', '>=', query.status.min).where('status', '<=', query.status.max);
    if (query.client !== undefined) {
      const client = query.client.toLowerCase();
      q = client === 'unknown' ? q.where('client', 'is', null) : q.where('client', '=', client);
    }
    if (query.since) q = q.where('time', '>=', query.since.toISOString());
    if (query.until) q = q.where('time', '<', query.until.toISOString());
    if (query.before !== undefined) {
      const { time, id } = decodeCursor(query.before);
      q = q.where((eb) => eb.or([eb('time', '<', time), eb.and([eb('time', '=', time), eb('id', '<', id)])]));
    }
    const newest = (part: typeof q) => part.orderBy('time', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    let rows: Row[];
    if (query.user !== undefined && query.group !== undefined) rows = [];
    else if (query.user !== undefined || query.group !== undefined) {
      // One query per id and one for the name, each read in order from its index, merged here (a row may be in
      // both): as one query with an OR, SQLite walked the whole log in time order instead.
      const type: LogResourceType = query.user !== undefined ? 'User' : 'Group';
      const who = (query.user ?? query.group)!;
      const { ids, name } = await this.resourceKeys(directoryId, type, who);
      const ofType = q.where('resource_type', '=', type);
      const parts = await Promise.all([
        ...ids.map((id) => newest(ofType.where('resource_id', '=', id))),
        newest(ofType.where('resource_name_ci', '=', name).where(NAMED_ROWS)),
      ]);
      const unique = new Map(parts.flat().map((row) => [row.id, row]));
      rows = [...unique.values()].sort((a, b) => (a.time === b.time ? compare(b.id, a.id) : compare(b.time, a.time)));
    } else rows = await newest(q);
    const page = rows.slice(0, limit).map(toEntry);
    const last = page[page.length - 1];
    return rows.length > limit && last ? { entries: page, next: encodeCursor(last.time, last.id) } : { entries: page };
  }

  /**
   * What a resource's rows are found by: the id given, and the name given, which also stands for the live
   * resources that have it now (their reads by id are indexed by id alone: migration 008).
   */
  private async resourceKeys(directoryId: string, type: LogResourceType, who: string): Promise<{ ids: string[]; name: string }> {
    const name = fold(who);
    const db = this.storage.db;
    const named =
      type === 'User'
        ? await db.selectFrom('users').select('id').where('directory_id', '=', directoryId).where('user_name_ci', '=', name).where('deleted_at', 'is', null).execute()
        : await db.selectFrom('groups').select('id').where('directory_id', '=', directoryId).where('display_name_ci', '=', name).execute();
    return { ids: [...new Set([who, ...named.map((row) => row.id)])], name };
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function toEntry(row: Row): LogEntry {
  return {
    id: row.id,
    time: row.time,
    directoryId: row.directory_id,
    requestId: row.request_id,
    tokenId: row.token_id,
    tokenLabel: row.token_label,
    client: row.client,
    userAgent: row.user_agent,
    method: row.method,
    path: row.path,
    operation: row.operation,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    summary: row.summary,
    status: Number(row.status),
    durationMs: Number(row.duration_ms),
    errorType: row.error_type,
    errorDetail: row.error_detail,
  };
}

function cut(value: string | undefined | null, max: number): string | null {
  if (value === undefined || value === null) return null;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
