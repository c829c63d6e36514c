// Shared setup for the import/export tests: a directory service on a fresh database, and helpers to feed text.
import type { Scope } from '../../src/directory/context.js';
import { exportDirectory, importResources, type ImportOptions } from '../../src/directory/import-export.js';
import { Roster } from '../../src/directory/roster.js';
import { migrate, openStorage, type Storage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export interface Env {
  roster: Roster;
  storage: Storage;
  database: TestDatabase;
  directory(slug: string): Promise<Scope>;
  close(): Promise<void>;
}

export async function openEnv(): Promise<Env> {
  const database = await createTestDatabase();
  const storage = openStorage(database.url);
  await migrate(storage);
  const roster = new Roster(storage);
  return {
    roster,
    storage,
    database,
    async directory(slug) {
      const directory = (await roster.tenants.findDirectory(slug)) ?? (await roster.tenants.createDirectory(slug));
      return { directory, base: `https://roster.example.com/d/${slug}/scim/v2`, actor: { kind: 'import', label: 'test import' } };
    },
    async close() {
      await storage.close();
      await database.drop();
    },
  };
}

/** Lines of a text, as readline gives them. */
export async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split(/\r?\n/)) yield line;
}

export function runImport(env: Env, scope: Scope, text: string, options: ImportOptions) {
  return importResources(env.roster, scope, linesOf(text), options);
}

export async function runExport(env: Env, scope: Scope, format: 'csv' | 'ndjson', pageSize?: number): Promise<string> {
  let out = '';
  await exportDirectory(env.roster, scope, { format, pageSize, write: (text) => void (out += text) });
  return out;
}

/** Every user and group of a directory, in creation order. */
export async function everything(env: Env, scope: Scope) {
  const page = { startIndex: 1, count: 1000, sortOrder: 'ascending' as const };
  const users = (await env.roster.users.list(scope, page, true)).resources;
  const groups = (await env.roster.groups.list(scope, page, true)).resources;
  return { users, groups };
}

/**
 * A directory's state without server-assigned parts: ids become names (userName, displayName), `meta` and `$ref`s
 * go, lists of references are sorted. Two directories with the same users, groups and memberships compare equal.
 */
export async function comparableState(env: Env, scope: Scope) {
  const { users, groups } = await everything(env, scope);
  const names = new Map<string, string>();
  for (const u of users) names.set(u.id as string, `User:${u.userName as string}`);
  for (const g of groups) names.set(g.id as string, `Group:${g.displayName as string}`);
  const strip = (resource: Record<string, unknown>) => {
    const { id: _id, meta: _meta, ...rest } = resource;
    return rest;
  };
  const refs = (list: unknown) =>
    ((list as { value: string; type?: string }[] | undefined) ?? []).map((r) => `${names.get(r.value) ?? `?${r.value}`}${r.type && !['User', 'Group'].includes(r.type) ? `/${r.type}` : ''}`).sort();
  return {
    users: users
      .map((u) => {
        const out = strip(u);
        if (out.groups) out.groups = refs(out.groups);
        const enterprise = out[ENTERPRISE] as Record<string, unknown> | undefined;
        if (enterprise?.manager) {
          const manager = enterprise.manager as { value: string };
          out[ENTERPRISE] = { ...enterprise, manager: names.get(manager.value) ?? `?${manager.value}` };
        }
        return out;
      })
      .sort((a, b) => String(a.userName).localeCompare(String(b.userName))),
    groups: groups
      .map((g) => {
        const out = strip(g);
        if (out.members) out.members = refs(out.members);
        return out;
      })
      .sort((a, b) => String(a.displayName).localeCompare(String(b.displayName))),
  };
}
