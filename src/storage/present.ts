import { etagFor } from '../protocol/version.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ROLES_EXTENSION_SCHEMA, USER_SCHEMA } from '../protocol/schema/registry.js';
import type { GroupsTable, UsersTable } from './tables.js';

// Turns stored rows into SCIM resources (before projection). The document holds the client-writable
// attributes; id, meta, groups and members come from columns and tables.

export interface GroupRef {
  value: string;
  display: string;
  type: 'direct' | 'indirect';
}

export interface MemberOut {
  value: string;
  type: 'User' | 'Group';
  display?: string;
}

type Row<T> = Omit<T, 'seq'>;

function schemasOf(core: string, doc: Record<string, unknown>, extensions: string[]): string[] {
  return [core, ...extensions.filter((id) => doc[id] !== undefined)];
}

export function presentUser(row: Row<UsersTable>, base: string, groups?: GroupRef[], extensionIds = [ENTERPRISE_USER_SCHEMA], roles?: string[]) {
  const doc = JSON.parse(row.doc) as Record<string, unknown>;
  const location = `${base}/Users/${row.id}`;
  const resource: Record<string, unknown> = { schemas: schemasOf(USER_SCHEMA, doc, extensionIds), id: row.id, ...doc };
  if (roles !== undefined && roles.length > 0) {
    resource[ROLES_EXTENSION_SCHEMA] = { effectiveRoles: roles };
    (resource.schemas as string[]).push(ROLES_EXTENSION_SCHEMA);
  }
  if (groups !== undefined && groups.length > 0) {
    resource.groups = groups.map((g) => ({ value: g.value, $ref: `${base}/Groups/${g.value}`, display: g.display, type: g.type }));
  }
  resource.meta = {
    resourceType: 'User',
    created: row.created,
    lastModified: row.last_modified,
    location,
    version: etagFor(row.version),
  };
  return resource;
}

export function presentGroup(row: Row<GroupsTable>, base: string, members?: MemberOut[]) {
  const doc = JSON.parse(row.doc) as Record<string, unknown>;
  const resource: Record<string, unknown> = { schemas: [GROUP_SCHEMA], id: row.id, ...doc };
  if (members !== undefined && members.length > 0) {
    resource.members = members.map((m) => ({
      value: m.value,
      $ref: `${base}/${m.type === 'User' ? 'Users' : 'Groups'}/${m.value}`,
      type: m.type,
      ...(m.display !== undefined ? { display: m.display } : {}),
    }));
  }
  resource.meta = {
    resourceType: 'Group',
    created: row.created,
    lastModified: row.last_modified,
    location: `${base}/Groups/${row.id}`,
    version: etagFor(row.version),
  };
  return resource;
}
