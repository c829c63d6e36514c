import type { Generated } from 'kysely';
import type { ConsoleTables } from './console-tables.js';
import type { ProvisioningLogTables } from './log-tables.js';
import type { OutboundTables } from './outbound-tables.js';

// Every table is keyed by directory first and no query crosses directories, so the data can be
// sharded by directory (Citus) later. `directories` is the one small reference table.

export interface DirectoriesTable {
  id: string;
  slug: string;
  name: string;
  created: string;
  settings: string; // JSON
}

export interface TokensTable {
  directory_id: string;
  id: string;
  label: string;
  scope: 'scim:read' | 'scim:write' | 'changes:read' | 'password:check'; // the last two: the application API (src/http/outbound-routes.ts)
  hash: string; // SHA-256 of the token, hex
  created: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface UsersTable {
  seq: Generated<number>; // creation order: the stable default order of lists
  directory_id: string;
  id: string;
  user_name: string;
  user_name_ci: string; // folded copy, unique per directory
  external_id: string | null;
  display_name: string | null;
  active: number; // 0 or 1 (better-sqlite3 cannot bind booleans)
  created: string;
  last_modified: string;
  version: number;
  doc: string; // the client-writable attributes as JSON (see protocol/resource.ts)
  password_hash: string | null;
  deleted_at: string | null; // soft deletion: hidden from SCIM, kept for the retention period
}

export interface UserEmailsTable {
  directory_id: string;
  user_id: string;
  position: number;
  value: string | null;
  value_ci: string | null;
  display: string | null;
  type: string | null;
  primary: number;
}

export interface GroupsTable {
  seq: Generated<number>;
  directory_id: string;
  id: string;
  display_name: string;
  display_name_ci: string;
  external_id: string | null;
  created: string;
  last_modified: string;
  version: number;
  doc: string;
}

export interface MembershipsTable {
  directory_id: string;
  group_id: string;
  member_id: string;
  member_type: 'User' | 'Group';
}

export interface JobLeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

/** The history's per-directory sequence (see changes). */
export interface DirectoryCountersTable {
  directory_id: string;
  change_seq: number;
}

/** One change to a user or group, in a gap-free order per directory; the source of outbound sync and webhooks. */
export interface ChangesTable {
  directory_id: string;
  seq: number;
  time: string;
  resource_type: 'User' | 'Group';
  resource_id: string;
  resource_name: string | null;
  event: string; // user.created, user.updated, ..., group.member_added (see directory/history.ts)
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  actor_client: string | null;
  origin: string | null; // the peer a change came from, so it is never sent back to it
  data: string; // JSON: { changes: { attribute: { before, after } } } or { member: {...} }; never a secret
}

export interface RoleMappingsTable {
  directory_id: string;
  group_id: string;
  role: string;
}

export interface RoleRulesTable {
  directory_id: string;
  id: string;
  filter: string;
  role: string;
  created: string;
}

export interface UserRolesTable {
  directory_id: string;
  user_id: string;
  role: string;
  source: string; // 'idp', 'group:<id>', 'rule:<id>'
}

/** Live users per block of creation sequence, kept by triggers (migration 007): totals and deep pages. */
export interface UserBlocksTable {
  directory_id: string;
  block: number;
  live: number;
}

export interface Database extends ProvisioningLogTables, ConsoleTables, OutboundTables {
  directory_counters: DirectoryCountersTable;
  changes: ChangesTable;
  role_mappings: RoleMappingsTable;
  role_rules: RoleRulesTable;
  user_roles: UserRolesTable;
  job_leases: JobLeasesTable;
  directories: DirectoriesTable;
  tokens: TokensTable;
  users: UsersTable;
  user_blocks: UserBlocksTable;
  user_emails: UserEmailsTable;
  groups: GroupsTable;
  memberships: MembershipsTable;
}
