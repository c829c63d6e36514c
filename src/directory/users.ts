import { sql, type RawBuilder, type Transaction } from 'kysely';
import { ScimError, notFound } from '../protocol/errors.js';
import { applyPatch } from '../protocol/patch.js';
import { normalizeResource, type ResourceDoc } from '../protocol/resource.js';
import { ROLES_EXTENSION_SCHEMA, type ResourceSchema } from '../protocol/schema/registry.js';
import { etagFor, etagMatches } from '../protocol/version.js';
import { fold, type DialectName, type Storage } from '../storage/database.js';
import { compilable, prepared, preparedInsert, preparedPerLength, slotList } from '../storage/prepared.js';
import { uniquenessError } from '../storage/errors.js';
import { presentUser, type GroupRef } from '../storage/present.js';
import type { Database, UserEmailsTable, UsersTable } from '../storage/tables.js';
import type { ListOptions, Scope } from './context.js';
import { diffDocs, maskSecrets, recordChanges, type ChangeEntry } from './history.js';
import { compileList, encodeCursor, pageQuery } from './listing.js';
import { hashPassword } from './passwords.js';
import { policyOf, requireAllowed, type DirectoryPolicy } from './policies.js';
import { effectiveRolesOf, grantNewUserRoles, recomputeRoles } from './roles.js';
import { schemasOf } from './schemas.js';
import { newId } from './ids.js';
import { inTransaction } from './transactions.js';
import { USER_BLOCK_SIZE } from '../storage/migrations/007-user-blocks.js';

type UserRow = Omit<UsersTable, 'seq'>;
type Tx = Transaction<Database>;
type Db = Storage['db'] | Tx;
export type ScimResource = Record<string, unknown>;

const USER_COLUMNS = [
  'directory_id', 'id', 'user_name', 'user_name_ci', 'external_id', 'display_name', 'active',
  'created', 'last_modified', 'version', 'doc', 'password_hash', 'deleted_at',
] as const;

const findLiveUser = prepared<[directoryId: string, id: string], UserRow>((db, slot) =>
  db.selectFrom('users').select(USER_COLUMNS).where('directory_id', '=', slot(0)).where('id', '=', slot(1)).where('deleted_at', 'is', null),
);

/** What a read should include besides the document; `true`/`false` is shorthand for groups with roles / roles only. */
export type UserReadOptions = boolean | { groups?: boolean; roles?: boolean };
const readOptions = (read: UserReadOptions) => (typeof read === 'boolean' ? { groups: read, roles: true } : read);

/**
 * Users of a directory. Every write validates against the directory's schemas, obeys its policy, runs in one
 * transaction with its history entry, and keeps the email index and the user's effective roles in step.
 */
export class Users {
  constructor(private readonly storage: Storage) {}

  async create(scope: Scope, body: unknown): Promise<ScimResource> {
    const policy = policyOf(scope.directory);
    requireAllowed(policy, scope.actor, 'create');
    const schema = schemasOf(scope.directory).user;
    const normalized = normalizeResource(schema, withUserNameFallback(body, policy));
    const { doc } = normalized;
    const password = acceptedPassword(normalized.password, policy, scope);
    const passwordHash = password !== undefined ? await hashPassword(password) : null;
    const now = new Date().toISOString();
    const row: UserRow = {
      ...columnsFor(doc),
      directory_id: scope.directory.id,
      id: newId(),
      created: now,
      last_modified: now,
      version: 1,
      password_hash: passwordHash,
      deleted_at: null,
    };
    const roles = await this.write(async (tx) => {
      await insertUsers(tx, [row]);
      await writeEmails(tx, row.directory_id, row.id, doc, true);
      const granted = await grantNewUserRoles(tx, row.directory_id, schema, row);
      await recordChanges(tx, row.directory_id, scope.actor, [
        { resourceType: 'User', resourceId: row.id, resourceName: row.user_name, event: 'user.created', data: { changes: maskSecrets(diffDocs({}, doc), schema) } },
      ]);
      return granted;
    });
    // A new user is in no group yet: nothing to read back.
    return presentUser(row, scope.base, [], extensionIds(scope), roles);
  }

  async get(scope: Scope, id: string, read: UserReadOptions = true): Promise<ScimResource> {
    const row = await this.find(this.storage.db, scope, id);
    if (!row) throw notFound(`User ${id} not found`);
    return this.present(this.storage.db, scope, row, readOptions(read));
  }

  async list(scope: Scope, options: ListOptions, readWhat: UserReadOptions = true): Promise<{ total: number; resources: ScimResource[]; nextCursor?: string }> {
    const read = readOptions(readWhat);
    const compiled = compileList(schemasOf(scope.directory).user, 'User', this.storage.dialect, options, scope.directory.id);
    const db = this.storage.db;
    const dir = scope.directory.id;
    const cursorMode = options.cursor !== undefined;
    let query = db.selectFrom('users as r').where('r.directory_id', '=', dir).where('r.deleted_at', 'is', null);
    let window = options;
    let total: number;
    if (!compiled.where && !compiled.orderBy) {
      // Every live user in creation order: the block counts give the total and where any startIndex falls.
      const blocks = await liveBlocks(db, dir);
      total = liveTotal(blocks);
      if (!cursorMode && options.count > 0 && options.startIndex > 1 && options.startIndex <= total) {
        const start = locate(blocks, options.startIndex - 1, options.sortOrder === 'descending');
        query = query.where('r.seq', start.descending ? '<' : '>=', start.seq);
        window = { ...options, startIndex: start.offset + 1 };
      }
    } else {
      let countQuery = query.select((eb) => eb.fn.countAll<number>().as('n'));
      if (compiled.where) countQuery = countQuery.where(compiled.where as never);
      total = Number((await countQuery.executeTakeFirstOrThrow()).n);
    }
    if (options.count === 0 || (!cursorMode && total < options.startIndex)) return { total, resources: [] };
    const page = await pageQuery(query.select([...USER_COLUMNS.map((c) => `r.${c}` as const), 'r.seq']), compiled, window).execute();
    const rows = cursorMode ? page.slice(0, options.count) : page;
    const nextCursor = cursorMode && page.length > options.count ? encodeCursor(Number(rows[rows.length - 1].seq)) : undefined;
    const ids = rows.map((r) => r.id);
    // Independent reads: on PostgreSQL they run on two connections at once.
    const [roles, groups] = await Promise.all([
      read.roles ? effectiveRolesOf(db, dir, ids) : undefined,
      read.groups ? groupsOfUsers(db, this.storage.dialect, dir, ids) : undefined,
    ]);
    const resources = rows.map((row) => presentUser(row, scope.base, groups ? (groups.get(row.id) ?? []) : undefined, extensionIds(scope), roles?.get(row.id) ?? []));
    return { total, resources, ...(nextCursor ? { nextCursor } : {}) };
  }

  async replace(scope: Scope, id: string, body: unknown, ifMatch?: string): Promise<ScimResource> {
    const policy = policyOf(scope.directory);
    const normalized = normalizeResource(schemasOf(scope.directory).user, withUserNameFallback(body, policy));
    const password = acceptedPassword(normalized.password, policy, scope);
    const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
    return this.update(scope, id, ifMatch, async () => ({ doc: normalized.doc, passwordHash }));
  }

  async patch(scope: Scope, id: string, body: unknown, ifMatch?: string): Promise<ScimResource> {
    const policy = policyOf(scope.directory);
    const schema = schemasOf(scope.directory).user;
    return this.update(scope, id, ifMatch, async (current) => {
      const result = applyPatch(schema, JSON.parse(current.doc) as ResourceDoc, body, { resourceId: id });
      const password = acceptedPassword(result.password, policy, scope);
      const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
      return { doc: result.doc, passwordHash };
    });
  }

  /** DELETE: soft by default (hidden, restorable until purged), hard where the directory's policy says so. */
  async delete(scope: Scope, id: string, ifMatch?: string): Promise<void> {
    const policy = policyOf(scope.directory);
    requireAllowed(policy, scope.actor, 'delete');
    const dir = scope.directory.id;
    await inTransaction(this.storage, async (tx) => {
      const current = await this.find(tx, scope, id);
      if (!current) throw notFound(`User ${id} not found`);
      checkIfMatch(ifMatch, current.version);
      const entry: ChangeEntry = { resourceType: 'User', resourceId: id, resourceName: current.user_name, event: 'user.deleted', data: { soft: policy.deletion === 'soft' } };
      if (policy.deletion === 'soft') {
        await tx
          .updateTable('users')
          .set({ deleted_at: new Date().toISOString(), version: current.version + 1 })
          .where('directory_id', '=', dir)
          .where('id', '=', id)
          .execute();
      } else {
        await hardDelete(tx, dir, [id]);
      }
      await recordChanges(tx, dir, scope.actor, [entry]);
    });
  }

  /** Brings back a soft-deleted user with its attributes, memberships and roles; 409 when its userName was taken. */
  async restore(scope: Scope, id: string): Promise<ScimResource> {
    const dir = scope.directory.id;
    const row = await this.write(async (tx) => {
      const deleted = await tx.selectFrom('users').select(USER_COLUMNS).where('directory_id', '=', dir).where('id', '=', id).where('deleted_at', 'is not', null).executeTakeFirst();
      if (!deleted) throw notFound(`No deleted user ${id} to restore (it may have been purged)`);
      const restored = { ...deleted, deleted_at: null, version: deleted.version + 1, last_modified: new Date().toISOString() };
      await tx
        .updateTable('users')
        .set({ deleted_at: null, version: restored.version, last_modified: restored.last_modified })
        .where('directory_id', '=', dir)
        .where('id', '=', id)
        .execute();
      await recomputeRoles(tx, dir, schemasOf(scope.directory).user, [id]);
      await recordChanges(tx, dir, scope.actor, [{ resourceType: 'User', resourceId: id, resourceName: deleted.user_name, event: 'user.restored' }]);
      return restored;
    });
    return this.present(this.storage.db, scope, row, { groups: true, roles: true });
  }

  /** Soft-deleted users, newest deletion first. */
  async listDeleted(scope: Scope, limit = 100): Promise<{ id: string; userName: string; deletedAt: string }[]> {
    const rows = await this.storage.db
      .selectFrom('users')
      .select(['id', 'user_name', 'deleted_at'])
      .where('directory_id', '=', scope.directory.id)
      .where('deleted_at', 'is not', null)
      .orderBy('deleted_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, userName: r.user_name, deletedAt: r.deleted_at! }));
  }

  /** Removes users soft-deleted longer ago than the directory's retention; returns how many. */
  async purgeExpired(scope: Scope, now = new Date()): Promise<number> {
    const policy = policyOf(scope.directory);
    const cutoff = new Date(now.getTime() - policy.retentionDays * 86_400_000).toISOString();
    const dir = scope.directory.id;
    let purged = 0;
    for (;;) {
      const batch = await inTransaction(this.storage, async (tx) => {
        const rows = await tx
          .selectFrom('users')
          .select(['id', 'user_name'])
          .where('directory_id', '=', dir)
          .where('deleted_at', 'is not', null)
          .where('deleted_at', '<=', cutoff)
          .limit(200)
          .execute();
        if (rows.length === 0) return 0;
        await hardDelete(tx, dir, rows.map((r) => r.id));
        await recordChanges(tx, dir, scope.actor, rows.map((r) => ({ resourceType: 'User', resourceId: r.id, resourceName: r.user_name, event: 'user.purged' })));
        return rows.length;
      });
      purged += batch;
      if (batch < 200) return purged;
    }
  }

  /**
   * Read, change, write with an optimistic version check. The change function may hash a password, so it runs
   * before the transaction; a concurrent writer makes the version check fail and the whole update runs again.
   */
  private async update(
    scope: Scope,
    id: string,
    ifMatch: string | undefined,
    change: (current: UserRow) => Promise<{ doc: ResourceDoc; passwordHash?: string }>,
  ): Promise<ScimResource> {
    const policy = policyOf(scope.directory);
    const schema = schemasOf(scope.directory).user;
    for (let attempt = 0; ; attempt++) {
      const current = await this.find(this.storage.db, scope, id);
      if (!current) throw notFound(`User ${id} not found`);
      checkIfMatch(ifMatch, current.version);
      const { doc, passwordHash } = await change(current);
      const before = JSON.parse(current.doc) as ResourceDoc;
      const wasActive = before.active !== false;
      const isActive = doc.active !== false;
      const diff = maskSecrets(diffDocs(before, doc, ['active']), schema);
      const passwordChanged = passwordHash !== undefined;
      if (Object.keys(diff).length > 0 || passwordChanged) requireAllowed(policy, scope.actor, 'update');
      if (wasActive !== isActive) requireAllowed(policy, scope.actor, 'deactivate');
      const next: UserRow = {
        ...current,
        ...columnsFor(doc),
        last_modified: new Date(Math.max(Date.now(), Date.parse(current.last_modified))).toISOString(),
        version: current.version + 1,
        password_hash: passwordHash ?? current.password_hash,
      };
      const entries: ChangeEntry[] = [];
      const name = next.user_name;
      if (Object.keys(diff).length > 0 || passwordChanged) {
        entries.push({ resourceType: 'User', resourceId: id, resourceName: name, event: 'user.updated', data: { changes: { ...diff, ...(passwordChanged ? { password: { changed: true } } : {}) } } });
      }
      if (wasActive !== isActive) {
        entries.push({ resourceType: 'User', resourceId: id, resourceName: name, event: isActive ? 'user.reactivated' : 'user.deactivated', data: { changes: { active: { before: wasActive, after: isActive } } } });
      }
      if (entries.length === 0) return this.present(this.storage.db, scope, current, { groups: true, roles: true });
      const written = await this.write(async (tx) => {
        const result = await tx
          .updateTable('users')
          .set({
            user_name: next.user_name,
            user_name_ci: next.user_name_ci,
            external_id: next.external_id,
            display_name: next.display_name,
            active: next.active,
            last_modified: next.last_modified,
            version: next.version,
            doc: next.doc,
            password_hash: next.password_hash,
          })
          .where('directory_id', '=', scope.directory.id)
          .where('id', '=', id)
          .where('version', '=', current.version)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        if (next.doc !== current.doc) {
          await writeEmails(tx, scope.directory.id, id, doc);
          await recomputeRoles(tx, scope.directory.id, schema, [id]);
        }
        await recordChanges(tx, scope.directory.id, scope.actor, entries);
        return true;
      });
      if (written) return this.present(this.storage.db, scope, next, { groups: true, roles: true });
      if (ifMatch !== undefined) throw preconditionFailed();
      if (attempt >= 5) throw new ScimError(409, undefined, 'The user changed concurrently too often; try again');
    }
  }

  private async find(db: Db, scope: Scope, id: string): Promise<UserRow | undefined> {
    return (await findLiveUser(db, scope.directory.id, id))[0];
  }

  private async present(db: Db, scope: Scope, row: UserRow, read: { groups?: boolean; roles?: boolean }): Promise<ScimResource> {
    const [groups, roles] = await Promise.all([
      read.groups ? groupsOf(db, this.storage.dialect, scope.directory.id, row.id) : undefined,
      read.roles ? effectiveRolesOf(db, scope.directory.id, [row.id]).then((found) => found.get(row.id) ?? []) : undefined,
    ]);
    return presentUser(row, scope.base, groups, extensionIds(scope), roles);
  }

  private async write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.storage, work);
    } catch (error) {
      throw uniquenessError(error, 'User') ?? error;
    }
  }
}

const extensionIds = (scope: Scope) => schemaIds(schemasOf(scope.directory).user);
const schemaIds = (schema: ResourceSchema) => schema.extensions.map((e) => e.id).filter((id) => id !== ROLES_EXTENSION_SCHEMA);

/** With password sync off, an IdP's password is ignored: not hashed, not stored (Okta sends a placeholder). */
function acceptedPassword(password: string | undefined, policy: DirectoryPolicy, scope: Scope): string | undefined {
  if (password === undefined) return undefined;
  return scope.actor.kind === 'scim' && !policy.passwordSync ? undefined : password;
}

/** Where the policy says so, a user sent without userName takes its primary (or first) email. */
function withUserNameFallback(body: unknown, policy: DirectoryPolicy): unknown {
  if (!policy.userNameFromEmail || !body || typeof body !== 'object' || Array.isArray(body)) return body;
  const object = body as Record<string, unknown>;
  const key = Object.keys(object).find((k) => k.toLowerCase() === 'username');
  if (key && typeof object[key] === 'string' && (object[key] as string).trim()) return body;
  const emailsKey = Object.keys(object).find((k) => k.toLowerCase() === 'emails');
  const emails = emailsKey && Array.isArray(object[emailsKey]) ? (object[emailsKey] as Record<string, unknown>[]) : [];
  const chosen = emails.find((e) => e && e.primary === true) ?? emails[0];
  if (!chosen || typeof chosen.value !== 'string') return body;
  const { [key ?? 'userName']: _, ...rest } = object;
  return { ...rest, userName: chosen.value };
}

async function hardDelete(tx: Tx, dir: string, ids: string[]): Promise<void> {
  // The rows first: they wait for group writers that share-locked them, so their new memberships go below too.
  await tx.deleteFrom('users').where('directory_id', '=', dir).where('id', 'in', ids).execute();
  await tx.deleteFrom('memberships').where('directory_id', '=', dir).where('member_id', 'in', ids).where('member_type', '=', 'User').execute();
  await tx.deleteFrom('user_emails').where('directory_id', '=', dir).where('user_id', 'in', ids).execute();
  await tx.deleteFrom('user_roles').where('directory_id', '=', dir).where('user_id', 'in', ids).execute();
}

export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch !== undefined && !etagMatches(ifMatch, etagFor(version))) throw preconditionFailed();
}

const preconditionFailed = () =>
  new ScimError(412, undefined, 'The resource has changed since the version given in If-Match; read it again and retry');

/** The indexed columns derived from a user's document. */
function columnsFor(doc: ResourceDoc) {
  const userName = doc.userName as string;
  return {
    user_name: userName,
    user_name_ci: fold(userName),
    external_id: (doc.externalId as string | undefined) ?? null,
    display_name: (doc.displayName as string | undefined) ?? null,
    active: doc.active === false ? 0 : 1,
    doc: JSON.stringify(doc),
  };
}

async function writeEmails(tx: Tx, directoryId: string, userId: string, doc: ResourceDoc, fresh = false): Promise<void> {
  if (!fresh) await deleteEmails(tx, directoryId, userId);
  await insertEmails(tx, emailRows(directoryId, userId, doc));
}

/** The `user_emails` rows of a user's document: the index behind `emails` filters. */
export function emailRows(directoryId: string, userId: string, doc: ResourceDoc): UserEmailsTable[] {
  return ((doc.emails as Record<string, unknown>[] | undefined) ?? []).map((email, position) => {
    const value = typeof email.value === 'string' ? email.value : null;
    return {
      directory_id: directoryId,
      user_id: userId,
      position,
      value,
      value_ci: value === null ? null : fold(value),
      display: typeof email.display === 'string' ? email.display : null,
      type: typeof email.type === 'string' ? email.type : null,
      primary: email.primary === true ? 1 : 0,
    };
  });
}

// A user's writes, built and compiled once rather than per write.
const insertUsers = preparedInsert('users', USER_COLUMNS);
const insertEmails = preparedInsert('user_emails', ['directory_id', 'user_id', 'position', 'value', 'value_ci', 'display', 'type', 'primary']);
const deleteEmails = prepared<[directoryId: string, userId: string], never>((db, slot) =>
  db.deleteFrom('user_emails').where('directory_id', '=', slot(0)).where('user_id', '=', slot(1)),
);

/** A user's groups: direct memberships and the groups those are nested in (indirect), each once. */
export async function groupsOf(db: Db, dialect: DialectName, directoryId: string, userId: string): Promise<GroupRef[]> {
  return (await groupsOfUsers(db, dialect, directoryId, [userId])).get(userId) ?? [];
}

type GroupRow = { kind: 'd' | 'a'; owner: string; id: string; display_name: string; seq: number };

/**
 * The groups of several users: their direct groups (kind 'd', owner = the user), and the ancestors of those
 * groups (kind 'a', owner = the group they are reached from), merged per user here: direct wins over indirect,
 * creation order kept. The ancestors are walked from the distinct groups found, not from every user.
 * PostgreSQL answers both in one statement (one round trip; a recursive walk from every user was planned at
 * 1.4 ms on one schema and 21 ms on another); SQLite plans the combined statement worse than its two halves
 * (567 against 830 µs for a page of 100 at 1M users), and has no round trips to save.
 */
export async function groupsOfUsers(db: Db, dialect: DialectName, directoryId: string, userIds: string[]): Promise<Map<string, GroupRef[]>> {
  const out = new Map<string, GroupRef[]>();
  if (userIds.length === 0) return out;
  const rows = dialect === 'postgres' ? await groupRowsAtOnce(db, directoryId, userIds) : await groupRowsInTwo(db, directoryId, userIds);
  const ancestors = new Map<string, GroupRow[]>();
  const byUser = new Map<string, Map<string, { ref: GroupRef; seq: number }>>();
  for (const r of rows) {
    if (r.kind === 'a') {
      push(ancestors, r.owner, r);
      continue;
    }
    let groups = byUser.get(r.owner);
    if (!groups) byUser.set(r.owner, (groups = new Map()));
    groups.set(r.id, { ref: { value: r.id, display: r.display_name, type: 'direct' }, seq: Number(r.seq) });
  }
  for (const [userId, groups] of byUser) {
    if (ancestors.size > 0) {
      for (const directId of [...groups.keys()]) {
        for (const a of ancestors.get(directId) ?? []) {
          if (!groups.has(a.id)) groups.set(a.id, { ref: { value: a.id, display: a.display_name, type: 'indirect' }, seq: Number(a.seq) });
        }
      }
    }
    out.set(userId, [...groups.values()].sort((a, b) => a.seq - b.seq).map((g) => g.ref));
  }
  return out;
}

async function groupRowsAtOnce(db: Db, directoryId: string, userIds: string[]): Promise<GroupRow[]> {
  return groupRowsOfUsers(db, userIds.length, directoryId, ...userIds);
}

/** `cross join` keeps the small set as the outer loop on SQLite, whose planner otherwise scans every membership. */
async function groupRowsInTwo(db: Db, directoryId: string, userIds: string[]): Promise<GroupRow[]> {
  const direct = await directGroupRows(db, userIds.length, directoryId, ...userIds);
  if (direct.length === 0) return [];
  const groupIds = [...new Set(direct.map((r) => r.id))];
  const up = await ancestorRowsOfGroups(db, groupIds.length, directoryId, ...groupIds);
  return up.length === 0 ? direct : [...direct, ...up];
}

// Every read of users reads their groups: these are built once per list length, not per read. Slot 0 is the
// directory, the list follows.

const groupRowsOfUsers = preparedPerLength<unknown[], GroupRow>((db, slot, length) =>
  compilable(
    db,
    sql<GroupRow>`
    with recursive direct(user_id, group_id) as (
      select member_id, group_id from memberships
      where directory_id = ${slot(0)} and member_id in (${sql.join(slotList(slot, 1, length))}) and member_type = 'User'
    ),
    ${walkUp(slot(0), sql`select group_id from direct`)}
    select 'd' as kind, direct.user_id as owner, g.id, g.display_name, g.seq from direct cross join groups g
    where g.directory_id = ${slot(0)} and g.id = direct.group_id
    union all
    ${ancestorRows(slot(0))}`,
  ),
);

const directGroupRows = preparedPerLength<unknown[], GroupRow>((db, slot, length) =>
  compilable(
    db,
    sql<GroupRow>`
    select 'd' as kind, m.member_id as owner, g.id, g.display_name, g.seq from memberships m cross join groups g
    where m.directory_id = ${slot(0)} and m.member_id in (${sql.join(slotList(slot, 1, length))}) and m.member_type = 'User'
      and g.directory_id = m.directory_id and g.id = m.group_id`,
  ),
);

const ancestorRowsOfGroups = preparedPerLength<unknown[], GroupRow>((db, slot, length) =>
  compilable(db, sql<GroupRow>`with recursive ${walkUp(slot(0), sql.join(slotList(slot, 1, length)))} ${ancestorRows(slot(0))}`),
);

/**
 * The recursive `up(group_id, ancestor_id)`: from each group in `start` (ids, or a subquery of them) to every
 * group it is nested in, at any depth. `union` drops repeated pairs, which ends a membership cycle.
 */
function walkUp(directoryId: unknown, start: RawBuilder<unknown>) {
  return sql`up(group_id, ancestor_id) as (
      select member_id, group_id from memberships
      where directory_id = ${directoryId} and member_type = 'Group' and member_id in (${start})
      union
      select up.group_id, m.group_id from up cross join memberships m
      where m.directory_id = ${directoryId} and m.member_id = up.ancestor_id and m.member_type = 'Group'
    )`;
}

/** The ancestors `walkUp` found, as rows of kind 'a' owned by the group they were reached from. */
function ancestorRows(directoryId: unknown) {
  return sql`select 'a' as kind, up.group_id as owner, g.id, g.display_name, g.seq from up cross join groups g
    where g.directory_id = ${directoryId} and g.id = up.ancestor_id`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}

interface Block {
  block: number;
  live: number;
}

/** The number of live (not soft-deleted) users of a directory, from the block counts: no scan of the users. */
export async function countLiveUsers(db: Db, directoryId: string): Promise<number> {
  return liveTotal(await liveBlocks(db, directoryId));
}

const liveTotal = (blocks: Block[]) => blocks.reduce((sum, b) => sum + b.live, 0);

async function liveBlocks(db: Db, directoryId: string): Promise<Block[]> {
  const rows = await db.selectFrom('user_blocks').select(['block', 'live']).where('directory_id', '=', directoryId).where('live', '>', 0).orderBy('block').execute();
  return rows.map((r) => ({ block: Number(r.block), live: Number(r.live) }));
}

/**
 * Where the live user at position `skip` (0-based, from the start or from the end) stands: the sequence bound of
 * its block and its offset from that bound. The page query then skips at most one block's rows.
 */
function locate(blocks: Block[], skip: number, descending: boolean): { seq: number; offset: number; descending: boolean } {
  const ordered = descending ? [...blocks].reverse() : blocks;
  let before = 0;
  for (const b of ordered) {
    if (skip < before + b.live) {
      return { seq: (descending ? b.block + 1 : b.block) * USER_BLOCK_SIZE, offset: skip - before, descending };
    }
    before += b.live;
  }
  return { seq: 0, offset: skip, descending: false };
}
