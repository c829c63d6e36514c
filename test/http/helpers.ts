// Shared helpers for the black-box HTTP and replay tests: SCIM constants, assertions on SCIM-shaped answers,
// and a small client for directories other than the harness's default one.
import { expect } from 'vitest';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
export const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** The request function of the harness (and of `directoryClient`). */
export interface ScimClient {
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
}

/** A client for another directory's base URL, with the same conventions as the harness's `roster.scim`. */
export function directoryClient(baseUrl: string, token: string): ScimClient & { baseUrl: string; token: string } {
  return {
    baseUrl,
    token,
    scim: (method, path, body, headers) => rawScim(baseUrl + path, token, method, body, headers),
  };
}

/** One request to an absolute URL: bearer token unless `authorization` is overridden ('' sends none). */
export async function rawScim(
  url: string,
  token: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ScimResponse> {
  const sent: Record<string, string> = {};
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (!('authorization' in lower)) sent.authorization = `Bearer ${token}`;
  if (body !== undefined) sent['content-type'] = 'application/scim+json';
  for (const [k, v] of Object.entries(lower)) if (v !== '') sent[k] = v;
  const res = await fetch(url, {
    method,
    headers: sent,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

let counter = 0;
/** A name no other test of this process uses: `${prefix}${n}-${random}`. */
export function unique(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** `?filter=` value, percent-encoded. */
export const q = (filter: string): string => encodeURIComponent(filter);

export const SCIM_CONTENT_TYPE = /^application\/scim\+json(\s*;\s*charset=utf-8)?$/i;

export function expectScimJson(res: ScimResponse): void {
  expect(res.headers.get('content-type') ?? '(none)', `content-type of ${res.status} ${res.text.slice(0, 200)}`).toMatch(
    SCIM_CONTENT_TYPE,
  );
}

export function expectStatus(res: ScimResponse, status: number): void {
  expect(res.status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`).toBe(status);
}

/** An RFC 7644 section 3.12 Error body with `status` as a string and a `detail` a person can read. */
export function expectError(res: ScimResponse, status: number, scimType?: string): void {
  expectStatus(res, status);
  expectScimJson(res);
  expect(res.body?.schemas, res.text).toEqual([ERROR_SCHEMA]);
  expect(res.body.status, 'status is a string').toBe(String(status));
  expect(typeof res.body.detail, 'detail is a string').toBe('string');
  expect(res.body.detail.length).toBeGreaterThan(0);
  if (scimType !== undefined) expect(res.body.scimType, res.text).toBe(scimType);
  expectNoStackTrace(res);
}

/** Any error (4xx) must still be an Error body; nothing may be a 5xx. */
export function expectHandled(res: ScimResponse, context = ''): void {
  expect(res.status, `${context} → ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.body?.schemas, `${context}: error body ${res.text.slice(0, 300)}`).toEqual([ERROR_SCHEMA]);
    expect(res.body.status).toBe(String(res.status));
  }
  expectNoStackTrace(res);
}

export function expectNoStackTrace(res: ScimResponse): void {
  expect(res.text).not.toMatch(/\n\s+at\s|node_modules|TypeError|ReferenceError/);
}

/** A ListResponse with integer counters; returns its Resources (an absent list counts as empty). */
export function expectList(res: ScimResponse): any[] {
  expectStatus(res, 200);
  expectScimJson(res);
  expect(res.body.schemas).toEqual([LIST_RESPONSE]);
  expect(Number.isInteger(res.body.totalResults), 'totalResults is an integer').toBe(true);
  if (res.body.itemsPerPage !== undefined) expect(Number.isInteger(res.body.itemsPerPage), 'itemsPerPage is an integer').toBe(true);
  if (res.body.startIndex !== undefined) expect(Number.isInteger(res.body.startIndex), 'startIndex is an integer').toBe(true);
  const resources = res.body.Resources ?? [];
  expect(Array.isArray(resources)).toBe(true);
  if (res.body.totalResults > 0 && res.body.itemsPerPage > 0) expect(res.body.Resources).toBeDefined();
  return resources;
}

/** A weak entity tag: W/"...". */
export const WEAK_ETAG = /^W\/".+"$/;

/** The resource answer of POST/GET/PUT: Location and ETag headers agree with `meta`. */
export function expectResource(res: ScimResponse, status: number, resourceType: 'User' | 'Group'): any {
  expectStatus(res, status);
  expectScimJson(res);
  const body = res.body;
  expect(body.schemas).toContain(resourceType === 'User' ? USER_SCHEMA : GROUP_SCHEMA);
  expect(typeof body.id).toBe('string');
  expect(body.id.length).toBeGreaterThan(0);
  expect(body.meta.resourceType).toBe(resourceType);
  expect(Number.isNaN(Date.parse(body.meta.created))).toBe(false);
  expect(Number.isNaN(Date.parse(body.meta.lastModified))).toBe(false);
  expect(body.meta.location).toMatch(new RegExp(`/${resourceType}s/${escapeRegExp(body.id)}$`));
  expect(body.meta.version).toMatch(WEAK_ETAG);
  expect(res.headers.get('etag')).toBe(body.meta.version);
  if (status === 201) expect(res.headers.get('location')).toBe(body.meta.location);
  expect(body).not.toHaveProperty('password');
  return body;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function patch(...operations: unknown[]): { schemas: string[]; Operations: unknown[] } {
  return { schemas: [PATCH_OP], Operations: operations };
}

export async function createUser(client: ScimClient, extra: Record<string, unknown> = {}): Promise<any> {
  const body = { schemas: [USER_SCHEMA], userName: `${unique('user')}@example.com`, ...extra };
  const res = await client.scim('POST', '/Users', body);
  expectStatus(res, 201);
  return res.body;
}

export async function createGroup(client: ScimClient, extra: Record<string, unknown> = {}): Promise<any> {
  const body = { schemas: [GROUP_SCHEMA], displayName: unique('Group '), ...extra };
  const res = await client.scim('POST', '/Groups', body);
  expectStatus(res, 201);
  return res.body;
}

export async function getResource(client: ScimClient, path: string): Promise<any> {
  const res = await client.scim('GET', path);
  expectStatus(res, 200);
  return res.body;
}

/** Member ids of a group, sorted, read fresh from the server. */
export async function memberIds(client: ScimClient, groupId: string): Promise<string[]> {
  const group = await getResource(client, `/Groups/${groupId}`);
  return ((group.members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

/** The user's `groups` as { value: type }. */
export async function userGroups(client: ScimClient, userId: string): Promise<Record<string, string>> {
  const user = await getResource(client, `/Users/${userId}`);
  return Object.fromEntries(((user.groups ?? []) as { value: string; type: string }[]).map((g) => [g.value, g.type]));
}

export function sorted(values: string[]): string[] {
  return [...values].sort();
}
