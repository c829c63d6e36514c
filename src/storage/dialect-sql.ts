import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from './database.js';

export type Sql = RawBuilder<unknown>;

/**
 * The few SQL fragments that differ between SQLite and PostgreSQL. Everything else in the storage layer is
 * dialect-free Kysely. Documents are JSON text in both; PostgreSQL casts to jsonb where it reads them.
 */
export interface DialectSql {
  /** The text (or number/boolean, see jsonTyped) at `keys` inside a JSON document column. */
  jsonText(doc: Sql, keys: string[]): Sql;
  /** Same, typed for comparison: numbers compare as numbers, booleans as 0/1 or true/false. */
  jsonTyped(doc: Sql, keys: string[], type: 'number' | 'boolean' | 'text'): Sql;
  /** A FROM item that yields one row per element of the JSON array at `keys`, the element as `<alias>.value`. */
  jsonArrayElements(doc: Sql, keys: string[], alias: string): Sql;
  /** The sub-attribute `key` of an element produced by jsonArrayElements. */
  elementText(alias: string, key: string, type: 'number' | 'boolean' | 'text'): Sql;
  /** The element itself, for arrays of simple values. */
  elementSelf(alias: string, type: 'number' | 'boolean' | 'text'): Sql;
  /** Case folding for values that are not stored pre-folded. */
  fold(value: Sql): Sql;
  /** SQL boolean literals for 0/1 columns and JSON booleans. */
  boolean(value: boolean): Sql;
}

const sqlitePath = (keys: string[]) => '$' + keys.map((k) => `."${k.replace(/"/g, '')}"`).join('');

const sqliteSql: DialectSql = {
  jsonText: (doc, keys) => sql`json_extract(${doc}, ${sqlitePath(keys)})`,
  jsonTyped: (doc, keys) => sql`json_extract(${doc}, ${sqlitePath(keys)})`,
  jsonArrayElements: (doc, keys, alias) => sql`json_each(${doc}, ${sqlitePath(keys)}) as ${sql.raw(alias)}`,
  elementText: (alias, key) => sql`json_extract(${sql.raw(alias)}.value, ${sqlitePath([key])})`,
  elementSelf: (alias) => sql`${sql.raw(alias)}.value`,
  fold: (value) => sql`fold(${value})`,
  boolean: (value) => sql.raw(value ? '1' : '0'),
};

const pgPath = (keys: string[]) => sql`${keys}::text[]`;
/** A JSON value typed for comparison; a value of another JSON type reads as NULL rather than failing the query. */
const pgTyped = (json: Sql, type: 'number' | 'boolean' | 'text') =>
  type === 'number'
    ? sql`(case when jsonb_typeof(${json}) = 'number' then (${json} #>> '{}')::numeric end)`
    : type === 'boolean'
      ? sql`(case when jsonb_typeof(${json}) = 'boolean' then (${json} #>> '{}')::boolean end)`
      : sql`(case when jsonb_typeof(${json}) in ('string', 'number', 'boolean') then ${json} #>> '{}' end)`;

const postgresSql: DialectSql = {
  jsonText: (doc, keys) => sql`((${doc})::jsonb #>> ${pgPath(keys)})`,
  jsonTyped: (doc, keys, type) => pgTyped(sql`((${doc})::jsonb #> ${pgPath(keys)})`, type),
  jsonArrayElements: (doc, keys, alias) =>
    sql`jsonb_array_elements(case when jsonb_typeof((${doc})::jsonb #> ${pgPath(keys)}) = 'array' then (${doc})::jsonb #> ${pgPath(keys)} else '[]'::jsonb end) as ${sql.raw(alias)}(value)`,
  elementText: (alias, key, type) => pgTyped(sql`(${sql.raw(alias)}.value -> ${key}::text)`, type),
  elementSelf: (alias, type) => pgTyped(sql`${sql.raw(alias)}.value`, type),
  fold: (value) => sql`lower(${value})`,
  boolean: (value) => sql.raw(value ? 'true' : 'false'),
};

export const dialectSql = (dialect: DialectName): DialectSql => (dialect === 'sqlite' ? sqliteSql : postgresSql);
