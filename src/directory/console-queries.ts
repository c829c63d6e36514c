import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import { badRequest } from '../protocol/errors.js';
import type { Storage } from '../storage/database.js';
import type { Database } from '../storage/tables.js';
import type { Actor, Scope } from './context.js';
import { compileList } from './listing.js';
import { schemasOf } from './schemas.js';
import { countLiveUsers } from './users.js';

// The admin console's People table and deleted-people list, which the SCIM list call cannot serve well: filters
// by status, by role (the group's membership rows, read by their key) and by source (the client that created the
// person), paged with keyset cursors so that page 20,000 costs what page 1 costs. Reads only; every write of the
// console goes through Users and Groups.

export type PeopleOrder = 'newest' | 'oldest' | 'name';

/** Where people came from: the actor of their `user.created` change. */
export type PeopleSource = { kind: 'scim'; client: string | null } | { kind: Exclude<Actor['kind'], 'scim'> };

export interface PeopleQuery {
  /** A SCIM filter (the search box), compiled by the same compiler as SCIM list calls. */
  filter?: string;
  status?: 'active' | 'blocked';
  /** A group id: its direct members. */
  role?: string;
  source?: PeopleSource;
  order: PeopleOrder;
  /** Cursors from an earlier page: the page after `after`, or the page before `before`. */
  after?: string;
  before?: string;
  limit: number;
}

export interface PeoplePage {
  /** Everyone the filters match, on every page. */
  total: number;
  /** This page's user ids, in order. */
  ids: string[];
  next?: string;
  previous?: string;
}

export interface DeletedPerson {
  id: string;
  userName: string;
  deletedAt: string;
}

type Key = { seq: number; name?: string };
type WithR = Database & { r: Database['users'] };
type Users = SelectQueryBuilder<WithR, 'r', object>;

const encode = (order: PeopleOrder, key: Key) => Buffer.from(JSON.stringify([order, key.seq, key.name ?? null]), 'utf8').toString('base64url');

function decode(order: PeopleOrder, cursor: string): Key {
  try {
    const [o, seq, name] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
    if (o === order && Number.isSafeInteger(seq) && (order !== 'name' || typeof name === 'string')) {
      return { seq: seq as number, ...(typeof name === 'string' ? { name } : {}) };
    }
  } catch {
    // falls through to the error below
  }
  throw badRequest('invalidCursor', 'This page link is not valid any more; start again from the first page');
}

/**
 * A person's source as a condition on the user row `r`: their creation change, found through the history's
 * (directory_id, resource_id) index, one probe per row looked at.
 */
function sourceCondition(source: PeopleSource) {
  return (eb: ExpressionBuilder<WithR, 'r'>) =>
    eb.exists(
      eb
        .selectFrom('changes as c')
        .select(sql.lit(1).as('one'))
        .whereRef('c.directory_id', '=', 'r.directory_id')
        .whereRef('c.resource_id', '=', 'r.id')
        .where('c.event', '=', 'user.created')
        .where('c.actor_kind', '=', source.kind)
        .$if(source.kind === 'scim', (q) =>
          (source as { client: string | null }).client === null
            ? q.where('c.actor_client', 'is', null)
            : q.where('c.actor_client', '=', (source as { client: string }).client),
        ),
    );
}

export class ConsoleQueries {
  constructor(private readonly storage: Storage) {}

  private get db() {
    return this.storage.db;
  }

  /**
   * One page of the People table. With a role, the group's membership rows (their primary key starts with the
   * group) drive the query, so its cost follows the group's size, not the directory's; otherwise the user rows
   * are read in key order (creation order, or the folded userName's unique index) from the cursor on.
   */
  async people(scope: Scope, query: PeopleQuery): Promise<PeoplePage> {
    const directoryId = scope.directory.id;
    const compiled = query.filter ? compileList(schemasOf(scope.directory).user, 'User', this.storage.dialect, { filter: query.filter, startIndex: 1, count: 0, sortOrder: 'ascending' }) : undefined;
    const matching = (): Users => {
      let q = (
        query.role
          ? this.db
              .selectFrom('memberships as m')
              .innerJoin('users as r', (j) => j.onRef('r.directory_id', '=', 'm.directory_id').onRef('r.id', '=', 'm.member_id'))
              .where('m.directory_id', '=', directoryId)
              .where('m.group_id', '=', query.role)
              .where('m.member_type', '=', 'User')
          : this.db.selectFrom('users as r').where('r.directory_id', '=', directoryId)
      ) as unknown as Users;
      q = q.where('r.deleted_at', 'is', null);
      if (query.status) q = q.where('r.active', '=', query.status === 'active' ? 1 : 0);
      if (query.source) q = q.where(sourceCondition(query.source) as never);
      if (compiled?.where) q = q.where(compiled.where as never);
      return q;
    };

    // Everyone live: the block counts answer without counting a million rows.
    const unfiltered = !query.role && !query.status && !query.source && !compiled?.where;
    const total = unfiltered
      ? await countLiveUsers(this.db, directoryId)
      : Number((await matching().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    // Keyset: newest first is seq descending; going back reverses the order and the page.
    const backwards = query.before !== undefined;
    const cursor = query.before ?? query.after;
    const key = cursor ? decode(query.order, cursor) : undefined;
    const ascending = (query.order !== 'newest') !== backwards;
    const dir = sql.raw(ascending ? 'asc' : 'desc');
    const cmp = ascending ? '>' : '<';
    let page = matching().select(['r.id', 'r.seq', 'r.user_name_ci']);
    if (query.order === 'name') {
      if (key) page = page.where('r.user_name_ci', cmp, key.name!);
      page = page.orderBy(sql`r.user_name_ci ${dir}`);
    } else {
      if (key) page = page.where('r.seq', cmp, key.seq);
      page = page.orderBy(sql`r.seq ${dir}`);
    }
    const rows = await page.limit(query.limit + 1).execute();
    const more = rows.length > query.limit;
    const shown = rows.slice(0, query.limit);
    if (backwards) shown.reverse();
    const keyOf = (row: (typeof rows)[number]) => encode(query.order, { seq: Number(row.seq), name: query.order === 'name' ? row.user_name_ci : undefined });
    const first = shown[0];
    const last = shown[shown.length - 1];
    return {
      total,
      ids: shown.map((r) => r.id),
      // Forward: a next page when one more row came back, a previous one when we started from a cursor.
      // Backward: the other way round.
      ...(last && (backwards ? !!key : more) ? { next: keyOf(last) } : {}),
      ...(first && (backwards ? more : !!key) ? { previous: keyOf(first) } : {}),
    };
  }

  /** The actor of each user's creation change (one indexed read for a page of ids). */
  async creators(directoryId: string, userIds: string[]): Promise<Map<string, Actor>> {
    const creators = new Map<string, Actor>();
    if (userIds.length === 0) return creators;
    const rows = await this.db
      .selectFrom('changes')
      .select(['resource_id', 'actor_kind', 'actor_client', 'actor_label'])
      .where('directory_id', '=', directoryId)
      .where('resource_id', 'in', userIds)
      .where('event', '=', 'user.created')
      .execute();
    for (const row of rows) {
      creators.set(row.resource_id, {
        kind: row.actor_kind as Actor['kind'],
        ...(row.actor_client ? { client: row.actor_client } : {}),
        ...(row.actor_label ? { label: row.actor_label } : {}),
      });
    }
    return creators;
  }

  /**
   * Soft-deleted people, most recent deletion first, one page at a time from the partial index on deleted_at;
   * `q` narrows them by userName. `after` is the cursor of the previous page's last row.
   */
  async deleted(directoryId: string, options: { q?: string; after?: string; limit: number }): Promise<{ total: number; people: DeletedPerson[]; next?: string }> {
    // `like` with its escape character declared, so both databases read a typed % or _ literally.
    const pattern = options.q ? `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const filtered = () => {
      let q = this.db.selectFrom('users').where('directory_id', '=', directoryId).where('deleted_at', 'is not', null);
      if (pattern) q = q.where(sql<boolean>`user_name_ci like ${pattern} escape '\\'`);
      return q;
    };
    const { n } = await filtered().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    let page = filtered().select(['id', 'user_name', 'deleted_at']);
    if (options.after) {
      const [time, id] = decodeDeleted(options.after);
      page = page.where((eb) => eb.or([eb('deleted_at', '<', time), eb.and([eb('deleted_at', '=', time), eb('id', '<', id)])]));
    }
    const rows = await page.orderBy('deleted_at', 'desc').orderBy('id', 'desc').limit(options.limit + 1).execute();
    const shown = rows.slice(0, options.limit);
    const last = shown[shown.length - 1];
    return {
      total: Number(n),
      people: shown.map((r) => ({ id: r.id, userName: r.user_name, deletedAt: r.deleted_at! })),
      ...(rows.length > options.limit && last ? { next: Buffer.from(JSON.stringify([last.deleted_at, last.id]), 'utf8').toString('base64url') } : {}),
    };
  }
}

function decodeDeleted(cursor: string): [string, string] {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof time === 'string' && typeof id === 'string') return [time, id];
  } catch {
    // falls through
  }
  throw badRequest('invalidCursor', 'This page link is not valid any more; start again from the first page');
}
