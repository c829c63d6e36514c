// Helpers shared by the issue-3 tests (policies, soft deletion, extensions, roles, history): a directory of its
// own per test, scopes for admin calls through the service, and raw looks at the stored rows.
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Scope } from '../../src/directory/context.js';
import type { Directory } from '../../src/directory/tenants.js';
import type { Storage } from '../../src/storage/database.js';
import type { Roster } from '../support/roster.js';
import { directoryClient, expectStatus, patch, unique, type ScimClient, type ScimResponse } from '../http/helpers.js';

export const ROLES_EXT = 'urn:roster:params:scim:schemas:extension:roles:2.0:User';
export const OKTA_EXT = 'urn:okta:params:scim:schemas:extension:custom:1.0:User';
export const OKTA_UA = { 'user-agent': 'Okta SCIM Client 1.0.0' };
export const ENTRA_UA = { 'user-agent': 'Microsoft Azure AD SCIM provisioning 1.0' };

export interface TestDirectory extends ScimClient {
  slug: string;
  baseUrl: string;
  token: string;
  /** The directory row as it is now (policies and extensions are read from it). */
  row(): Promise<Directory>;
  /** A scope for service calls by an administrator, built from the current row. */
  adminScope(): Promise<Scope>;
  setPolicy(changes: Record<string, string>): Promise<void>;
}

/** A fresh directory with its own SCIM token (label "test"): tests never see each other's data or policies. */
export async function newDirectory(roster: Roster, prefix = 'd'): Promise<TestDirectory> {
  const slug = unique(prefix).toLowerCase();
  const { baseUrl, token } = await roster.createDirectory(slug);
  const client = directoryClient(baseUrl, token);
  const row = () => roster.service.tenants.requireDirectory(slug);
  return {
    ...client,
    slug,
    row,
    adminScope: async () => ({ directory: await row(), base: baseUrl, actor: { kind: 'admin', label: 'test' } }),
    setPolicy: async (changes) => {
      await roster.service.policies.update(await row(), changes);
    },
  };
}

/** Every table of the test database, whatever the backend. */
export async function allTables(storage: Storage): Promise<string[]> {
  if (storage.dialect === 'sqlite') {
    const result = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(storage.db);
    return result.rows.map((r) => r.name);
  }
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(storage.db);
  return result.rows.map((r) => r.table_name);
}

/** All rows of one table, as JSON text (binary columns decoded as UTF-8 too, so nothing hides in a blob). */
export async function tableText(storage: Storage, table: string): Promise<string> {
  const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(storage.db);
  return JSON.stringify(result.rows, (_key, value) =>
    value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer'
      ? Buffer.from((value as { data: number[] }).data).toString('utf8')
      : typeof value === 'bigint'
        ? String(value)
        : value,
  );
}

export async function userRow(storage: Storage, id: string) {
  return storage.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countRows(storage: Storage, table: 'users' | 'groups' | 'memberships' | 'changes' | 'user_roles' | 'user_emails', directoryId: string): Promise<number> {
  const row = await storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('directory_id', '=', directoryId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A user's effective roles as applications read them over SCIM, sorted. */
export async function rolesOf(client: ScimClient, userId: string): Promise<string[]> {
  const res = await client.scim('GET', `/Users/${userId}`);
  expectStatus(res, 200);
  const roles = (res.body[ROLES_EXT]?.effectiveRoles ?? []) as string[];
  if (roles.length > 0) expect(res.body.schemas).toContain(ROLES_EXT);
  return [...roles].sort();
}

/** Ids of the users a filter returns, sorted. */
export async function idsFor(client: ScimClient, filter: string): Promise<string[]> {
  const res = await client.scim('GET', `/Users?filter=${encodeURIComponent(filter)}&count=1000`);
  expectStatus(res, 200);
  return ((res.body.Resources ?? []) as { id: string }[]).map((r) => r.id).sort();
}

export const addMembers = (client: ScimClient, groupId: string, ...ids: string[]): Promise<ScimResponse> =>
  client.scim('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }));

export const removeMember = (client: ScimClient, groupId: string, id: string): Promise<ScimResponse> =>
  client.scim('PATCH', `/Groups/${groupId}`, patch({ op: 'remove', path: `members[value eq "${id}"]` }));
