import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Storage } from './database.js';

// `roster copy`: moves a whole installation between databases (SQLite → PostgreSQL when one machine is no
// longer enough, or back). Rows are read in key order in batches and written in the same order; every table
// is counted and checksummed on both sides at the end.

/** Every table, parents first, with a unique key to page through it. New tables must be listed here. */
export const COPIED_TABLES: { table: string; key: string[] }[] = [
  { table: 'directories', key: ['id'] },
  { table: 'tokens', key: ['directory_id', 'id'] },
  { table: 'users', key: ['directory_id', 'id'] },
  { table: 'user_emails', key: ['directory_id', 'user_id', 'position'] },
  { table: 'groups', key: ['directory_id', 'id'] },
  { table: 'memberships', key: ['directory_id', 'group_id', 'member_id'] },
  { table: 'provisioning_log', key: ['directory_id', 'time', 'id'] },
  { table: 'directory_counters', key: ['directory_id'] },
  { table: 'changes', key: ['directory_id', 'seq'] },
  { table: 'role_mappings', key: ['directory_id', 'group_id', 'role'] },
  { table: 'role_rules', key: ['directory_id', 'id'] },
  { table: 'user_roles', key: ['directory_id', 'user_id', 'role', 'source'] },
  { table: 'console_admins', key: ['id'] },
  { table: 'outbound_endpoints', key: ['directory_id', 'id'] },
  { table: 'outbound_links', key: ['directory_id', 'endpoint_id', 'resource_id'] },
  { table: 'outbound_lanes', key: ['directory_id', 'endpoint_id', 'resource_id'] },
  { table: 'outbound_deliveries', key: ['directory_id', 'endpoint_id', 'id'] },
];

/** Tables whose `seq` identity must continue after the copied rows on PostgreSQL. */
const SEQUENCED = ['users', 'groups'];
const BATCH = 1000;

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface TableReport {
  table: string;
  rows: number;
  checksum: string;
}

export class CopyError extends Error {}

type Row = Record<string, unknown>;
// The copy works on any table by name, so it uses the untyped Kysely view.
const untyped = (storage: Storage) => storage.db as unknown as Kysely<Record<string, Row>>;

export async function isEmpty(storage: Storage): Promise<boolean> {
  const row = await untyped(storage).selectFrom('directories').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n) === 0;
}

/** Copies every table; the target must be migrated, and empty unless `force` (then it is emptied first). */
export async function copyInstallation(
  from: Storage,
  to: Storage,
  options: { force?: boolean; onProgress?: (p: CopyProgress) => void } = {},
): Promise<TableReport[]> {
  if (!(await isEmpty(to))) {
    if (!options.force) throw new CopyError('The target database already holds data; use --force to replace it');
    for (const { table } of [...COPIED_TABLES].reverse()) await untyped(to).deleteFrom(table).execute();
  }
  const reports: TableReport[] = [];
  for (const { table, key } of COPIED_TABLES) {
    const total = await countRows(from, table);
    const hash = createHash('sha256');
    let copied = 0;
    for await (const rows of batches(from, table, key)) {
      for (const row of rows) hash.update(canonical(row));
      await untyped(to).insertInto(table).values(rows).execute();
      copied += rows.length;
      options.onProgress?.({ table, copied, total });
    }
    if (copied === 0) options.onProgress?.({ table, copied, total });
    reports.push({ table, rows: copied, checksum: hash.digest('hex') });
  }
  if (to.dialect === 'postgres') {
    for (const table of SEQUENCED) {
      await sql`select setval(pg_get_serial_sequence(${table}, 'seq'), coalesce((select max(seq) from ${sql.table(table)}), 0) + 1, false)`.execute(to.db);
    }
  }
  const check = await checksums(to);
  for (const [i, expected] of reports.entries()) {
    const actual = check[i];
    if (actual.rows !== expected.rows || actual.checksum !== expected.checksum) {
      throw new CopyError(`Verification failed for ${expected.table}: ${expected.rows} rows copied, ${actual.rows} found, checksums ${actual.checksum === expected.checksum ? 'equal' : 'differ'}`);
    }
  }
  return reports;
}

/** Row count and checksum of every table, computed the same way on either database. */
export async function checksums(storage: Storage): Promise<TableReport[]> {
  const reports: TableReport[] = [];
  for (const { table, key } of COPIED_TABLES) {
    const hash = createHash('sha256');
    let rows = 0;
    for await (const batch of batches(storage, table, key)) {
      for (const row of batch) hash.update(canonical(row));
      rows += batch.length;
    }
    reports.push({ table, rows, checksum: hash.digest('hex') });
  }
  return reports;
}

async function countRows(storage: Storage, table: string): Promise<number> {
  const row = await untyped(storage).selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Pages through a table in key order with a keyset condition: constant cost per page at any depth. */
async function* batches(storage: Storage, table: string, key: string[]): AsyncGenerator<Row[]> {
  let after: unknown[] | undefined;
  for (;;) {
    let query = untyped(storage).selectFrom(table).selectAll();
    if (after) {
      const columns = sql.join(key.map((k) => sql.ref(k)));
      query = query.where(sql<boolean>`(${columns}) > (${sql.join(after)})`);
    }
    for (const k of key) query = query.orderBy(sql.ref(k));
    const rows = await query.limit(BATCH).execute();
    if (rows.length === 0) return;
    yield rows;
    const last = rows[rows.length - 1];
    after = key.map((k) => last[k]);
    if (rows.length < BATCH) return;
  }
}

/** A row in a form both drivers agree on: keys sorted, numbers (PostgreSQL bigints arrive as strings) as text. */
function canonical(row: Row): string {
  const keys = Object.keys(row).sort();
  return JSON.stringify(keys.map((k) => [k, row[k] === null || row[k] === undefined ? null : String(row[k])])) + '\n';
}
