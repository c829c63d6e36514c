import type { Directory } from './tenants.js';

/** Where a call happens: the directory, and the SCIM base URL that resource locations are built from. */
export interface Scope {
  directory: Directory;
  base: string;
}

/** Options of a list call, after the HTTP layer parsed them (see protocol/messages.ts). */
export interface ListOptions {
  filter?: string;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
}
