import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { badRequest, notFound } from '../protocol/errors.js';
import { matchesFilter, parseFilter, resourceContext } from '../protocol/filter/index.js';
import type { Filter } from '../protocol/filter/ast.js';
import type { ResourceSchema } from '../protocol/schema/registry.js';
import type { Storage } from '../storage/database.js';
import { compilable, prepared, preparedInsert, preparedPerLength, slotList } from '../storage/prepared.js';
import { FilterCompiler } from '../storage/filter-sql.js';
import type { Database, RoleRulesTable } from '../storage/tables.js';
import type { Scope } from './context.js';
import { schemasOf } from './schemas.js';
import type { Directory } from './tenants.js';

// Groups are the directory's roles; on top of them, a group can grant application role names, and a SCIM filter
// on a user's attributes can grant a role. Each user's effective roles (IdP-sent roles, mapped groups reached
// directly or through nested groups, and rules) are kept in user_roles, recomputed for the users a change
// touches, never by scanning the directory on a read.

type Db = Kysely<Database> | Transaction<Database>;
const CHUNK = 500;

export interface RoleRule {
  id: string;
  filter: string;
  role: string;
  created: string;
}

interface CompiledRule extends RoleRule {
  parsed: Filter;
}

function compileRules(rows: RoleRulesTable[]): CompiledRule[] {
  const rules: CompiledRule[] = [];
  for (const row of rows) {
    try {
      rules.push({ id: row.id, filter: row.filter, role: row.role, created: row.created, parsed: parseFilter(row.filter) });
    } catch {
      // A rule stored before a schema change that made it invalid grants nothing rather than failing writes.
    }
  }
  return rules;
}

/** Entra sends a role as JSON inside the string (`{"id":...,"value":"Admin"}`): the role is the name it carries. */
function roleName(value: string): string {
  if (!value.startsWith('{')) return value;
  try {
    const parsed = JSON.parse(value) as { value?: unknown; displayName?: unknown };
    if (typeof parsed.value === 'string' && parsed.value) return parsed.value;
    if (typeof parsed.displayName === 'string' && parsed.displayName) return parsed.displayName;
  } catch {
    // Not JSON after all: the string is the role.
  }
  return value;
}

/** Recomputes the effective roles of `userIds` from scratch: cost proportional to those users, not the directory. */
export async function recomputeRoles(db: Db, directoryId: string, schema: ResourceSchema, userIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return;
  const rules = compileRules(await rulesOf(db, directoryId));
  const context = resourceContext(schema);
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const users = await liveUsersIn(db, chunk.length, directoryId, ...chunk);
    const grants: { directory_id: string; user_id: string; role: string; source: string }[] = [];
    const grant = (userId: string, role: string, source: string) => {
      if (role) grants.push({ directory_id: directoryId, user_id: userId, role, source });
    };
    for (const user of users) ownRoles(user, rules, context, grant);
    const mapped = await mappedRolesOf(db, chunk.length, directoryId, ...chunk);
    const live = new Set(users.map((u) => u.id));
    for (const row of mapped) if (live.has(row.user_id)) grant(row.user_id, row.role, `group:${row.group_id}`);

    await deleteRolesOf(db, chunk.length, directoryId, ...chunk);
    const unique = new Map(grants.map((g) => [`${g.user_id}\u0000${g.role}\u0000${g.source}`, g]));
    await insertRoles(db, [...unique.values()]);
  }
}

/**
 * The roles of a user created in this transaction: its own `roles` and the rules only, since a new user is in
 * no group yet and has no roles to replace. Returns its effective roles.
 */
export async function grantNewUserRoles(db: Db, directoryId: string, schema: ResourceSchema, user: RoleSubject): Promise<string[]> {
  const rules = compileRules(await rulesOf(db, directoryId));
  const grants = new Map<string, { directory_id: string; user_id: string; role: string; source: string }>();
  ownRoles(user, rules, resourceContext(schema), (userId, role, source) => {
    if (role) grants.set(`${role}\u0000${source}`, { directory_id: directoryId, user_id: userId, role, source });
  });
  const rows = [...grants.values()];
  if (rows.length === 0) return [];
  await insertRoles(db, rows);
  // Read back, so the order is the database's, as on every later read.
  return (await effectiveRolesOf(db, directoryId, [user.id])).get(user.id) ?? [];
}

interface RoleSubject {
  id: string;
  doc: string;
  external_id: string | null;
  created: string;
  last_modified: string;
}

/** Roles a user holds by itself: those its IdP sent in `roles`, and those of the attribute rules it matches. */
function ownRoles(user: RoleSubject, rules: ReturnType<typeof compileRules>, context: ReturnType<typeof resourceContext>, grant: (userId: string, role: string, source: string) => void): void {
  // Most users carry no roles and most directories have no rules: then the document need not be parsed.
  if (rules.length === 0 && !user.doc.includes('"roles"')) return;
  const doc = JSON.parse(user.doc) as Record<string, unknown>;
  for (const entry of Array.isArray(doc.roles) ? doc.roles : []) {
    const value = (entry as { value?: unknown }).value;
    if (typeof value === 'string') grant(user.id, roleName(value), 'idp');
  }
  if (rules.length === 0) return;
  const resource = { ...doc, id: user.id, meta: { resourceType: 'User', created: user.created, lastModified: user.last_modified } };
  for (const rule of rules) {
    try {
      if (matchesFilter(rule.parsed, resource, context)) grant(user.id, rule.role, `rule:${rule.id}`);
    } catch {
      // A rule that names an attribute this user's schema lacks grants nothing.
    }
  }
}

/** Users that are members of any of `groupIds`, directly or through nested groups. */
export async function usersUnderGroups(db: Db, directoryId: string, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const result = await sql<{ member_id: string }>`
    with recursive down(group_id) as (
      select id from groups where directory_id = ${directoryId} and id in (${sql.join(groupIds)})
      union
      select m.member_id from down cross join memberships m
      where m.directory_id = ${directoryId} and m.group_id = down.group_id and m.member_type = 'Group'
    )
    select distinct m.member_id from down cross join memberships m
    where m.directory_id = ${directoryId} and m.group_id = down.group_id and m.member_type = 'User'`.execute(db);
  return result.rows.map((r) => r.member_id);
}

/** Whether membership changes of `groupId` can change anyone's roles: it, or a group it sits in, grants roles. */
export async function groupGrantsRoles(db: Db, directoryId: string, groupId: string): Promise<boolean> {
  const result = await sql<{ found: number }>`
    with recursive up(group_id) as (
      select cast(${groupId} as text)
      union
      select m.group_id from up cross join memberships m
      where m.directory_id = ${directoryId} and m.member_id = up.group_id and m.member_type = 'Group'
    )
    select 1 as found from up cross join role_mappings rm
    where rm.directory_id = ${directoryId} and rm.group_id = up.group_id limit 1`.execute(db);
  return result.rows.length > 0;
}

/** Effective roles of several users at once, for presenting a page of users. */
export async function effectiveRolesOf(db: Db, directoryId: string, userIds: string[]): Promise<Map<string, string[]>> {
  const roles = new Map<string, string[]>();
  for (let i = 0; i < userIds.length; i += CHUNK) {
    const chunk = userIds.slice(i, i + CHUNK);
    for (const row of await rolesOfUsers(db, chunk.length, directoryId, ...chunk)) {
      roles.set(row.user_id, [...(roles.get(row.user_id) ?? []), row.role]);
    }
  }
  return roles;
}

// Every write of a user reads the rules and rewrites its roles, every read reads them: built once, not per call.
const rulesOf = prepared<[directoryId: string], RoleRulesTable>((db, slot) => db.selectFrom('role_rules').selectAll().where('directory_id', '=', slot(0)));
const insertRoles = preparedInsert('user_roles', ['directory_id', 'user_id', 'role', 'source']);
const liveUsersIn = preparedPerLength<unknown[], { id: string; doc: string; external_id: string | null; created: string; last_modified: string }>(
  (db, slot, length) =>
    db
      .selectFrom('users')
      .select(['id', 'doc', 'external_id', 'created', 'last_modified'])
      .where('directory_id', '=', slot(0))
      .where('id', 'in', slotList(slot, 1, length))
      .where('deleted_at', 'is', null),
);
/** The roles the users' groups map to, reached directly or through nested groups. */
const mappedRolesOf = preparedPerLength<unknown[], { user_id: string; role: string; group_id: string }>((db, slot, length) =>
  compilable(
    db,
    sql<{ user_id: string; role: string; group_id: string }>`
    with recursive reach(user_id, group_id) as (
      select member_id, group_id from memberships
      where directory_id = ${slot(0)} and member_type = 'User' and member_id in (${sql.join(slotList(slot, 1, length))})
      union
      select reach.user_id, m.group_id from reach cross join memberships m
      where m.directory_id = ${slot(0)} and m.member_id = reach.group_id and m.member_type = 'Group'
    )
    select reach.user_id, rm.role, rm.group_id from reach cross join role_mappings rm
    where rm.directory_id = ${slot(0)} and rm.group_id = reach.group_id`,
  ),
);
const deleteRolesOf = preparedPerLength<unknown[], never>((db, slot, length) =>
  db.deleteFrom('user_roles').where('directory_id', '=', slot(0)).where('user_id', 'in', slotList(slot, 1, length)),
);

const rolesOfUsers = preparedPerLength<unknown[], { user_id: string; role: string }>((db, slot, length) =>
  db
    .selectFrom('user_roles')
    .select(['user_id', 'role'])
    .distinct()
    .where('directory_id', '=', slot(0))
    .where('user_id', 'in', slotList(slot, 1, length))
    .orderBy('user_id')
    .orderBy('role'),
);

/** Role mappings and rules of a directory. */
export class Roles {
  constructor(private readonly storage: Storage) {}

  async listMappings(directory: Directory): Promise<{ groupId: string; displayName: string; roles: string[] }[]> {
    const rows = await this.storage.db
      .selectFrom('role_mappings as rm')
      .innerJoin('groups as g', (j) => j.onRef('g.directory_id', '=', 'rm.directory_id').onRef('g.id', '=', 'rm.group_id'))
      .select(['rm.group_id', 'g.display_name', 'rm.role'])
      .where('rm.directory_id', '=', directory.id)
      .orderBy('g.display_name')
      .orderBy('rm.role')
      .execute();
    const byGroup = new Map<string, { groupId: string; displayName: string; roles: string[] }>();
    for (const r of rows) {
      const entry = byGroup.get(r.group_id) ?? { groupId: r.group_id, displayName: r.display_name, roles: [] };
      entry.roles.push(r.role);
      byGroup.set(r.group_id, entry);
    }
    return [...byGroup.values()];
  }

  /** Sets the roles a group grants (an empty list removes the mapping); its members' roles follow at once. */
  async mapGroup(scope: Scope, groupIdOrName: string, roles: string[]): Promise<{ groupId: string; roles: string[] }> {
    const dir = scope.directory.id;
    const cleaned = [...new Set(roles.map((r) => r.trim()).filter(Boolean))];
    return this.storage.db.transaction().execute(async (tx) => {
      const group = await tx
        .selectFrom('groups')
        .select('id')
        .where('directory_id', '=', dir)
        .where((eb) => eb.or([eb('id', '=', groupIdOrName), eb('display_name_ci', '=', groupIdOrName.toLowerCase())]))
        .executeTakeFirst();
      if (!group) throw notFound(`No group "${groupIdOrName}" in this directory`);
      await tx.deleteFrom('role_mappings').where('directory_id', '=', dir).where('group_id', '=', group.id).execute();
      if (cleaned.length) await tx.insertInto('role_mappings').values(cleaned.map((role) => ({ directory_id: dir, group_id: group.id, role }))).execute();
      await recomputeRoles(tx, dir, schemasOf(scope.directory).user, await usersUnderGroups(tx, dir, [group.id]));
      return { groupId: group.id, roles: cleaned };
    });
  }

  async listRules(directory: Directory): Promise<RoleRule[]> {
    return this.storage.db.selectFrom('role_rules').select(['id', 'filter', 'role', 'created']).where('directory_id', '=', directory.id).orderBy('created').execute();
  }

  /** Adds a rule: users matching the SCIM filter hold `role`. */
  async addRule(scope: Scope, filter: string, role: string): Promise<RoleRule> {
    const dir = scope.directory.id;
    const schema = schemasOf(scope.directory).user;
    if (!role.trim()) throw badRequest('invalidValue', 'A rule needs a role name');
    if (/effectiveRoles|(^|[^.\w])groups\b/i.test(filter)) {
      throw badRequest('invalidFilter', 'A rule cannot depend on roles or groups; map the group to a role instead');
    }
    const condition = new FilterCompiler({ schema, resource: 'User', dialect: this.storage.dialect }).compile(parseFilter(filter));
    const rule: RoleRule = { id: randomUUID(), filter, role: role.trim(), created: new Date().toISOString() };
    return this.storage.db.transaction().execute(async (tx) => {
      await tx.insertInto('role_rules').values({ directory_id: dir, ...rule }).execute();
      const matching = await tx
        .selectFrom('users as r')
        .select('r.id')
        .where('r.directory_id', '=', dir)
        .where('r.deleted_at', 'is', null)
        .where(condition as never)
        .execute();
      await recomputeRoles(tx, dir, schema, matching.map((m) => m.id));
      return rule;
    });
  }

  async removeRule(scope: Scope, id: string): Promise<boolean> {
    const dir = scope.directory.id;
    return this.storage.db.transaction().execute(async (tx) => {
      const holders = await tx.selectFrom('user_roles').select('user_id').where('directory_id', '=', dir).where('source', '=', `rule:${id}`).execute();
      const removed = await tx.deleteFrom('role_rules').where('directory_id', '=', dir).where('id', '=', id).executeTakeFirst();
      await recomputeRoles(tx, dir, schemasOf(scope.directory).user, holders.map((h) => h.user_id));
      return Number(removed.numDeletedRows) > 0;
    });
  }
}
