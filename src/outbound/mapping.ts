import { ENTERPRISE_USER_SCHEMA } from '../protocol/schema/enterprise-user.js';
import { GROUP_SCHEMA } from '../protocol/schema/group.js';
import { ROLES_EXTENSION_SCHEMA } from '../protocol/schema/roles-extension.js';
import { USER_SCHEMA } from '../protocol/schema/user.js';
import type { TargetPreset } from './types.js';

// From a Roster resource to what a target receives. A mapping names, for each target attribute, a Roster
// expression: a path (`userName`, `name.givenName`, `urn:...:enterprise:2.0:User:department`), optionally
// `|primary` (keep one element of a multi-valued attribute: the primary one, else the first), alternatives
// separated by `||` (the first that has a value), or `=text` (a constant). Without a mapping, the `scim` preset
// sends every attribute Roster holds (not id, meta, groups, effective roles or passwords, which are never held).

export type Doc = Record<string, unknown>;

const E = ENTERPRISE_USER_SCHEMA;

/** AWS IAM Identity Center: single-valued emails/phones/addresses, the attributes it stores, a display name always. */
const AWS_USER_MAPPING: Record<string, string> = {
  userName: 'userName',
  externalId: 'externalId',
  displayName: 'displayName || name.formatted || userName',
  'name.givenName': 'name.givenName',
  'name.familyName': 'name.familyName',
  'name.middleName': 'name.middleName',
  'name.honorificPrefix': 'name.honorificPrefix',
  'name.honorificSuffix': 'name.honorificSuffix',
  'name.formatted': 'name.formatted',
  nickName: 'nickName',
  profileUrl: 'profileUrl',
  title: 'title',
  userType: 'userType',
  preferredLanguage: 'preferredLanguage',
  locale: 'locale',
  timezone: 'timezone',
  active: 'active',
  emails: 'emails|primary',
  phoneNumbers: 'phoneNumbers|primary',
  addresses: 'addresses|primary',
  [`${E}:employeeNumber`]: `${E}:employeeNumber`,
  [`${E}:costCenter`]: `${E}:costCenter`,
  [`${E}:organization`]: `${E}:organization`,
  [`${E}:division`]: `${E}:division`,
  [`${E}:department`]: `${E}:department`,
  [`${E}:manager`]: `${E}:manager`,
};

export const PRESETS: Record<TargetPreset, { mapping?: Record<string, string>; maxMembersPerPatch: number }> = {
  scim: { maxMembersPerPatch: 1000 },
  aws: { mapping: AWS_USER_MAPPING, maxMembersPerPatch: 100 },
};

/** Attributes never sent: the target keeps its own id and meta; groups and roles are derived here. */
const NEVER_SENT = new Set(['id', 'meta', 'schemas', 'groups', 'password', ROLES_EXTENSION_SCHEMA.toLowerCase()]);

/** Checks a mapping given by an administrator; returns the problems (empty when fine). */
export function mappingProblems(mapping: unknown): string[] {
  if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping)) return ['the mapping must be an object of "target attribute": "Roster expression"'];
  const problems: string[] = [];
  const entries = Object.entries(mapping as Record<string, unknown>);
  if (entries.length === 0) problems.push('the mapping is empty');
  if (entries.length > 500) problems.push('the mapping has more than 500 entries');
  for (const [target, source] of entries) {
    if (!/^(urn:[\w.:-]+:)?[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/.test(target) || target.length > 300) problems.push(`"${target.slice(0, 80)}" is not an attribute path`);
    if (NEVER_SENT.has(target.toLowerCase())) problems.push(`"${target}" cannot be mapped`);
    if (typeof source !== 'string' || source.trim() === '' || source.length > 1000) problems.push(`"${target}": the expression must be a non-empty string`);
  }
  return problems;
}

/** The user as the target receives it; `remoteIdOf` turns a Roster user id (manager) into the target's, or undefined. */
export function mapUser(resource: Doc, mapping: Record<string, string> | undefined, remoteIdOf: (id: string) => string | undefined): Doc {
  let doc: Doc;
  if (!mapping) {
    doc = {};
    for (const [key, value] of Object.entries(resource)) {
      if (!NEVER_SENT.has(key.toLowerCase()) && value !== undefined && value !== null) doc[key] = structuredClone(value);
    }
  } else {
    doc = {};
    for (const [target, expression] of Object.entries(mapping)) {
      const value = evaluate(resource, expression);
      if (value !== undefined) setPath(doc, target, value);
    }
  }
  remapManager(doc, remoteIdOf);
  const schemas = [USER_SCHEMA, ...Object.keys(doc).filter((k) => k.toLowerCase().startsWith('urn:'))];
  return { schemas, ...doc };
}

/** The group as the target receives it: displayName and externalId (members are sent as PATCHes). */
export function mapGroup(resource: Doc): Doc {
  const doc: Doc = { schemas: [GROUP_SCHEMA], displayName: resource.displayName };
  if (typeof resource.externalId === 'string') doc.externalId = resource.externalId;
  return doc;
}

function remapManager(doc: Doc, remoteIdOf: (id: string) => string | undefined): void {
  const key = Object.keys(doc).find((k) => k.toLowerCase() === E.toLowerCase());
  if (!key) return;
  const extension = doc[key] as Doc;
  const managerKey = Object.keys(extension).find((k) => k.toLowerCase() === 'manager');
  if (!managerKey) return;
  const manager = extension[managerKey] as Doc | undefined;
  const remote = typeof manager?.value === 'string' ? remoteIdOf(manager.value) : undefined;
  // A manager the target does not know yet is left out; the next update or full sync sends it.
  if (remote) extension[managerKey] = { value: remote };
  else delete extension[managerKey];
  if (Object.keys(extension).length === 0) delete doc[key];
}

function evaluate(resource: Doc, expression: string): unknown {
  for (const alternative of expression.split('||').map((a) => a.trim())) {
    if (alternative.startsWith('=')) return alternative.slice(1);
    const [path, modifier] = alternative.split('|').map((p) => p.trim());
    let value = getPath(resource, path);
    if (modifier === 'primary' && Array.isArray(value)) {
      const chosen = (value as Doc[]).find((v) => v && v.primary === true) ?? value[0];
      value = chosen === undefined ? undefined : [{ ...(chosen as Doc), primary: true }];
    }
    if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) return structuredClone(value);
  }
  return undefined;
}

/** Splits `urn:...:Attr.sub` into the extension URN and `Attr.sub`; core paths have no URN. */
function splitPath(path: string): { urn?: string; parts: string[] } {
  if (path.toLowerCase().startsWith('urn:')) {
    const cut = path.lastIndexOf(':');
    return { urn: path.slice(0, cut), parts: path.slice(cut + 1).split('.') };
  }
  return { parts: path.split('.') };
}

const keyOf = (object: Doc, name: string) => Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());

export function getPath(resource: Doc, path: string): unknown {
  const { urn, parts } = splitPath(path);
  let current: unknown = resource;
  if (urn) {
    const k = keyOf(resource, urn);
    current = k === undefined ? undefined : resource[k];
  }
  for (const part of parts) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
    const k = keyOf(current as Doc, part);
    current = k === undefined ? undefined : (current as Doc)[k];
  }
  return current;
}

function setPath(doc: Doc, path: string, value: unknown): void {
  const { urn, parts } = splitPath(path);
  let current = doc;
  if (urn) current = (doc[urn] ??= {}) as Doc;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    current = (next && typeof next === 'object' && !Array.isArray(next) ? next : (current[part] = {})) as Doc;
  }
  current[parts[parts.length - 1]] = value;
}

/**
 * Whether the target's copy already holds what Roster would send: every attribute sent is equal there (keys
 * case-insensitive, attributes the target adds inside sent values ignored). With `strict` (the "all attributes"
 * mapping) the target must also hold no top-level attribute Roster does not send.
 */
export function sameOnTarget(sent: Doc, remote: Doc, strict: boolean): boolean {
  for (const [key, value] of Object.entries(sent)) {
    if (key === 'schemas') continue;
    const k = keyOf(remote, key);
    if (!covers(value, k === undefined ? undefined : remote[k])) return false;
  }
  if (strict) {
    for (const [key, value] of Object.entries(remote)) {
      if (NEVER_SENT.has(key.toLowerCase()) || value === null || value === undefined) continue;
      if (Array.isArray(value) && value.length === 0) continue;
      if (keyOf(sent, key) === undefined) return false;
    }
  }
  return true;
}

function covers(sent: unknown, remote: unknown): boolean {
  if (sent === undefined || sent === null) return remote === undefined || remote === null;
  if (Array.isArray(sent)) {
    if (!Array.isArray(remote) || remote.length !== sent.length) return false;
    // Order of multi-valued attributes is not significant (RFC 7643 2.4): each sent element must have a match.
    const left = [...remote];
    for (const element of sent) {
      const at = left.findIndex((r) => covers(element, r));
      if (at < 0) return false;
      left.splice(at, 1);
    }
    return true;
  }
  if (typeof sent === 'object') {
    if (!remote || typeof remote !== 'object' || Array.isArray(remote)) return false;
    for (const [key, value] of Object.entries(sent as Doc)) {
      const k = keyOf(remote as Doc, key);
      const other = k === undefined ? undefined : (remote as Doc)[k];
      // A target may leave out `primary: false`; that is the same statement.
      if (value === false && (other === undefined || other === null) && key.toLowerCase() === 'primary') continue;
      if (!covers(value, other)) return false;
    }
    return true;
  }
  return sent === remote;
}
