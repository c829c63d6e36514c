import type { Filter } from '../protocol/filter/ast.js';
import { formatAttrPath, parseFilter } from '../protocol/filter/index.js';

// What a SCIM request did, in words a person reads in the provisioning log: "create user jane@example.com",
// "deactivate user jane@x", "add 1 member to group Engineering", "lookup user by userName jane@x". Pure and
// total: it reads the request only to describe it (the body is never kept) and never throws.

export type LogOperation =
  | 'create'
  | 'update'
  | 'deactivate'
  | 'reactivate'
  | 'password'
  | 'rename'
  | 'members'
  | 'delete'
  | 'read'
  | 'lookup'
  | 'search'
  | 'list'
  | 'test-connection'
  | 'bulk'
  | 'discovery'
  | 'password-check'
  | 'other';

export const LOG_OPERATIONS: readonly LogOperation[] = [
  'create', 'update', 'deactivate', 'reactivate', 'password', 'rename', 'members', 'delete',
  'read', 'lookup', 'search', 'list', 'test-connection', 'bulk', 'discovery', 'password-check', 'other',
];

export type ResourceKind = 'User' | 'Group';

export interface RequestFacts {
  method: string;
  /** Relative to the SCIM base URL, without the query: `/Users`, `/Groups/{id}`, `/Bulk`. */
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  status: number;
  /** The Location header of a 201. */
  location?: string;
  /** The parsed response body, when it was small enough to read. */
  response?: unknown;
}

export interface RequestDescription {
  operation: LogOperation;
  resourceType?: ResourceKind;
  resourceId?: string;
  /** userName or displayName, when the request or its answer names it. */
  resourceName?: string;
  /** The one-line summary, given the resource's name when it was found later (or undefined). */
  summarize(name: string | undefined): string;
}

const MAX_NAME = 200;
const MAX_FILTER_TEXT = 160;
const MAX_OPERATIONS = 1000;

export function describeRequest(facts: RequestFacts): RequestDescription {
  try {
    return describe(facts);
  } catch {
    const text = `${facts.method.toUpperCase()} ${clip(facts.path, MAX_NAME)}`;
    return { operation: 'other', summarize: () => text };
  }
}

function describe(facts: RequestFacts): RequestDescription {
  const method = facts.method.toUpperCase();
  const path = facts.path.replace(/\/+$/, '') || '/';
  const query = isObject(facts.query) ? facts.query : {};
  const segments = path.split('/').filter(Boolean);
  const head = (segments[0] ?? '').toLowerCase();
  const kind: ResourceKind | undefined = head === 'users' ? 'User' : head === 'groups' ? 'Group' : undefined;

  if (kind && segments.length === 1) {
    if (method === 'POST') return create(kind, facts);
    if (method === 'GET') return list(kind, query);
  }
  if (kind && segments.length === 2 && segments[1].toLowerCase() === '.search' && method === 'POST') {
    return search(kind, facts.body);
  }
  if (kind && segments.length === 2) {
    const id = clip(decode(segments[1]), MAX_NAME);
    const known = nameFromBody(kind, facts.response);
    switch (method) {
      case 'GET':
        return single('read', kind, id, known, (name) => `read ${noun(kind)} ${name}`);
      case 'PUT':
        return replace(kind, id, facts.body, known);
      case 'PATCH':
        return kind === 'User' ? patchUser(id, facts.body, known) : patchGroup(id, facts.body, known);
      case 'DELETE':
        return single('delete', kind, id, undefined, (name) => `delete ${noun(kind)} ${name}`);
    }
  }
  if (head === '.search' && segments.length === 1 && method === 'POST') return search(undefined, facts.body);
  if (head === 'bulk' && segments.length === 1 && method === 'POST') return bulk(facts.body);
  const discovery = ['serviceproviderconfig', 'schemas', 'resourcetypes'].includes(head);
  if (discovery && method === 'GET') {
    const what = { serviceproviderconfig: 'ServiceProviderConfig', schemas: 'Schemas', resourcetypes: 'ResourceTypes' }[head];
    const text = segments.length > 1 ? `read ${what} ${clip(decode(segments[1]), MAX_NAME)}` : `read ${what}`;
    return { operation: 'discovery', summarize: () => text };
  }
  const text = `${method} ${clip(path, MAX_NAME)}`;
  return { operation: 'other', summarize: () => text };
}

const noun = (kind: ResourceKind) => (kind === 'User' ? 'user' : 'group');
const nouns = (kind: ResourceKind | undefined) => (kind === 'User' ? 'users' : kind === 'Group' ? 'groups' : 'resources');

function single(
  operation: LogOperation,
  kind: ResourceKind,
  id: string,
  name: string | undefined,
  text: (name: string) => string,
): RequestDescription {
  return { operation, resourceType: kind, resourceId: id, resourceName: name, summarize: (found) => text(found ?? name ?? id) };
}

function create(kind: ResourceKind, facts: RequestFacts): RequestDescription {
  const name = nameFromBody(kind, facts.body);
  const id = idFromLocation(facts.location) ?? idFromBody(facts.response);
  let tail = '';
  if (kind === 'User' && booleanish(field(facts.body, 'active')) === false) tail = ' (inactive)';
  if (kind === 'Group') {
    const members = field(facts.body, 'members');
    if (Array.isArray(members) && members.length > 0) tail = ` with ${count(members.length, 'member')}`;
  }
  return {
    operation: 'create',
    resourceType: kind,
    resourceId: id,
    resourceName: name,
    summarize: (found) => `create ${noun(kind)}${prefixed(name ?? found ?? id)}${tail}`,
  };
}

function replace(kind: ResourceKind, id: string, body: unknown, known: string | undefined): RequestDescription {
  const name = nameFromBody(kind, body) ?? known;
  let tail = '';
  if (kind === 'User' && booleanish(field(body, 'active')) === false) tail = ' (inactive)';
  if (kind === 'Group') {
    const members = field(body, 'members');
    if (Array.isArray(members)) tail = ` (${count(members.length, 'member')})`;
  }
  return single('update', kind, id, name, (n) => `update ${noun(kind)} ${n}${tail}`);
}

/** One PATCH operation reduced to what the summary needs: op name, the attribute it touches, the value. */
interface Change {
  op: string;
  attribute: string | undefined;
  /** The raw path, for member filters. */
  path: string | undefined;
  value: unknown;
}

function changesOf(body: unknown): Change[] {
  const operations = field(body, 'Operations');
  if (!Array.isArray(operations)) return [];
  const changes: Change[] = [];
  for (const raw of operations.slice(0, MAX_OPERATIONS)) {
    if (!isObject(raw)) continue;
    const op = typeof field(raw, 'op') === 'string' ? (field(raw, 'op') as string).toLowerCase() : '';
    const path = typeof field(raw, 'path') === 'string' ? (field(raw, 'path') as string) : undefined;
    const value = field(raw, 'value');
    if (path !== undefined && path.trim() !== '') {
      changes.push({ op, attribute: attributeOf(path), path, value });
    } else if (isObject(value)) {
      // No path: each key of the value is an attribute (dotted and URN-qualified keys included).
      for (const key of Object.keys(value).slice(0, 100)) {
        if (isUrn(key) && isObject(value[key])) {
          for (const inner of Object.keys(value[key] as object).slice(0, 100)) {
            changes.push({ op, attribute: attributeOf(inner), path: undefined, value: (value[key] as Record<string, unknown>)[inner] });
          }
        } else {
          changes.push({ op, attribute: attributeOf(key), path: undefined, value: value[key] });
        }
      }
    } else {
      changes.push({ op, attribute: undefined, path: undefined, value });
    }
  }
  return changes;
}

function patchUser(id: string, body: unknown, known: string | undefined): RequestDescription {
  const changes = changesOf(body).filter((c) => c.attribute !== 'id' && c.attribute !== 'schemas');
  const attributes = unique(changes.map((c) => c.attribute ?? '?'));
  const activeChange = [...changes].reverse().find((c) => c.attribute === 'active');
  const active = activeChange ? (activeChange.op === 'remove' ? undefined : booleanish(activeChange.value)) : undefined;
  if (attributes.length === 1 && attributes[0] === 'active' && active !== undefined) {
    return single(active ? 'reactivate' : 'deactivate', 'User', id, known, (n) => `${active ? 'reactivate' : 'deactivate'} user ${n}`);
  }
  if (attributes.length === 1 && attributes[0] === 'password') {
    return single('password', 'User', id, known, (n) => `change password of user ${n}`);
  }
  const listed = attributes.map((a) => (a === 'active' && active !== undefined ? `active=${active}` : a));
  const what = listed.length ? `: ${listWords(listed)}` : '';
  return single('update', 'User', id, known, (n) => `update user ${n}${what}`);
}

function patchGroup(id: string, body: unknown, known: string | undefined): RequestDescription {
  const changes = changesOf(body).filter((c) => c.attribute !== 'id' && c.attribute !== 'schemas');
  let added = 0;
  let removed = 0;
  let removeAll = false;
  let setTo: number | undefined;
  let newName: string | undefined;
  const others: string[] = [];
  for (const change of changes) {
    if (change.attribute === 'members') {
      const filtered = change.path !== undefined && change.path.includes('[');
      const values = Array.isArray(change.value) ? change.value.length : change.value === undefined || change.value === null ? 0 : 1;
      if (change.op === 'add') added += values;
      else if (change.op === 'replace' && !filtered) setTo = values;
      else if (change.op === 'remove') {
        if (filtered) removed += Math.max(1, countEq(change.path!));
        else if (values > 0) removed += values;
        else removeAll = true;
      }
    } else if (change.attribute === 'displayName' && change.op !== 'remove' && typeof change.value === 'string') {
      newName = clip(change.value, MAX_NAME);
    } else if (change.attribute !== undefined) {
      others.push(change.attribute);
    }
  }
  const memberChange = added > 0 || removed > 0 || removeAll || setTo !== undefined;
  const operation: LogOperation =
    others.length > 0 || (memberChange && newName !== undefined) ? 'update' : memberChange ? 'members' : newName !== undefined ? 'rename' : 'update';
  const summarize = (found: string | undefined) => {
    const group = `group ${newName ?? found ?? known ?? id}`;
    const parts: string[] = [];
    if (newName !== undefined) parts.push(`rename group to ${newName}`);
    if (setTo !== undefined) parts.push(`set ${count(setTo, 'member')} of ${group}`);
    if (removeAll) parts.push(`remove all members from ${group}`);
    if (added > 0 && removed > 0) parts.push(`add ${added} and remove ${count(removed, 'member')} of ${group}`);
    else if (added > 0) parts.push(`add ${count(added, 'member')} to ${group}`);
    else if (removed > 0) parts.push(`remove ${count(removed, 'member')} from ${group}`);
    if (others.length) parts.push(`update ${group}: ${listWords(unique(others))}`);
    return parts.length ? parts.join('; ') : `update ${group}`;
  };
  return { operation, resourceType: 'Group', resourceId: id, resourceName: newName ?? known, summarize };
}

function list(kind: ResourceKind, query: Record<string, unknown>): RequestDescription {
  const filter = param(query, 'filter');
  if (filter !== undefined && filter.trim() !== '') return byFilter(kind, filter);
  const startIndex = param(query, 'startIndex');
  const countParam = param(query, 'count');
  const names = Object.keys(query).map((k) => k.toLowerCase());
  // Okta's "Test API credentials" reads two users from the start; Google's probe reads one.
  const probe =
    kind === 'User' &&
    ((countParam === '2' && startIndex === '1' && names.length === 2) || (countParam === '1' && names.length === 1));
  if (probe) return { operation: 'test-connection', resourceType: kind, summarize: () => 'test connection' };
  const from = startIndex !== undefined && Number(startIndex) > 1 ? ` from ${clip(startIndex, 12)}` : '';
  return { operation: 'list', resourceType: kind, summarize: () => `list ${nouns(kind)}${from}` };
}

function search(kind: ResourceKind | undefined, body: unknown): RequestDescription {
  const filter = field(body, 'filter');
  if (typeof filter === 'string' && filter.trim() !== '') return byFilter(kind, filter);
  return { operation: 'list', resourceType: kind, summarize: () => `list ${nouns(kind)}` };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `userName eq "x"` (and `and` chains of `eq`) is a lookup; anything else is a search, shown as written. */
function byFilter(kind: ResourceKind | undefined, text: string): RequestDescription {
  if (/passw/i.test(text)) {
    return { operation: 'search', resourceType: kind, summarize: () => `search ${nouns(kind)} (the filter names a password; not shown)` };
  }
  let parsed: Filter | undefined;
  try {
    parsed = text.length <= 4096 ? parseFilter(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const terms = parsed ? equalities(parsed) : undefined;
  if (terms && terms.length > 0) {
    const nameAttr = kind === 'User' ? 'username' : kind === 'Group' ? 'displayname' : undefined;
    const nameTerm = terms.find((t) => t.attribute.toLowerCase() === nameAttr);
    // Entra's "Test connection" looks up a random GUID as userName.
    if (kind === 'User' && terms.length === 1 && nameTerm && GUID.test(nameTerm.value)) {
      return { operation: 'test-connection', resourceType: kind, summarize: () => 'test connection (lookup of a random userName)' };
    }
    const by = terms.map((t) => `${t.attribute} ${clip(t.value, MAX_NAME)}`).join(' and ');
    return {
      operation: 'lookup',
      resourceType: kind,
      resourceName: nameTerm ? clip(nameTerm.value, MAX_NAME) : undefined,
      summarize: () => `lookup ${kind ? noun(kind) : 'resource'} by ${by}`,
    };
  }
  return { operation: 'search', resourceType: kind, summarize: () => `search ${nouns(kind)} where ${clip(text, MAX_FILTER_TEXT)}` };
}

function equalities(filter: Filter): { attribute: string; value: string }[] | undefined {
  const terms: { attribute: string; value: string }[] = [];
  const stack: Filter[] = [filter];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.kind === 'and') {
      stack.push(node.right, node.left);
    } else if (node.kind === 'compare' && node.op === 'eq' && node.value !== null) {
      terms.push({ attribute: formatAttrPath(node.path), value: String(node.value) });
    } else {
      return undefined;
    }
    if (terms.length > 10) return undefined;
  }
  return terms;
}

function bulk(body: unknown): RequestDescription {
  const operations = field(body, 'Operations');
  const total = Array.isArray(operations) ? operations.length : 0;
  const methods = new Map<string, number>();
  if (Array.isArray(operations)) {
    for (const op of operations.slice(0, MAX_OPERATIONS)) {
      const m = isObject(op) && typeof field(op, 'method') === 'string' ? (field(op, 'method') as string).toUpperCase().slice(0, 10) : '?';
      methods.set(m, (methods.get(m) ?? 0) + 1);
    }
  }
  const detail = [...methods].map(([m, n]) => `${n} ${m}`).join(', ');
  return { operation: 'bulk', summarize: () => `bulk request with ${count(total, 'operation')}${detail ? ` (${detail})` : ''}` };
}

/** `members[value eq "a" or value eq "b"]` removes two members. */
function countEq(path: string): number {
  return (path.match(/\beq\b/gi) ?? []).length;
}

/** The attribute a PATCH path or a no-path key names: `name.givenName` → name, `urn:…:User:manager` → manager. */
function attributeOf(path: string): string | undefined {
  let text = path.trim();
  if (isUrn(text)) {
    const bracket = text.indexOf('[');
    const before = bracket >= 0 ? text.slice(0, bracket) : text;
    text = before.slice(before.lastIndexOf(':') + 1) + (bracket >= 0 ? text.slice(bracket) : '');
  }
  const name = /^[A-Za-z$][\w$-]*/.exec(text)?.[0];
  return name === undefined ? undefined : canonical(name);
}

/** Case-insensitive attribute names, shown in their usual spelling. */
const CANONICAL = new Map(
  ['active', 'password', 'members', 'displayName', 'userName', 'externalId', 'emails', 'name', 'manager', 'id', 'schemas', 'title', 'phoneNumbers', 'addresses', 'roles']
    .map((n) => [n.toLowerCase(), n]),
);
const canonical = (name: string) => CANONICAL.get(name.toLowerCase()) ?? clip(name, 60);

const isUrn = (text: string) => /^urn:/i.test(text);

function nameFromBody(kind: ResourceKind, body: unknown): string | undefined {
  const value = field(body, kind === 'User' ? 'userName' : 'displayName');
  return typeof value === 'string' && value.trim() !== '' ? clip(value, MAX_NAME) : undefined;
}

function idFromBody(body: unknown): string | undefined {
  const id = field(body, 'id');
  return typeof id === 'string' ? clip(id, MAX_NAME) : undefined;
}

function idFromLocation(location: string | undefined): string | undefined {
  if (typeof location !== 'string') return undefined;
  const last = location.split('?')[0].split('/').filter(Boolean).pop();
  return last ? clip(decode(last), MAX_NAME) : undefined;
}

/** JSON booleans, and the "True"/"False" strings Entra sends. */
function booleanish(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

function param(query: Record<string, unknown>, name: string): string | undefined {
  const value = field(query, name);
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function field(object: unknown, name: string): unknown {
  if (!isObject(object)) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === wanted) return object[key];
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function listWords(items: string[]): string {
  return items.length <= 4 ? items.join(', ') : `${items.slice(0, 4).join(', ')} and ${items.length - 4} more`;
}

const prefixed = (text: string | undefined) => (text === undefined ? '' : ` ${text}`);
const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Cuts long text and removes control characters, so one log line stays one line. */
export function clip(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
