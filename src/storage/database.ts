import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import * as initial from './migrations/001-initial.js';
import * as provisioningLog from './migrations/002-provisioning-log.js';
import * as jobLeases from './migrations/003-job-leases.js';
import * as policiesHistory from './migrations/004-policies-history.js';
import * as consoleTables from './migrations/005-console.js';
import * as outbound from './migrations/006-outbound.js';
import type { Database } from './tables.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Storage {
  db: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

/** Folds a string the way every case-insensitive comparison in Roster does, in JS and (as `fold()`) in SQLite. */
export const fold = (value: string) => value.toLowerCase();

/**
 * Opens `sqlite:PATH` (the default, embedded) or `postgres://...`.
 * SQLite runs in WAL mode with synchronous=FULL: an acknowledged write survives a crash and a power loss.
 */
export function openStorage(url: string): Storage {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({
      connectionString: url,
      max: Number(process.env.ROSTER_DB_POOL_SIZE ?? 10),
      // Fail fast when the database is unreachable: requests answer 503 instead of hanging.
      connectionTimeoutMillis: Number(process.env.ROSTER_DB_CONNECT_TIMEOUT_MS ?? 5000),
      statement_timeout: Number(process.env.ROSTER_DB_STATEMENT_TIMEOUT_MS ?? 15000),
    });
    // An idle connection that breaks (database restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Forward-only migrations, the same list for both dialects; Kysely's migrator takes a lock so instances never race. */
export async function migrate(storage: Storage): Promise<string[]> {
  const list: Record<string, (db: Kysely<unknown>, dialect: DialectName) => Promise<void>> = {
    '001-initial': initial.up,
    '002-provisioning-log': provisioningLog.up,
    '003-job-leases': jobLeases.up,
    '004-policies-history': policiesHistory.up,
    '005-console': consoleTables.up,
    '006-outbound': outbound.up,
  };
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
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
