import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql, PostgresDialect, SqliteDialect, type Migration, type SqliteDatabase, type Transaction } from 'kysely';
import { GroupCommit, type CommitRider } from './group-commit.js';
import { MAIN_CONNECTION_CHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.js';
import { createRequire } from 'node:module';
import type pg from 'pg';
import * as initial from './migrations/001-initial.js';
import * as provisioningLog from './migrations/002-provisioning-log.js';
import * as jobLeases from './migrations/003-job-leases.js';
import * as policiesHistory from './migrations/004-policies-history.js';
import * as consoleTables from './migrations/005-console.js';
import * as outbound from './migrations/006-outbound.js';
import * as userBlocks from './migrations/007-user-blocks.js';
import * as logNames from './migrations/008-log-names.js';
import type { Database } from './tables.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Storage {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Runs `work` in one transaction (on SQLite, one that may share its commit with others: group-commit.ts). */
  transact<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * SQLite: `rider` runs inside every commit that carries writes, after them, so what it writes shares their
   * fsync (group-commit.ts); returns the function that stops it. Absent on PostgreSQL, whose commits do not
   * block the event loop.
   */
  alongCommits?(rider: CommitRider): () => void;
  close(): Promise<void>;
  /** PostgreSQL's connection pool, for its gauges in /metrics (SQLite has one connection and no pool). */
  pool?: { readonly totalCount: number; readonly idleCount: number; readonly waitingCount: number; readonly options: { max: number } };
}

/** Folds a string the way every case-insensitive comparison in Roster does, in JS and (as `fold()`) in SQLite. */
export const fold = (value: string) => value.toLowerCase();

export interface StorageOptions {
  /** SQLite: checkpoint the WAL from a worker thread, not inside commits (checkpointer.ts). The server sets it. */
  backgroundCheckpoints?: boolean;
}

/**
 * Opens `sqlite:PATH` (the default, embedded) or `postgres://...`.
 * SQLite runs in WAL mode with synchronous=FULL: an acknowledged write survives a crash and a power loss.
 */
export function openStorage(url: string, options: StorageOptions = {}): Storage {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // Loaded only for PostgreSQL: an embedded SQLite server does not carry the driver in memory.
    const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
    const pool = new Pool({
      connectionString: url,
      max: Number(process.env.ROSTER_DB_POOL_SIZE ?? 10),
      // Fail fast when the database is unreachable: requests answer 503 instead of hanging.
      connectionTimeoutMillis: Number(process.env.ROSTER_DB_CONNECT_TIMEOUT_MS ?? 5000),
      statement_timeout: Number(process.env.ROSTER_DB_STATEMENT_TIMEOUT_MS ?? 15000),
    });
    // An idle connection that breaks (database restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', pool, transact: (work) => db.transaction().execute(work), close: () => db.destroy() };
  }
  if (!url.startsWith('sqlite:')) throw new Error(`Unsupported database URL "${url}": use sqlite:PATH or postgres://...`);
  const file = url.slice('sqlite:'.length);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // LIKE must be case-sensitive: case-insensitive comparisons fold both sides explicitly, per the schema.
  sqlite.pragma('case_sensitive_like = ON');
  sqlite.function('fold', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? fold(value) : value));
  let checkpointer: Checkpointer | undefined;
  if (options.backgroundCheckpoints && file !== ':memory:') {
    checkpointer = startCheckpointer(file);
    sqlite.pragma(`wal_autocheckpoint = ${MAIN_CONNECTION_CHECKPOINT_PAGES}`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  const commits = new GroupCommit(db);
  // Statistics follow the data as it grows (SQLite's advice for long-lived connections); cheap when nothing changed.
  const optimize = setInterval(() => {
    void sql`pragma optimize`.execute(db).catch(() => {});
  }, 3_600_000);
  optimize.unref();
  return {
    db,
    dialect: 'sqlite',
    transact: (work) => commits.run(work),
    alongCommits: (rider) => commits.ride(rider),
    close: async () => {
      clearInterval(optimize);
      await checkpointer?.close(); // first: the last connection to close checkpoints and removes the WAL
      await db.destroy();
    },
  };
}

/** Statements kept prepared; the oldest goes first. */
const STATEMENT_CACHE_SIZE = 1000;
/**
 * Longer SQL is not kept: it is a multi-row insert (provisioning log batches, membership and change rows) whose
 * text differs with each row count, and a prepared statement holds memory in proportion to its parameters.
 * Keeping them grew the process by tens of megabytes (200 log batch sizes alone: about 37 MB).
 */
const CACHED_TEXT_LIMIT = 4000;

/**
 * Kysely prepares every query anew; preparing costs more than running an indexed lookup. The same SQL text
 * (values are bound) reuses its statement, unless that one is still being iterated by a streaming read.
 */
function cachingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      if (text.length > CACHED_TEXT_LIMIT) return sqlite.prepare(text);
      const cached = cache.get(text);
      if (cached && !cached.busy) return cached;
      const statement = sqlite.prepare(text);
      if (!cached) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

const list: Record<string, (db: Kysely<unknown>, dialect: DialectName) => Promise<void>> = {
  '001-initial': initial.up,
  '002-provisioning-log': provisioningLog.up,
  '003-job-leases': jobLeases.up,
  '004-policies-history': policiesHistory.up,
  '005-console': consoleTables.up,
  '006-outbound': outbound.up,
  '007-user-blocks': userBlocks.up,
  '008-log-names': logNames.up,
};

/** The names of the migrations this version of Roster needs, in order (readiness checks they are all applied). */
export const MIGRATION_NAMES: readonly string[] = Object.keys(list);

/** Forward-only migrations, the same list for both dialects; Kysely's migrator takes a lock so instances never race. */
export async function migrate(storage: Storage): Promise<string[]> {
  const migrations: Record<string, Migration> = {};
  for (const [name, up] of Object.entries(list)) migrations[name] = { up: (db) => up(db, storage.dialect) };
  // Name the schema explicitly: Kysely looks for its tables across all schemas otherwise.
  const schema =
    storage.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(storage.db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db: storage.db,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'roster_migrations',
    migrationLockTableName: 'roster_migrations_lock',
  });
  let outcome = await migrator.migrateToLatest();
  // Kysely looks for its tables across every schema; a schema that another client drops at that moment makes
  // the lookup fail (3F000) though ours is fine. Looking again succeeds.
  for (let attempt = 0; outcome.error && (outcome.error as { code?: string }).code === '3F000' && attempt < 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    outcome = await migrator.migrateToLatest();
  }
  const { error, results } = outcome;
  if (error) throw error;
  if (storage.dialect === 'sqlite') {
    // Planner statistics, sampled (analysis_limit) so this stays fast at a million users: without them SQLite
    // walks the list-order index for a selective filter such as emails[...] eq instead of using the filter's index.
    await sql`pragma analysis_limit = 1000`.execute(storage.db);
    await sql`pragma optimize = 0x10002`.execute(storage.db);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
