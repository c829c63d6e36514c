import type { ResourceSchema } from '../protocol/schema/registry.js';
import type { DirectoryPolicy } from './policies.js';
import type { Directory } from './tenants.js';

/** Who makes a change: recorded with it in the history, and what policies apply to. */
export interface Actor {
  kind: 'scim' | 'admin' | 'cli' | 'import' | 'sync' | 'system';
  id?: string;
  label?: string;
  /** The recognised SCIM client (okta, entra, ...), for SCIM actors. */
  client?: string;
  /** A peer Roster or target this change arrived from; outbound sync never sends it back there. */
  origin?: string;
}

/** The schemas of one directory: the built-in ones plus the extensions it declared. */
export interface DirectorySchemas {
  user: ResourceSchema;
  group: ResourceSchema;
}

/** Where a call happens: the directory, who acts, and the SCIM base URL that resource locations are built from. */
export interface Scope {
  directory: Directory;
  base: string;
  actor: Actor;
}

/** Options of a list call, after the HTTP layer parsed them (see protocol/messages.ts). */
export interface ListOptions {
  filter?: string;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
  /** RFC 9865: page in creation order after this cursor ('' for the first page) instead of by startIndex. */
  cursor?: string;
}

export type { DirectoryPolicy };
