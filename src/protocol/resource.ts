import { checkIndexedValues } from './attribute-limits.js';
import { checkPrimary, normalizeAttributeValue } from './attribute-value.js';
import { badRequest } from './errors.js';
import {
  isPlainObject,
  ownValue,
  readAttribute,
  resolveKey,
  writeAttribute,
  type AttributeLocation,
  type JsonObject,
  type ResourceDoc,
} from './resource-doc.js';
import { GROUP_SCHEMA, USER_SCHEMA, type ResolvedPath, type ResourceSchema } from './schema/registry.js';
import type { AttributeDef } from './schema/types.js';

// Turning a POST or PUT body into a stored document (see ResourceDoc), and the checks a finished document must
// pass. Decisions, all in favour of what identity providers really send:
// - attribute names and extension URNs match case-insensitively and are stored with their canonical names;
// - extension attributes may come in their URN block or as URN-qualified root keys (`urn:...:User:employeeNumber`);
// - unknown attributes and unknown extension blocks are dropped silently: IdP templates carry custom attributes;
// - readOnly attributes (`id`, `meta`, `groups`, `manager.displayName`) are ignored;
// - unknown URIs in `schemas` are tolerated (OneLogin sends `urn:scim:schemas:core:1.0`).

export type { ResourceDoc } from './resource-doc.js';
export { normalizeAttributeValue, checkPrimary } from './attribute-value.js';

export type MemberType = 'User' | 'Group';

export interface MemberRef {
  value: string;
  type?: MemberType;
}

export interface NormalizedResource {
  doc: ResourceDoc;
  /** The cleartext password when the body carried one; never stored in the document. */
  password?: string;
  /** Group members when the body carried `members` (an empty list for `[]`); undefined when it did not. */
  members?: MemberRef[];
}

const invalid = (detail: string) => badRequest('invalidValue', detail);

/** Attributes kept outside the document: the user's password (a hash column) and group members (rows). */
export type SpecialAttribute = 'password' | 'members';

export function specialAttribute(schema: ResourceSchema, location: ResolvedPath): SpecialAttribute | undefined {
  if (location.inExtension || !location.attribute || location.schemaId !== schema.coreId) return undefined;
  const name = location.attribute.name;
  if (schema.coreId === USER_SCHEMA && name === 'password') return 'password';
  if (schema.coreId === GROUP_SCHEMA && name === 'members') return 'members';
  return undefined;
}

/** The name of an attribute in error details: URN-qualified for extension attributes. */
export function attributeLabel(location: AttributeLocation): string {
  return location.inExtension ? `${location.schemaId}:${location.attribute.name}` : location.attribute.name;
}

export function normalizePassword(value: unknown, path = 'password'): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${path} must be a string`);
  return value;
}

/** A key of a JSON object matched case-insensitively (member objects: `value`, `Value`, `type`). */
function fieldOf(object: JsonObject, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : object[key];
}

/** One member object: `{ value, type? }`; `display` and `$ref` are the server's to fill in and are ignored. */
export function normalizeMemberRef(item: unknown, path: string): MemberRef {
  if (!isPlainObject(item)) throw invalid(`${path} must be an object with a "value" (the member's id)`);
  const value = fieldOf(item, 'value');
  if (typeof value !== 'string') throw invalid(`${path}.value must be a string (the member's id)`);
  if (value.trim() === '') throw invalid(`${path}.value must not be empty`);
  const type = fieldOf(item, 'type');
  if (type === undefined || type === null) return { value };
  const folded = typeof type === 'string' ? type.toLowerCase() : undefined;
  if (folded === 'user') return { value, type: 'User' };
  if (folded === 'group') return { value, type: 'Group' };
  throw invalid(`${path}.type must be "User" or "Group"`);
}

/** A list of member objects; null is an empty list, repeated ids keep their first occurrence. */
export function normalizeMembers(value: unknown, path = 'members'): MemberRef[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${path} must be an array of member objects`);
  const seen = new Set<string>();
  const members: MemberRef[] = [];
  value.forEach((item, index) => {
    if (item === null) return;
    const member = normalizeMemberRef(item, `${path}[${index}]`);
    if (seen.has(member.value)) return;
    seen.add(member.value);
    members.push(member);
  });
  return members;
}

function checkSchemasList(body: JsonObject): void {
  const schemas = fieldOf(body, 'schemas');
  if (schemas === undefined || schemas === null) return;
  if (!Array.isArray(schemas) || !schemas.every((uri) => typeof uri === 'string')) {
    throw badRequest('invalidSyntax', 'schemas must be an array of schema URIs (strings)');
  }
}

/** What one body key contributes before it is checked: a whole value, or sub-attributes (`name.givenName`). */
interface Pending {
  location: AttributeLocation;
  whole?: unknown;
  subs: Map<AttributeDef, unknown>;
}

/** Checks and normalises a POST or PUT body. Throws ScimError 400 naming the attribute at fault. */
export function normalizeResource(schema: ResourceSchema, body: unknown): NormalizedResource {
  if (!isPlainObject(body)) throw badRequest('invalidSyntax', 'The request body must be a JSON object');
  checkSchemasList(body);
  const result: NormalizedResource = { doc: {} };
  const pending = new Map<string, Pending>();

  const collect = (location: ResolvedPath, value: unknown, key: string) => {
    if (value === null || !location.attribute) return;
    const attribute = location.attribute;
    if (attribute.mutability === 'readOnly' || location.sub?.mutability === 'readOnly') return;
    const special = specialAttribute(schema, location);
    if (special && location.sub) return;
    if (special === 'password') result.password = normalizePassword(value);
    if (special === 'members') result.members = normalizeMembers(value);
    if (special) return;
    const id = `${location.schemaId}|${attribute.name}`;
    let entry = pending.get(id);
    if (!entry) pending.set(id, (entry = { location: { ...location, attribute }, subs: new Map() }));
    const given = location.sub ? entry.subs.has(location.sub) : entry.whole !== undefined;
    if (given) throw badRequest('invalidSyntax', `${key} is given more than once (attribute names are case-insensitive)`);
    if (location.sub) entry.subs.set(location.sub, value);
    else entry.whole = value;
  };

  for (const [key, value] of Object.entries(body)) {
    const location = resolveKey(schema, key);
    if (!location) continue;
    if (location.attribute) {
      collect(location, value, key);
      continue;
    }
    // A whole extension: its attributes sit in an object under the URN.
    if (value === null) continue;
    if (!isPlainObject(value)) throw invalid(`${location.schemaId} must be an object of that extension's attributes`);
    for (const [name, inner] of Object.entries(value)) {
      const innerLocation = resolveKey(schema, `${location.schemaId}:${name}`);
      if (innerLocation?.attribute && innerLocation.schemaId === location.schemaId) collect(innerLocation, inner, `${location.schemaId}:${name}`);
    }
  }

  for (const entry of pending.values()) writeAttribute(result.doc, entry.location, pendingValue(entry));
  checkRequired(schema, result.doc);
  checkIndexedValues(schema.coreId, result.doc);
  return result;
}

function pendingValue({ location, whole, subs }: Pending): unknown {
  const label = attributeLabel(location);
  const value = normalizeAttributeValue(location.attribute, whole, label);
  if (subs.size === 0) return value;
  if (location.attribute.multiValued) {
    throw invalid(`${label} is multi-valued: send it as a list, not one sub-attribute at a time`);
  }
  const merged: JsonObject = isPlainObject(value) ? value : {};
  for (const [sub, raw] of subs) {
    const normalized = normalizeAttributeValue(sub, raw, `${label}.${sub.name}`);
    if (normalized === undefined) continue;
    if (Object.hasOwn(merged, sub.name)) {
      throw badRequest('invalidSyntax', `${label}.${sub.name} is given more than once`);
    }
    merged[sub.name] = normalized;
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** Every attribute the schemas define, with where it lives in the document. */
function* documentAttributes(schema: ResourceSchema): Generator<AttributeLocation> {
  for (const attribute of schema.type.schema.attributes) {
    yield { schemaId: schema.coreId, inExtension: false, attribute };
  }
  for (const extension of schema.extensions) {
    for (const attribute of extension.attributes) yield { schemaId: extension.id, inExtension: true, attribute };
  }
}

const isBlank = (value: unknown) => typeof value === 'string' && value.trim() === '';

/**
 * Required attributes (User `userName`, Group `displayName`) must be present and, when strings, not blank.
 * Required sub-attributes are checked inside the values present; a required extension must be present.
 */
export function checkRequired(schema: ResourceSchema, doc: ResourceDoc): void {
  for (const { schema: extension, required } of schema.type.extensions) {
    if (required && !isPlainObject(ownValue(doc, extension.id))) throw invalid(`${extension.id} is required`);
  }
  for (const location of documentAttributes(schema)) {
    const { attribute } = location;
    if (attribute.mutability === 'readOnly' || specialAttribute(schema, location)) continue;
    const label = attributeLabel(location);
    const value = readAttribute(doc, location);
    if (attribute.required) {
      if (value === undefined) throw invalid(`${label} is required`);
      if (isBlank(value)) throw invalid(`${label} must not be empty`);
    }
    const requiredSubs = (attribute.subAttributes ?? []).filter((sub) => sub.required && sub.mutability !== 'readOnly');
    if (value === undefined || requiredSubs.length === 0) continue;
    const elements = Array.isArray(value) ? value : [value];
    elements.forEach((element, index) => {
      const at = Array.isArray(value) ? `${label}[${index}]` : label;
      for (const sub of requiredSubs) {
        const subValue = isPlainObject(element) ? ownValue(element, sub.name) : undefined;
        if (subValue === undefined) throw invalid(`${at}.${sub.name} is required`);
        if (isBlank(subValue)) throw invalid(`${at}.${sub.name} must not be empty`);
      }
    });
  }
}

/**
 * The final check of a document built by PATCH: required attributes present, one primary per list at most, and
 * indexed values within their limit (values `previous` already held excepted).
 */
export function validateResource(schema: ResourceSchema, doc: ResourceDoc, previous?: ResourceDoc): void {
  checkRequired(schema, doc);
  checkIndexedValues(schema.coreId, doc, previous);
  for (const location of documentAttributes(schema)) {
    const value = readAttribute(doc, location);
    if (location.attribute.multiValued && Array.isArray(value)) checkPrimary(location.attribute, value, attributeLabel(location));
  }
}
