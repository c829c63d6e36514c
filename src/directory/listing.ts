import { sql, type SelectQueryBuilder } from 'kysely';
import { badRequest } from '../protocol/errors.js';
import { parseAttrPath, parseFilter } from '../protocol/filter/index.js';
import type { ResourceSchema } from '../protocol/schema/registry.js';
import type { DialectName } from '../storage/database.js';
import type { Sql } from '../storage/dialect-sql.js';
import { FilterCompiler } from '../storage/filter-sql.js';
import type { ListOptions } from './context.js';

/** The WHERE and ORDER BY of a list call, compiled once (filter and sortBy are validated here). */
export interface CompiledList {
  where: Sql | undefined;
  orderBy: Sql | undefined;
}

export function compileList(schema: ResourceSchema, resource: 'User' | 'Group', dialect: DialectName, options: ListOptions, directoryId?: string): CompiledList {
  const compiler = new FilterCompiler({ schema, resource, dialect, directoryId });
  const where = options.filter !== undefined && options.filter.trim() !== '' ? compiler.compile(parseFilter(options.filter)) : undefined;
  const orderBy = options.sortBy ? compiler.sortExpression(parseAttrPath(options.sortBy)) : undefined;
  return { where, orderBy };
}

/**
 * RFC 9865 cursors: the creation sequence of the last resource on the page, opaque to clients. A keyset
 * condition on it costs the same at the millionth row as at the first; cursors never expire.
 */
export function decodeCursor(cursor: string): number {
  if (cursor === '') return 0;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^c1:(\d{1,15})$/.exec(text);
  if (!match) throw badRequest('invalidCursor', 'The cursor is not one this server issued; start again with an empty cursor');
  return Number(match[1]);
}

export const encodeCursor = (seq: number) => Buffer.from(`c1:${seq}`, 'utf8').toString('base64url');

/** Applies filter, order (sortBy, then creation order so pages are stable) and the page window. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pageQuery<Q extends SelectQueryBuilder<any, any, any>>(query: Q, compiled: CompiledList, options: ListOptions): Q {
  let q = compiled.where ? (query.where(compiled.where as never) as Q) : query;
  if (options.cursor !== undefined) {
    if (compiled.orderBy) throw badRequest('invalidValue', 'Cursor paging follows creation order; send it without sortBy');
    // One row more than the page tells whether a next page exists.
    return q.where(sql`r.seq`, '>', decodeCursor(options.cursor)).orderBy(sql`r.seq`).limit(options.count + 1) as Q;
  }
  const direction = sql.raw(options.sortOrder === 'descending' ? 'desc' : 'asc');
  if (compiled.orderBy) {
    // Missing values sort last in either direction, the same on both databases.
    q = q.orderBy(sql`(${compiled.orderBy}) is null`).orderBy(sql`${compiled.orderBy} ${direction}`) as Q;
  }
  q = q.orderBy(sql`r.seq ${compiled.orderBy ? sql.raw('asc') : direction}`) as Q;
  return q.limit(options.count).offset(options.startIndex - 1) as Q;
}
