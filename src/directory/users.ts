import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { ScimError, notFound } from '../protocol/errors.js';
import { applyPatch } from '../protocol/patch.js';
import { normalizeResource, type ResourceDoc } from '../protocol/resource.js';
import { userResources } from '../protocol/schema/registry.js';
import { etagFor, etagMatches } from '../protocol/version.js';
import { fold, type Storage } from '../storage/database.js';
import { uniquenessError } from '../storage/errors.js';
import { presentUser, type GroupRef } from '../storage/present.js';
import type { Database, UsersTable } from '../storage/tables.js';
import type { ListOptions, Scope } from './context.js';
import { compileList, pageQuery } from './listing.js';
import { hashPassword } from './passwords.js';
import { inTransaction } from './transactions.js';

type UserRow = Omit<UsersTable, 'seq'>;
type Tx = Transaction<Database>;
export type ScimResource = Record<string, unknown>;

const USER_COLUMNS = [
  'directory_id', 'id', 'user_name', 'user_name_ci', 'external_id', 'display_name', 'active',
  'created', 'last_modified', 'version', 'doc', 'password_hash',
] as const;

/** Users of a directory: every write validates, runs in one transaction, and keeps the email index in step. */
export class Users {
  constructor(private readonly storage: Storage) {}

  async create(scope: Scope, body: unknown): Promise<ScimResource> {
    const { doc, password } = normalizeResource(userResources, body);
    const passwordHash = password !== undefined ? await hashPassword(password) : null;
    const now = new Date().toISOString();
    const row: UserRow = {
      ...columnsFor(doc),
      directory_id: scope.directory.id,
      id: randomUUID(),
      created: now,
      last_modified: now,
      version: 1,
      password_hash: passwordHash,
    };
    await this.write('User', async (tx) => {
      await tx.insertInto('users').values(row).execute();
      await writeEmails(tx, row.directory_id, row.id, doc);
    });
    return presentUser(row, scope.base, []);
  }

  async get(scope: Scope, id: string, withGroups = true): Promise<ScimResource> {
    const row = await this.find(this.storage.db, scope, id);
    if (!row) throw notFound(`User ${id} not found`);
    return presentUser(row, scope.base, withGroups ? await groupsOf(this.storage.db, scope.directory.id, id) : undefined);
  }

  async list(scope: Scope, options: ListOptions, withGroups = true): Promise<{ total: number; resources: ScimResource[] }> {
    const compiled = compileList(userResources, 'User', this.storage.dialect, options);
    const db = this.storage.db;
    let countQuery = db.selectFrom('users as r').select((eb) => eb.fn.countAll<number>().as('n')).where('r.directory_id', '=', scope.directory.id);
    if (compiled.where) countQuery = countQuery.where(compiled.where as never);
    const { n } = await countQuery.executeTakeFirstOrThrow();
    const total = Number(n);
    if (options.count === 0 || total < options.startIndex) return { total, resources: [] };
    const rows = await pageQuery(
      db.selectFrom('users as r').select(USER_COLUMNS.map((c) => `r.${c}` as const)).where('r.directory_id', '=', scope.directory.id),
      compiled,
      options,
    ).execute();
    const resources: ScimResource[] = [];
    for (const row of rows) {
      resources.push(presentUser(row, scope.base, withGroups ? await groupsOf(db, scope.directory.id, row.id) : undefined));
    }
    return { total, resources };
  }

  async replace(scope: Scope, id: string, body: unknown, ifMatch?: string): Promise<ScimResource> {
    const { doc, password } = normalizeResource(userResources, body);
    const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
    return this.update(scope, id, ifMatch, async () => ({ doc, passwordHash }));
  }

  async patch(scope: Scope, id: string, body: unknown, ifMatch?: string): Promise<ScimResource> {
    return this.update(scope, id, ifMatch, async (current) => {
      const result = applyPatch(userResources, JSON.parse(current.doc) as ResourceDoc, body, { resourceId: id });
      const passwordHash = result.password !== undefined ? await hashPassword(result.password) : undefined;
      return { doc: result.doc, passwordHash };
    });
  }

  async delete(scope: Scope, id: string, ifMatch?: string): Promise<void> {
    await inTransaction(this.storage, async (tx) => {
      const current = await this.find(tx, scope, id);
      if (!current) throw notFound(`User ${id} not found`);
      checkIfMatch(ifMatch, current.version);
      const dir = scope.directory.id;
      // The row first: it waits for group writers that share-locked it, so their new memberships go below too.
      await tx.deleteFrom('users').where('directory_id', '=', dir).where('id', '=', id).execute();
      await tx.deleteFrom('memberships').where('directory_id', '=', dir).where('member_id', '=', id).where('member_type', '=', 'User').execute();
      await tx.deleteFrom('user_emails').where('directory_id', '=', dir).where('user_id', '=', id).execute();
    });
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
    for (let attempt = 0; ; attempt++) {
      const current = await this.find(this.storage.db, scope, id);
      if (!current) throw notFound(`User ${id} not found`);
      checkIfMatch(ifMatch, current.version);
      const { doc, passwordHash } = await change(current);
      const next: UserRow = {
        ...current,
        ...columnsFor(doc),
        last_modified: new Date(Math.max(Date.now(), Date.parse(current.last_modified))).toISOString(),
        version: current.version + 1,
        password_hash: passwordHash ?? current.password_hash,
      };
      const unchanged = next.doc === current.doc && next.password_hash === current.password_hash;
      if (unchanged) return presentUser(current, scope.base, await groupsOf(this.storage.db, scope.directory.id, id));
      const written = await this.write('User', async (tx) => {
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
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        await writeEmails(tx, scope.directory.id, id, doc);
        return true;
      });
      if (written) return presentUser(next, scope.base, await groupsOf(this.storage.db, scope.directory.id, id));
      if (ifMatch !== undefined) throw preconditionFailed();
      if (attempt >= 5) throw new ScimError(409, undefined, 'The user changed concurrently too often; try again');
    }
  }

  private find(db: Storage['db'] | Tx, scope: Scope, id: string): Promise<UserRow | undefined> {
    return db
      .selectFrom('users')
      .select(USER_COLUMNS)
      .where('directory_id', '=', scope.directory.id)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  private async write<T>(resource: 'User', work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.storage, work);
    } catch (error) {
      throw uniquenessError(error, resource) ?? error;
    }
  }
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

async function writeEmails(tx: Tx, directoryId: string, userId: string, doc: ResourceDoc): Promise<void> {
  await tx.deleteFrom('user_emails').where('directory_id', '=', directoryId).where('user_id', '=', userId).execute();
  const emails = (doc.emails as Record<string, unknown>[] | undefined) ?? [];
  // Batches keep each statement under the databases' bound-parameter limits.
  for (let start = 0; start < emails.length; start += 500) {
    await insertEmails(tx, directoryId, userId, emails.slice(start, start + 500), start);
  }
}

async function insertEmails(tx: Tx, directoryId: string, userId: string, emails: Record<string, unknown>[], offset: number) {
  await tx
    .insertInto('user_emails')
    .values(
      emails.map((email, index) => {
        const position = offset + index;
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
      }),
    )
    .execute();
}

/** A user's groups: direct memberships and the groups those are nested in (indirect), each once. */
export async function groupsOf(db: Storage['db'] | Tx, directoryId: string, userId: string): Promise<GroupRef[]> {
  const result = await sql<{ id: string; display_name: string; depth: number }>`
    with recursive reach(group_id, depth) as (
      select group_id, 0 from memberships
      where directory_id = ${directoryId} and member_id = ${userId} and member_type = 'User'
      union
      select m.group_id, 1 from memberships m join reach on m.member_id = reach.group_id
      where m.directory_id = ${directoryId} and m.member_type = 'Group'
    )
    select g.id, g.display_name, min(reach.depth) as depth
    from reach join groups g on g.directory_id = ${directoryId} and g.id = reach.group_id
    group by g.id, g.display_name, g.seq
    order by g.seq`.execute(db);
  return result.rows.map((r) => ({ value: r.id, display: r.display_name, type: Number(r.depth) === 0 ? 'direct' : 'indirect' }));
}
