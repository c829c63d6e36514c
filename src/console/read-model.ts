import { sql } from 'kysely';
import type { Storage } from '../storage/database.js';

// Read-only queries for console views the directory service has no call for: a group's members one page at a
// time (from the memberships key, so a group of 100,000 members costs one page of rows), member counts for one
// page of groups, names for history lines, a deleted person's row, and the provisioning log counted per hour.
// The People table's filters and paging are a directory query (directory/console-queries.ts). Nothing here writes; every write of the console goes
// through the directory service.

/** Soft-deleted users keep their memberships until purged; they are not shown as members. */
const live = sql<boolean>`(m.member_type = 'Group' or u.deleted_at is null)`;

export interface MemberRow {
  id: string;
  type: 'User' | 'Group';
  name: string | null;
  displayName: string | null;
  active: boolean | null;
}

export interface HourBucket {
  /** The hour's start, `YYYY-MM-DDTHH` (UTC). */
  hour: string;
  ok: number;
  clientErrors: number;
  serverErrors: number;
}

export class ConsoleReadModel {
  constructor(private readonly storage: Storage) {}

  private get db() {
    return this.storage.db;
  }

  async memberCount(directoryId: string, groupId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships as m')
      .leftJoin('users as u', (j) => j.onRef('u.directory_id', '=', 'm.directory_id').onRef('u.id', '=', 'm.member_id'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('m.directory_id', '=', directoryId)
      .where('m.group_id', '=', groupId)
      .where(live)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Direct members of a group, ordered by member id (the key's order), one page. */
  async members(directoryId: string, groupId: string, offset: number, limit: number): Promise<MemberRow[]> {
    const rows = await this.db
      .selectFrom('memberships as m')
      .leftJoin('users as u', (j) => j.onRef('u.directory_id', '=', 'm.directory_id').onRef('u.id', '=', 'm.member_id'))
      .leftJoin('groups as g', (j) => j.onRef('g.directory_id', '=', 'm.directory_id').onRef('g.id', '=', 'm.member_id'))
      .select(['m.member_id', 'm.member_type', 'u.user_name', 'u.display_name', 'u.active', 'g.display_name as group_name'])
      .where('m.directory_id', '=', directoryId)
      .where('m.group_id', '=', groupId)
      .where(live)
      .orderBy('m.member_id')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => ({
      id: r.member_id,
      type: r.member_type,
      name: r.member_type === 'User' ? r.user_name : r.group_name,
      displayName: r.member_type === 'User' ? r.display_name : null,
      active: r.member_type === 'User' && r.active !== null ? Number(r.active) === 1 : null,
    }));
  }

  /** Direct member counts of the given groups (one page of a list). */
  async memberCounts(directoryId: string, groupIds: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (groupIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('memberships as m')
      .leftJoin('users as u', (j) => j.onRef('u.directory_id', '=', 'm.directory_id').onRef('u.id', '=', 'm.member_id'))
      .select(['m.group_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('m.directory_id', '=', directoryId)
      .where('m.group_id', 'in', groupIds)
      .where(live)
      .groupBy('m.group_id')
      .execute();
    for (const row of rows) counts.set(row.group_id, Number(row.n));
    return counts;
  }

  /** A soft-deleted user's name and deletion time, or undefined. */
  async deletedUser(directoryId: string, id: string): Promise<{ id: string; userName: string; deletedAt: string } | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'user_name', 'deleted_at'])
      .where('directory_id', '=', directoryId)
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst();
    return row ? { id: row.id, userName: row.user_name, deletedAt: row.deleted_at! } : undefined;
  }

  /** userNames and group displayNames of the given ids (deleted users included), for history lines. */
  async names(directoryId: string, ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const unique = [...new Set(ids)].slice(0, 500);
    if (unique.length === 0) return names;
    const users = await this.db.selectFrom('users').select(['id', 'user_name as name']).where('directory_id', '=', directoryId).where('id', 'in', unique).execute();
    const groups = await this.db.selectFrom('groups').select(['id', 'display_name as name']).where('directory_id', '=', directoryId).where('id', 'in', unique).execute();
    for (const row of [...users, ...groups]) names.set(row.id, row.name);
    return names;
  }

  /** Provisioning calls per hour since `since`, split by outcome. Hours without calls are absent. */
  async callsPerHour(directoryId: string, since: Date): Promise<HourBucket[]> {
    const hour = sql<string>`substr(time, 1, 13)`;
    const rows = await this.db
      .selectFrom('provisioning_log')
      .select([
        hour.as('hour'),
        sql<number>`sum(case when status < 400 then 1 else 0 end)`.as('ok'),
        sql<number>`sum(case when status >= 400 and status < 500 then 1 else 0 end)`.as('client_errors'),
        sql<number>`sum(case when status >= 500 then 1 else 0 end)`.as('server_errors'),
      ])
      .where('directory_id', '=', directoryId)
      .where('time', '>=', since.toISOString())
      .groupBy(hour)
      .orderBy(hour)
      .execute();
    return rows.map((r) => ({ hour: r.hour, ok: Number(r.ok), clientErrors: Number(r.client_errors), serverErrors: Number(r.server_errors) }));
  }
}
