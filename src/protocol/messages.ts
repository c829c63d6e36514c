import { badRequest } from './errors.js';
import { parseAttributeList } from './attribute-list.js';

// RFC 7644 section 3: the message schemas, and the list/query parameters of section 3.4.2 (GET query strings)
// and section 3.4.3 (POST .search bodies), both read into one ListQuery.
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

export type SortOrder = 'ascending' | 'descending';

export interface ListQuery {
  filter?: string;
  /** 1-based. */
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: SortOrder;
  attributes?: string[];
  excludedAttributes?: string[];
  /** RFC 9865 cursor, passed through as given; an empty string asks for the first cursor page. */
  cursor?: string;
}

export interface ListLimits {
  /** The page size when the client sends no count. */
  defaultCount: number;
  /** The largest page; advertised as `filter.maxResults` in ServiceProviderConfig. */
  maxCount: number;
}

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: T[];
}

/** The parameters we read, by lower-cased name. Everything else is ignored (e.g. Entra's `aadOptscim062020`). */
const KNOWN = ['filter', 'startindex', 'count', 'sortby', 'sortorder', 'attributes', 'excludedattributes', 'cursor'] as const;
type Known = (typeof KNOWN)[number];

/** Canonical spelling for error messages. */
const DISPLAY_NAME: Record<Known, string> = {
  filter: 'filter',
  startindex: 'startIndex',
  count: 'count',
  sortby: 'sortBy',
  sortorder: 'sortOrder',
  attributes: 'attributes',
  excludedattributes: 'excludedAttributes',
  cursor: 'cursor',
};

/**
 * Reads a GET query string (already split into name → value by the HTTP layer; values are strings, or arrays of
 * strings when a name repeats). Parameter names are case-insensitive; unknown parameters are ignored.
 * A repeated list parameter (`attributes`) is merged; a repeated single-valued one with different values is a 400.
 */
export function parseListQuery(query: Record<string, unknown>, limits: ListLimits): ListQuery {
  const raw = new Map<Known, unknown[]>();
  if (isPlainObject(query)) {
    for (const key of Object.keys(query)) {
      const name = knownName(key);
      if (!name) continue;
      const value = query[key];
      const values = Array.isArray(value) ? value : [value];
      raw.set(name, [...(raw.get(name) ?? []), ...values.filter((v) => v !== undefined)]);
    }
  }
  const single = (name: Known): unknown => {
    const values = raw.get(name) ?? [];
    const distinct = [...new Set(values.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : v)))];
    if (distinct.length > 1) throw badRequest('invalidValue', `The query parameter "${DISPLAY_NAME[name]}" is given more than once.`);
    return distinct[0];
  };
  const list = (name: Known): string[] | undefined => {
    const names: string[] = [];
    for (const value of raw.get(name) ?? []) {
      if (typeof value !== 'string') throw badRequest('invalidValue', `The query parameter "${DISPLAY_NAME[name]}" must be a comma-separated list of attribute names.`);
      names.push(...parseAttributeList(value));
    }
    return names.length ? names : undefined;
  };
  return normalise(single, list, limits);
}

/**
 * Reads a POST `/.search` body (RFC 7644 section 3.4.3). `schemas` must list the SearchRequest URN (compared
 * case-insensitively); member names are case-insensitive; unknown members are ignored. Forgiving where no meaning
 * is lost: numeric strings for startIndex/count, and a comma-separated string for attributes.
 */
export function parseSearchRequest(body: unknown, limits: ListLimits): ListQuery {
  if (!isPlainObject(body)) throw badRequest('invalidSyntax', 'A search request body must be a JSON object.');
  const members = new Map<string, unknown>();
  for (const key of Object.keys(body)) members.set(key.toLowerCase(), body[key]);

  const schemas = members.get('schemas');
  const wanted = SEARCH_REQUEST_SCHEMA.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.trim().toLowerCase() === wanted)) {
    throw badRequest('invalidSyntax', `A search request must list "${SEARCH_REQUEST_SCHEMA}" in "schemas".`);
  }

  const single = (name: Known): unknown => {
    const value = members.get(name);
    return value === null ? undefined : value;
  };
  const list = (name: Known): string[] | undefined => {
    const value = single(name);
    if (value === undefined) return undefined;
    const items = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
      throw badRequest('invalidValue', `"${DISPLAY_NAME[name]}" must be an array of attribute names.`);
    }
    const names = items.flatMap((item) => parseAttributeList(item));
    return names.length ? names : undefined;
  };
  return normalise(single, list, limits);
}

/** Builds a ListResponse message (RFC 7644 section 3.4.2); counts are always sent as integers. */
export function listResponse<T>(
  resources: T[],
  page: { totalResults: number; startIndex: number; itemsPerPage: number; nextCursor?: string },
): ListResponse<T> {
  // Built in this order so `Resources` comes last, after the paging numbers, as in the RFC examples.
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: toInteger(page.totalResults, 0),
    startIndex: toInteger(page.startIndex, 1),
    itemsPerPage: toInteger(page.itemsPerPage, 0),
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    Resources: resources,
  };
}

function normalise(single: (name: Known) => unknown, list: (name: Known) => string[] | undefined, limits: ListLimits): ListQuery {
  const maxCount = Math.max(0, Math.floor(limits.maxCount));
  const query: ListQuery = {
    // RFC 7644 section 3.4.2.4: a startIndex below 1 means 1, a negative count means 0, a count above the
    // server's maximum means the maximum.
    startIndex: Math.max(1, readInteger(single('startindex'), 'startIndex') ?? 1),
    count: Math.min(maxCount, Math.max(0, readInteger(single('count'), 'count') ?? Math.floor(limits.defaultCount))),
    sortOrder: readSortOrder(single('sortorder')),
  };

  const filter = single('filter');
  if (filter !== undefined) {
    // A blank filter is refused rather than read as "no filter": answering with every resource where the client
    // meant to match one could make it link the wrong account.
    if (typeof filter !== 'string' || filter.trim() === '') throw badRequest('invalidFilter', 'The filter is empty or not a string.');
    query.filter = filter;
  }

  const sortBy = readString(single('sortby'), 'sortBy');
  if (sortBy !== undefined && sortBy.trim() !== '') query.sortBy = sortBy.trim();

  const attributes = list('attributes');
  if (attributes) query.attributes = attributes;
  const excluded = list('excludedattributes');
  if (excluded) query.excludedAttributes = excluded;

  const cursor = readString(single('cursor'), 'cursor');
  if (cursor !== undefined) query.cursor = cursor;
  return query;
}

/** An integer from a number or a string of digits; undefined when absent or blank. */
function readInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  let number: number | undefined;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    // Digits only; a string of 400 digits reads as ±Infinity and is clamped below like any large number.
    if (/^[+-]?\d+$/.test(text)) number = Number(text);
  }
  if (number === undefined || Number.isNaN(number) || (Number.isFinite(number) && !Number.isInteger(number))) {
    throw badRequest('invalidValue', `"${name}" must be an integer, got ${describe(value)}.`);
  }
  // Digits beyond safe-integer range still mean "very large" (or very small); clamp, never lose the sign.
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, number));
}

function readSortOrder(value: unknown): SortOrder {
  const text = readString(value, 'sortOrder');
  if (text === undefined || text.trim() === '') return 'ascending';
  const order = text.trim().toLowerCase();
  if (order === 'ascending' || order === 'descending') return order;
  throw badRequest('invalidValue', `"sortOrder" must be "ascending" or "descending", got ${describe(value)}.`);
}

function readString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest('invalidValue', `"${name}" must be a string.`);
  return value;
}

function knownName(key: string): Known | undefined {
  const lower = key.toLowerCase();
  return (KNOWN as readonly string[]).includes(lower) ? (lower as Known) : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toInteger(value: number, fallback: number): number {
  return Number.isFinite(value) ? Math.trunc(value) : fallback;
}

/** A short, safe rendering of a bad value for an error detail. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : typeof value;
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
