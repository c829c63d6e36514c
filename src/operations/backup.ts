import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

// `roster backup FILE` and `roster restore FILE` for the embedded SQLite database. PostgreSQL has its own tools
// (pg_dump, base backups) and Roster does not wrap them yet: these functions say so instead of guessing.
//
// Backup is online: a second connection runs `VACUUM INTO`, one read transaction, so the copy is the database
// as of one instant (WAL lets the server keep writing meanwhile) and comes out compact. It goes to a temporary
// name first and is renamed into place only after an integrity check, so FILE is complete or absent.
//
// Restore needs the server stopped: it takes SQLite's exclusive lock, which a running server's open connection
// prevents, then swaps the file in. The database it replaces is kept next to it.

export class BackupError extends Error {}

export interface BackupSummary {
  file: string;
  bytes: number;
  ms: number;
  migrations: string[];
  counts: Record<string, number>;
}

export interface RestoreSummary extends BackupSummary {
  database: string;
  /** Where the database that was replaced was kept, if there was one. */
  previous?: string;
}

/** The SQLite file of a `sqlite:PATH` database URL; a clear error for anything else. */
export function sqliteFile(databaseUrl: string, action: 'backup' | 'restore'): string {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new BackupError(
      `${action} is not supported for PostgreSQL yet: use pg_dump/pg_restore (or your provider's snapshots) for ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    );
  }
  if (!databaseUrl.startsWith('sqlite:')) throw new BackupError(`${action}: unsupported database URL "${databaseUrl}"`);
  const file = databaseUrl.slice('sqlite:'.length);
  if (file === '' || file === ':memory:') throw new BackupError(`${action}: an in-memory database has nothing to ${action}`);
  return resolve(file);
}

export async function backupDatabase(databaseUrl: string, target: string): Promise<BackupSummary> {
  const started = performance.now();
  const source = sqliteFile(databaseUrl, 'backup');
  const file = resolve(target);
  if (!existsSync(source)) throw new BackupError(`backup: no database at ${source}`);
  if (file === source) throw new BackupError('backup: the backup file cannot be the database itself');
  if (existsSync(file)) throw new BackupError(`backup: ${file} already exists; choose a new name (a backup never overwrites)`);
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  // Not read-only: a read-only connection cannot open a WAL database whose -shm file is missing.
  const db = new BetterSqlite3(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.prepare('vacuum into ?').run(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new BackupError(`backup: copying ${source} failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }
  try {
    const summary = inspect(partial);
    renameSync(partial, file);
    return { ...summary, file, bytes: statSync(file).size, ms: Math.round(performance.now() - started) };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

export async function restoreDatabase(databaseUrl: string, backup: string): Promise<RestoreSummary> {
  const started = performance.now();
  const target = sqliteFile(databaseUrl, 'restore');
  const file = resolve(backup);
  if (!existsSync(file)) throw new BackupError(`restore: no file ${file}`);
  if (file === target) throw new BackupError('restore: the backup file is the database itself');
  const summary = inspect(file);

  mkdirSync(dirname(target), { recursive: true });
  const incoming = `${target}.restoring-${process.pid}`;
  rmSync(incoming, { force: true });
  // Copy through SQLite (not the file system) so the restored file is a clean, checkpointed database.
  const copy = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    copy.prepare('vacuum into ?').run(incoming);
  } finally {
    copy.close();
  }

  let previous: string | undefined;
  if (existsSync(target)) {
    const current = new BetterSqlite3(target, { fileMustExist: true });
    try {
      current.pragma('busy_timeout = 0');
      // In WAL mode every open connection holds a shared lock; exclusive mode fails while a server has the file open.
      current.pragma('locking_mode = EXCLUSIVE');
      current.exec('begin exclusive; commit');
    } catch {
      current.close();
      rmSync(incoming, { force: true });
      throw new BackupError(`restore: ${target} is in use (is \`roster serve\` running?); stop the server, then restore`);
    }
    try {
      previous = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      current.prepare('vacuum into ?').run(previous);
    } finally {
      current.close();
    }
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
  }
  renameSync(incoming, target);
  // Back to the server's journal mode, so the first start does not have to convert it.
  const restored = new BetterSqlite3(target);
  try {
    restored.pragma('journal_mode = WAL');
  } finally {
    restored.close();
  }
  return { ...summary, file, database: target, previous, bytes: statSync(target).size, ms: Math.round(performance.now() - started) };
}

/** Checks that a file is an intact Roster database and counts what it holds. */
export function inspect(file: string): Omit<BackupSummary, 'file' | 'bytes' | 'ms'> {
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file} cannot be opened as a SQLite database: ${(error as Error).message}`);
  }
  try {
    let check: string[];
    try {
      check = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (error) {
      throw new BackupError(`${file} is not a SQLite database: ${(error as Error).message}`);
    }
    if (check.length !== 1 || check[0] !== 'ok') throw new BackupError(`${file} fails SQLite's integrity check: ${check.slice(0, 3).join('; ')}`);
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((r) => r.name));
    if (!tables.has('roster_migrations') || !tables.has('directories')) throw new BackupError(`${file} is a SQLite database but not a Roster database`);
    const migrations = (db.prepare('select name from roster_migrations order by name').all() as { name: string }[]).map((r) => r.name);
    const counts: Record<string, number> = {};
    for (const table of ['directories', 'tokens', 'users', 'groups', 'memberships']) {
      if (tables.has(table)) counts[table] = (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
    }
    return { migrations, counts };
  } finally {
    db.close();
  }
}
