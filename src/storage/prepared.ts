import { CompiledQuery, PostgresAdapter, type Compilable, type Kysely, type RawBuilder } from 'kysely';
import type { DialectName } from './database.js';
import type { Database } from './tables.js';

/** Stands where a value goes in a query built once; replaced by the call's value at each execution. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * A query built and compiled once per dialect, run with new values each time. Building and compiling a Kysely
 * query costs more than running an indexed lookup on SQLite; the hottest lookups (every request's directory and
 * token, a user by id) skip it. The values are still bound parameters, never text in the SQL.
 */
export function prepared<Args extends unknown[], Row>(build: (db: Kysely<Database>, slot: (index: number) => never) => Compilable<Row>) {
  const compiled = new Map<DialectName, CompiledQuery<Row>>();
  return async (db: Kysely<Database>, ...args: Args): Promise<Row[]> => {
    const dialect = dialectOf(db);
    let query = compiled.get(dialect);
    if (!query) compiled.set(dialect, (query = build(db, (index) => new Slot(index) as never).compile()));
    const parameters = query.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    return (await db.executeQuery(CompiledQuery.raw(query.sql, parameters) as CompiledQuery<Row>)).rows;
  };
}

/** Longer lists are built for each call: their SQL is long, and every length kept would stay in memory. */
const KEPT_LENGTHS = 200;

/**
 * `prepared` for a query with a list of values (`in (...)`, or the rows of an insert), whose SQL differs with
 * the list's length: built and compiled once per dialect and length, for lengths up to 200.
 * `build` gets the length and places the list with `slotList`.
 */
export function preparedPerLength<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, slot: (index: number) => never, length: number) => Compilable<Row>,
) {
  const byLength = new Map<number, (db: Kysely<Database>, ...args: Args) => Promise<Row[]>>();
  return (db: Kysely<Database>, length: number, ...args: Args): Promise<Row[]> => {
    let query = byLength.get(length);
    if (!query) {
      query = prepared<Args, Row>((d, slot) => build(d, slot, length));
      if (length <= KEPT_LENGTHS) byLength.set(length, query);
    }
    return query(db, ...args);
  };
}

/** `length` slots from `first` on: an `in (...)` list in a query built by `preparedPerLength`. */
export function slotList(slot: (index: number) => never, first: number, length: number): never[] {
  return Array.from({ length }, (_, i) => slot(first + i));
}

/**
 * An insert of rows with these columns, compiled once per number of rows (every column is written; undefined
 * as null). Rows go in statements of at most `maxRows`, under both databases' limits on bound values.
 */
export function preparedInsert<T extends keyof Database & string>(table: T, columns: readonly (keyof Database[T] & string)[], maxRows = 100) {
  const insert = preparedPerLength<unknown[], never>((db, slot, rows) =>
    db.insertInto(table).values(
      Array.from({ length: rows }, (_, r) => Object.fromEntries(columns.map((column, c) => [column, slot(r * columns.length + c)]))) as never,
    ),
  );
  return async (db: Kysely<Database>, rows: readonly Partial<Record<(typeof columns)[number], unknown>>[]): Promise<void> => {
    for (let start = 0; start < rows.length; start += maxRows) {
      const chunk = rows.slice(start, start + maxRows);
      const values: unknown[] = [];
      for (const row of chunk) for (const column of columns) values.push(row[column] ?? null);
      await insert(db, chunk.length, ...values);
    }
  };
}

/** The dialect a Kysely instance or transaction speaks: which compiled form of a prepared query it runs. */
function dialectOf(db: Kysely<Database>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** A query written with Kysely's `sql` tag, in the shape `prepared` builds from. */
export function compilable<Row>(db: Kysely<Database>, query: RawBuilder<Row>): Compilable<Row> {
  return { compile: () => query.compile(db) };
}
