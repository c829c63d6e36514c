import { sql, type Transaction } from 'kysely';
import { ScimError, badRequest, notFound } from '../protocol/errors.js';
import { applyPatch, type MemberChange } from '../protocol/patch.js';
import { normalizeResource, type MemberRef, type ResourceDoc } from '../protocol/resource.js';
import { fold, type Storage } from '../storage/database.js';
import { uniquenessError } from '../storage/errors.js';
import { etagFor } from '../protocol/version.js';
import { presentGroup, type MemberOut } from '../storage/present.js';
import type { Database, GroupsTable } from '../storage/tables.js';
import type { ListOptions, Scope } from './context.js';
import { diffDocs, maskSecrets, recordChanges, type ChangeEntry } from './history.js';
import { compileList, encodeCursor, pageQuery } from './listing.js';
import { policyOf, requireAllowed } from './policies.js';
import { groupGrantsRoles, recomputeRoles, usersUnderGroups } from './roles.js';
import { schemasOf } from './schemas.js';
import { newId } from './ids.js';
import { inTransaction } from './transactions.js';
import { checkIfMatch, type ScimResource } from './users.js';

type GroupRow = Omit<GroupsTable, 'seq'>;
type Tx = Transaction<Database>;
type Member = { id: string; type: 'User' | 'Group' };

const GROUP_COLUMNS = ['directory_id', 'id', 'display_name', 'display_name_ci', 'external_id', 'created', 'last_modified', 'version', 'doc'] as const;
const CHUNK = 500;

/**
 * Groups of a directory, which act as its roles. Memberships are rows: adding or removing k members costs k row
 * operations whatever the group's size, and concurrent member changes never overwrite each other. Each change is
 * recorded (one history entry per member added or removed) and the roles of the users it touches follow.
 */
export class Groups {
  /** Row locks exist on PostgreSQL; SQLite serialises writers anyway. */
  private readonly lockRows: boolean;

  constructor(private readonly storage: Storage) {
    this.lockRows = storage.dialect === 'postgres';
  }

  async create(scope: Scope, body: unknown): Promise<ScimResource> {
    requireAllowed(policyOf(scope.directory), scope.actor, 'groupPush');
    const { doc, members = [] } = normalizeResource(schemasOf(scope.directory).group, body);
    const now = new Date().toISOString();
    const row: GroupRow = { ...columnsFor(doc), directory_id: scope.directory.id, id: newId(), created: now, last_modified: now, version: 1 };
    const added = await this.write(async (tx) => {
      const resolved = await resolveMembers(tx, scope.directory.id, row.id, members, this.lockRows);
      await tx.insertInto('groups').values(row).execute();
      const inserted = await insertMembers(tx, scope.directory.id, row.id, resolved);
      await recordChanges(tx, scope.directory.id, scope.actor, [
        { resourceType: 'Group', resourceId: row.id, resourceName: row.display_name, event: 'group.created', data: { changes: maskSecrets(diffDocs({}, doc), schemasOf(scope.directory).group) } },
        ...memberEntries(row, 'group.member_added', inserted),
      ]);
      return inserted;
    });
    return presentGroup(row, scope.base, added.length ? await membersOf(this.storage.db, scope.directory.id, row.id) : []);
  }

  /**
   * The group with its members read a page at a time, for answers written as a stream: a group of 100,000
   * members is never held in memory whole. Pages are separate reads, not one snapshot.
   */
  async stream(scope: Scope, id: string, pageSize = 1000): Promise<GroupStream> {
    const row = await this.find(this.storage.db, scope.directory.id, id);
    if (!row) throw notFound(`Group ${id} not found`);
    const opened = await openMembers(this.storage.db, scope.directory.id, id, pageSize);
    // A group that fits one page is answered like any other resource.
    return { ...opened, resource: presentGroup(row, scope.base, opened.rest ? undefined : opened.first) };
  }

  async get(scope: Scope, id: string, withMembers = true): Promise<ScimResource> {
    const row = await this.find(this.storage.db, scope.directory.id, id);
    if (!row) throw notFound(`Group ${id} not found`);
    return presentGroup(row, scope.base, withMembers ? await membersOf(this.storage.db, scope.directory.id, id) : undefined);
  }

  async list(scope: Scope, options: ListOptions, withMembers = true): Promise<{ total: number; resources: ScimResource[]; nextCursor?: string }> {
    const { total, rows, nextCursor } = await this.page(scope, options);
    const resources: ScimResource[] = [];
    for (const row of rows) {
      resources.push(presentGroup(row, scope.base, withMembers ? await membersOf(this.storage.db, scope.directory.id, row.id) : undefined));
    }
    return { total, resources, ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * A page of groups with their members opened as in `stream`: each group's first page of members is read, and
   * a group with more is read on while the answer is written. `GET /Groups?filter=displayName eq "..."` (how
   * Okta finds a group to push) then costs one page of members, not the whole of a 100,000-member group.
   */
  async listOpened(scope: Scope, options: ListOptions, pageSize = 1000): Promise<{ total: number; groups: GroupStream[]; nextCursor?: string }> {
    const { total, rows, nextCursor } = await this.page(scope, options);
    const groups: GroupStream[] = [];
    for (const row of rows) {
      const opened = await openMembers(this.storage.db, scope.directory.id, row.id, pageSize);
      groups.push({ ...opened, resource: presentGroup(row, scope.base, opened.rest ? undefined : opened.first) });
    }
    return { total, groups, ...(nextCursor ? { nextCursor } : {}) };
  }

  /** The group's current version (its ETag), without its members: enough to answer a conditional GET. */
  async versionOf(scope: Scope, id: string): Promise<string | undefined> {
    const row = await this.find(this.storage.db, scope.directory.id, id);
    return row ? etagFor(row.version) : undefined;
  }

  private async page(scope: Scope, options: ListOptions) {
    const compiled = compileList(schemasOf(scope.directory).group, 'Group', this.storage.dialect, options);
    const db = this.storage.db;
    let countQuery = db.selectFrom('groups as r').select((eb) => eb.fn.countAll<number>().as('n')).where('r.directory_id', '=', scope.directory.id);
    if (compiled.where) countQuery = countQuery.where(compiled.where as never);
    const total = Number((await countQuery.executeTakeFirstOrThrow()).n);
    const cursorMode = options.cursor !== undefined;
    if (options.count === 0 || (!cursorMode && total < options.startIndex)) return { total, rows: [] };
    const page = await pageQuery(
      db.selectFrom('groups as r').select([...GROUP_COLUMNS.map((c) => `r.${c}` as const), 'r.seq']).where('r.directory_id', '=', scope.directory.id),
      compiled,
      options,
    ).execute();
    const rows = cursorMode ? page.slice(0, options.count) : page;
    const nextCursor = cursorMode && page.length > options.count ? encodeCursor(Number(rows[rows.length - 1].seq)) : undefined;
    return { total, rows, nextCursor };
  }

  async replace(scope: Scope, id: string, body: unknown, ifMatch?: string): Promise<ScimResource> {
    requireAllowed(policyOf(scope.directory), scope.actor, 'groupPush');
    const { doc, members = [] } = normalizeResource(schemasOf(scope.directory).group, body);
    return this.update(scope, id, ifMatch, true, () => ({ doc, changes: [{ op: 'replace', members }] }));
  }

  /** `withMembers: false` skips reading the members back (a 204 answer needs none: O(change), not O(group)). */
  async patch(scope: Scope, id: string, body: unknown, ifMatch?: string, withMembers = true): Promise<ScimResource> {
    requireAllowed(policyOf(scope.directory), scope.actor, 'groupPush');
    const schema = schemasOf(scope.directory).group;
    return this.update(scope, id, ifMatch, withMembers, (current) => {
      const result = applyPatch(schema, JSON.parse(current.doc) as ResourceDoc, body, { resourceId: id });
      return { doc: result.doc, changes: result.members ?? [] };
    });
  }

  async delete(scope: Scope, id: string, ifMatch?: string): Promise<void> {
    requireAllowed(policyOf(scope.directory), scope.actor, 'groupPush');
    const dir = scope.directory.id;
    await inTransaction(this.storage, async (tx) => {
      const current = await this.find(tx, dir, id);
      if (!current) throw notFound(`Group ${id} not found`);
      checkIfMatch(ifMatch, current.version);
      const affected = (await groupGrantsRoles(tx, dir, id)) ? await usersUnderGroups(tx, dir, [id]) : [];
      // The row first: it waits for writers that share-locked it, so their memberships are gone below too.
      await tx.deleteFrom('groups').where('directory_id', '=', dir).where('id', '=', id).execute();
      await tx.deleteFrom('memberships').where('directory_id', '=', dir).where('group_id', '=', id).execute();
      await tx.deleteFrom('memberships').where('directory_id', '=', dir).where('member_id', '=', id).where('member_type', '=', 'Group').execute();
      await tx.deleteFrom('role_mappings').where('directory_id', '=', dir).where('group_id', '=', id).execute();
      await recomputeRoles(tx, dir, schemasOf(scope.directory).user, affected);
      await recordChanges(tx, dir, scope.actor, [{ resourceType: 'Group', resourceId: id, resourceName: current.display_name, event: 'group.deleted' }]);
    });
  }

  /**
   * The document is read, changed and written back under a version check (retried on a concurrent change);
   * member changes are row inserts and deletes in the same transaction, so they never need the member list.
   */
  private async update(
    scope: Scope,
    id: string,
    ifMatch: string | undefined,
    withMembers: boolean,
    change: (current: GroupRow) => { doc: ResourceDoc; changes: MemberChange[] },
  ): Promise<ScimResource> {
    const dir = scope.directory.id;
    const members = async () => (withMembers ? membersOf(this.storage.db, dir, id) : undefined);
    for (let attempt = 0; ; attempt++) {
      const current = await this.find(this.storage.db, dir, id);
      if (!current) throw notFound(`Group ${id} not found`);
      checkIfMatch(ifMatch, current.version);
      const { doc, changes } = change(current);
      const nextColumns = columnsFor(doc);
      const docChanged = nextColumns.doc !== current.doc;
      if (!docChanged && changes.length === 0) return presentGroup(current, scope.base, await members());
      const next: GroupRow = {
        ...current,
        ...nextColumns,
        last_modified: new Date(Math.max(Date.now(), Date.parse(current.last_modified))).toISOString(),
        version: current.version + 1,
      };
      const written = await this.write<GroupRow | undefined | typeof UNCHANGED>(async (tx) => {
        let update = tx
          .updateTable('groups')
          .set({ last_modified: next.last_modified, version: sql`version + 1` })
          .where('directory_id', '=', dir)
          .where('id', '=', id);
        // Only a document change (or If-Match) needs the version check; pure member changes commute.
        if (docChanged || ifMatch !== undefined) {
          update = update
            .set({ display_name: next.display_name, display_name_ci: next.display_name_ci, external_id: next.external_id, doc: next.doc })
            .where('version', '=', current.version);
        }
        // The row as this transaction leaves it (members live in their own table): no second read at the end.
        const updated = await update.returning(GROUP_COLUMNS).executeTakeFirst();
        if (!updated) return undefined;
        const { added, removed } = await applyMemberChanges(tx, dir, id, changes, this.lockRows);
        // Adding present members or removing absent ones changes nothing: no new version, no history entry.
        if (!docChanged && added.length === 0 && removed.length === 0) throw UNCHANGED;
        const entries: ChangeEntry[] = [];
        if (docChanged) {
          entries.push({ resourceType: 'Group', resourceId: id, resourceName: next.display_name, event: 'group.updated', data: { changes: maskSecrets(diffDocs(JSON.parse(current.doc), doc), schemasOf(scope.directory).group) } });
        }
        entries.push(...memberEntries(next, 'group.member_removed', removed), ...memberEntries(next, 'group.member_added', added));
        if ((added.length || removed.length) && (await groupGrantsRoles(tx, dir, id))) {
          const users = [...added, ...removed].filter((m) => m.type === 'User').map((m) => m.id);
          const nested = [...added, ...removed].filter((m) => m.type === 'Group').map((m) => m.id);
          await recomputeRoles(tx, dir, schemasOf(scope.directory).user, [...users, ...(await usersUnderGroups(tx, dir, nested))]);
        }
        await recordChanges(tx, dir, scope.actor, entries);
        return updated;
      });
      if (written === UNCHANGED) return presentGroup(current, scope.base, await members());
      if (written) return presentGroup(written, scope.base, await members());
      if (ifMatch !== undefined) checkIfMatch(ifMatch, -1);
      if (attempt >= 5) throw new ScimError(409, undefined, 'The group changed concurrently too often; try again');
    }
  }

  private find(db: Storage['db'] | Tx, directoryId: string, id: string): Promise<GroupRow | undefined> {
    return db.selectFrom('groups').select(GROUP_COLUMNS).where('directory_id', '=', directoryId).where('id', '=', id).executeTakeFirst();
  }

  private async write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.storage, work);
    } catch (error) {
      if (error === UNCHANGED) return UNCHANGED as T;
      throw uniquenessError(error, 'Group') ?? error;
    }
  }
}

/** Thrown inside a transaction to roll back a write that turned out to change nothing. */
const UNCHANGED = Symbol('unchanged');

function memberEntries(group: GroupRow, event: 'group.member_added' | 'group.member_removed', members: Member[]): ChangeEntry[] {
  return members.map((m) => ({
    resourceType: 'Group',
    resourceId: group.id,
    resourceName: group.display_name,
    event,
    data: { member: { value: m.id, type: m.type } },
  }));
}

function columnsFor(doc: ResourceDoc) {
  const displayName = doc.displayName as string;
  return {
    display_name: displayName,
    display_name_ci: fold(displayName),
    external_id: (doc.externalId as string | undefined) ?? null,
    doc: JSON.stringify(doc),
  };
}

/** Applies member changes in order; returns the memberships that really appeared and disappeared. */
async function applyMemberChanges(tx: Tx, dir: string, groupId: string, changes: MemberChange[], lockRows: boolean) {
  const added = new Map<string, Member>();
  const removed = new Map<string, Member>();
  const noteRemoved = (rows: { member_id: string; member_type: 'User' | 'Group' }[]) => {
    for (const r of rows) {
      if (added.has(r.member_id)) added.delete(r.member_id);
      else removed.set(r.member_id, { id: r.member_id, type: r.member_type });
    }
  };
  const noteAdded = (members: Member[]) => {
    for (const m of members) {
      if (removed.has(m.id)) removed.delete(m.id);
      else added.set(m.id, m);
    }
  };
  const base = () => tx.deleteFrom('memberships').where('directory_id', '=', dir).where('group_id', '=', groupId);
  for (const change of changes) {
    switch (change.op) {
      case 'add':
        noteAdded(await insertMembers(tx, dir, groupId, await resolveMembers(tx, dir, groupId, change.members, lockRows)));
        break;
      case 'replace': {
        const resolved = await resolveMembers(tx, dir, groupId, change.members, lockRows);
        const wanted = new Set(resolved.map((m) => m.id));
        // Only the difference is written: a full-list replace that changes one member writes one row.
        const current = await tx.selectFrom('memberships').select(['member_id', 'member_type']).where('directory_id', '=', dir).where('group_id', '=', groupId).execute();
        const have = new Set(current.map((c) => c.member_id));
        // Soft-deleted users are invisible to the IdP, so its full list cannot name them: their rows stay for a restore.
        const hidden = await hiddenMembers(tx, dir, groupId);
        const gone = current.filter((c) => !wanted.has(c.member_id) && !hidden.has(c.member_id));
        for (let i = 0; i < gone.length; i += CHUNK) {
          noteRemoved(await base().where('member_id', 'in', gone.slice(i, i + CHUNK).map((g) => g.member_id)).returning(['member_id', 'member_type']).execute());
        }
        noteAdded(await insertMembers(tx, dir, groupId, resolved.filter((m) => !have.has(m.id))));
        break;
      }
      case 'removeAll': {
        const hidden = [...(await hiddenMembers(tx, dir, groupId))];
        let query = base();
        if (hidden.length) query = query.where('member_id', 'not in', hidden);
        noteRemoved(await query.returning(['member_id', 'member_type']).execute());
        break;
      }
      case 'remove':
        for (let i = 0; i < change.ids.length; i += CHUNK) {
          noteRemoved(await base().where('member_id', 'in', change.ids.slice(i, i + CHUNK)).returning(['member_id', 'member_type']).execute());
        }
        break;
    }
  }
  return { added: [...added.values()], removed: [...removed.values()] };
}

/** Members of a group that are soft-deleted users: kept, unseen, until restored or purged. */
async function hiddenMembers(tx: Tx, dir: string, groupId: string): Promise<Set<string>> {
  const rows = await tx
    .selectFrom('memberships as m')
    .innerJoin('users as u', (j) => j.onRef('u.directory_id', '=', 'm.directory_id').onRef('u.id', '=', 'm.member_id'))
    .select('m.member_id')
    .where('m.directory_id', '=', dir)
    .where('m.group_id', '=', groupId)
    .where('u.deleted_at', 'is not', null)
    .execute();
  return new Set(rows.map((r) => r.member_id));
}

/** Checks that every member exists in this directory and learns its type (Okta and Entra send none). */
async function resolveMembers(tx: Tx, dir: string, groupId: string, refs: MemberRef[], lockRows: boolean): Promise<Member[]> {
  const unique = new Map<string, MemberRef>();
  for (const ref of refs) unique.set(ref.value, ref);
  const ids = [...unique.keys()];
  if (ids.includes(groupId)) throw badRequest('invalidValue', 'A group cannot be a member of itself');
  const users = new Set<string>();
  const groups = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    // On PostgreSQL the rows are share-locked until commit, so a concurrent delete cannot leave a dangling membership.
    const userQuery = tx.selectFrom('users').select('id').where('directory_id', '=', dir).where('id', 'in', chunk).where('deleted_at', 'is', null);
    const groupQuery = tx.selectFrom('groups').select('id').where('directory_id', '=', dir).where('id', 'in', chunk);
    for (const r of await (lockRows ? userQuery.forShare() : userQuery).execute()) users.add(r.id);
    for (const r of await (lockRows ? groupQuery.forShare() : groupQuery).execute()) groups.add(r.id);
  }
  return ids.map((id) => {
    const wanted = unique.get(id)!.type;
    const type = wanted === 'Group' || (wanted === undefined && !users.has(id) && groups.has(id)) ? 'Group' : 'User';
    if (!(type === 'User' ? users : groups).has(id)) {
      throw badRequest('invalidValue', `members: no ${wanted ?? 'User or Group'} with id "${id}" in this directory`);
    }
    return { id, type };
  });
}

/** Inserts memberships; returns those that were new (an existing one is left as it is). */
async function insertMembers(tx: Tx, dir: string, groupId: string, members: Member[]): Promise<Member[]> {
  const inserted: Member[] = [];
  for (let i = 0; i < members.length; i += CHUNK) {
    const rows = members.slice(i, i + CHUNK).map((m) => ({ directory_id: dir, group_id: groupId, member_id: m.id, member_type: m.type }));
    const result = await tx
      .insertInto('memberships')
      .values(rows)
      .onConflict((oc) => oc.columns(['directory_id', 'group_id', 'member_id']).doNothing())
      .returning(['member_id', 'member_type'])
      .execute();
    inserted.push(...result.map((r) => ({ id: r.member_id, type: r.member_type })));
  }
  return inserted;
}

/** A group's members with their current display names; soft-deleted users are not members to the outside. */
export async function membersOf(db: Storage['db'] | Tx, dir: string, groupId: string): Promise<MemberOut[]> {
  return (await readMembers(db, dir, groupId)).members;
}

/**
 * Members in member-id order, after `after` and at most `limit` rows when given (a keyset page). Soft-deleted
 * users are no members to the outside, so a page may hold fewer than `limit`; `last` is where the next starts.
 */
async function readMembers(db: Storage['db'] | Tx, dir: string, groupId: string, page?: { after?: string; limit: number }) {
  let query = db
    .selectFrom('memberships as m')
    .leftJoin('users as u', (j) => j.onRef('u.directory_id', '=', 'm.directory_id').onRef('u.id', '=', 'm.member_id'))
    .leftJoin('groups as g', (j) => j.onRef('g.directory_id', '=', 'm.directory_id').onRef('g.id', '=', 'm.member_id'))
    .select(['m.member_id', 'm.member_type', 'u.display_name as user_display', 'u.user_name', 'u.deleted_at', 'g.display_name as group_display'])
    .where('m.directory_id', '=', dir)
    .where('m.group_id', '=', groupId)
    .orderBy('m.member_id');
  if (page?.after !== undefined) query = query.where('m.member_id', '>', page.after);
  if (page) query = query.limit(page.limit);
  const rows = await query.execute();
  const members: MemberOut[] = rows
    .filter((r) => r.member_type === 'Group' || (r.user_name !== null && r.deleted_at === null))
    .map((r) => ({
      value: r.member_id,
      type: r.member_type,
      display: (r.member_type === 'User' ? (r.user_display ?? r.user_name) : r.group_display) ?? undefined,
    }));
  return { members, last: rows.at(-1)?.member_id, done: !page || rows.length < page.limit };
}

/** A group read for streaming: its first page of members and the rest page by page. */
export interface GroupStream {
  /** The group; with its members when `first` held them all, without them otherwise. */
  resource: ScimResource;
  first: MemberOut[];
  /** More pages after `first`; undefined when `first` held every member. */
  rest?: () => AsyncGenerator<MemberOut[]>;
}

async function openMembers(db: Storage['db'], dir: string, groupId: string, pageSize: number): Promise<Omit<GroupStream, 'resource'>> {
  const first = await readMembers(db, dir, groupId, { limit: pageSize });
  if (first.done) return { first: first.members };
  return {
    first: first.members,
    async *rest() {
      let last = first.last;
      for (;;) {
        const page = await readMembers(db, dir, groupId, { after: last, limit: pageSize });
        if (page.members.length > 0) yield page.members;
        if (page.done) return;
        last = page.last;
      }
    },
  };
}
