import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
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
  return async (db: Kysely<Database>, dialect: DialectName, ...args: Args): Promise<Row[]> => {
    let query = compiled.get(dialect);
    if (!query) compiled.set(dialect, (query = build(db, (index) => new Slot(index) as never).compile()));
    const parameters = query.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    return (await db.executeQuery(CompiledQuery.raw(query.sql, parameters) as CompiledQuery<Row>)).rows;
  };
}

/**
 * `prepared` for a query with a list of values (`in (...)`), whose SQL differs with the list's length: built
 * and compiled once per dialect and length. `build` gets the length and places the list with `slotList`.
 */
export function preparedPerLength<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, slot: (index: number) => never, length: number) => Compilable<Row>,
) {
  const byLength = new Map<number, (db: Kysely<Database>, dialect: DialectName, ...args: Args) => Promise<Row[]>>();
  return (db: Kysely<Database>, dialect: DialectName, length: number, ...args: Args): Promise<Row[]> => {
    let query = byLength.get(length);
    if (!query) byLength.set(length, (query = prepared<Args, Row>((d, slot) => build(d, slot, length))));
    return query(db, dialect, ...args);
  };
}

/** `length` slots from `first` on: an `in (...)` list in a query built by `preparedPerLength`. */
export function slotList(slot: (index: number) => never, first: number, length: number): never[] {
  return Array.from({ length }, (_, i) => slot(first + i));
}
