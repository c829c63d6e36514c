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
