import { badRequest } from './errors.js';
import { formatFilter, parsePatchPath } from './filter/index.js';
import { PATCH_OP_SCHEMA } from './messages.js';
import { applyToAttribute, type PatchOpName, type PatchTarget } from './patch-attribute.js';
import { memberChange, type MemberChange } from './patch-members.js';
import {
  isPlainObject,
  jsonEqual,
  resolveKey,
  type AttributeLocation,
  type JsonObject,
  type ResourceDoc,
} from './resource-doc.js';
import { attributeLabel, normalizePassword, specialAttribute, validateResource } from './resource.js';
import { findAttribute, type ResolvedPath, type ResourceSchema } from './schema/registry.js';

// RFC 7644 section 3.5.2: PATCH as a pure function of (schema, current document, request body).
// All or nothing: operations run on a copy, and any error is thrown before the caller sees a result.
// Decisions for real clients (see /work/shared/idp-clients.md):
// - op names are case-insensitive (Entra sends "Add", "Replace", "Remove"); an empty path counts as no path;
// - unknown attributes, in a path or as keys of a no-path value, are ignored as on POST (custom IdP attributes);
// - no-path value keys may be dotted or URN-qualified (Entra's `name.givenName`, `urn:...:User:employeeNumber`);
// - `schemas` and `meta` keys of a no-path value are ignored, `id` too when it is the resource's own id (Okta);
// - remove of values a filter does not match is a no-op, add/replace on them creates one from the filter's eq clauses.

export type { MemberChange } from './patch-members.js';

export interface PatchOptions {
  /** The id of the resource being patched: a no-path value may carry it (Okta's group rename). */
  resourceId: string;
}

export interface PatchResult {
  doc: ResourceDoc;
  /** The new cleartext password, when an operation set one. */
  password?: string;
  /** Membership changes in request order (groups only). */
  members?: MemberChange[];
  /** Whether the document, password or members were affected. */
  changed: boolean;
}

interface Operation {
  op: PatchOpName;
  path?: string;
  /** undefined when the operation has no `value` member. */
  value: unknown;
}

interface PatchState {
  schema: ResourceSchema;
  options: PatchOptions;
  doc: ResourceDoc;
  password?: string;
  members: MemberChange[];
}

export function applyPatch(schema: ResourceSchema, current: ResourceDoc, body: unknown, options: PatchOptions): PatchResult {
  const operations = parsePatchRequest(body);
  const state: PatchState = { schema, options, doc: structuredClone(current), members: [] };
  for (const operation of operations) applyOperation(state, operation);
  validateResource(schema, state.doc, current);
  const result: PatchResult = {
    doc: state.doc,
    changed: state.password !== undefined || state.members.length > 0 || !jsonEqual(state.doc, current),
  };
  if (state.password !== undefined) result.password = state.password;
  if (state.members.length > 0) result.members = state.members;
  return result;
}

/** A key of a JSON object matched case-insensitively (`Operations`, `operations`, `OP`). */
function fieldOf(object: JsonObject, name: string): { found: boolean; value: unknown } {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? { found: false, value: undefined } : { found: true, value: object[key] };
}

const syntax = (detail: string) => badRequest('invalidSyntax', detail);
const OP_NAMES = new Set<string>(['add', 'replace', 'remove']);

/** RFC 7644 section 3.5.2: the PatchOp message. */
export function parsePatchRequest(body: unknown): Operation[] {
  if (!isPlainObject(body)) throw syntax('The PATCH body must be a JSON object');
  const schemas = fieldOf(body, 'schemas').value;
  const wanted = PATCH_OP_SCHEMA.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((uri) => typeof uri === 'string' && uri.toLowerCase() === wanted)) {
    throw syntax(`schemas must contain "${PATCH_OP_SCHEMA}"`);
  }
  const operations = fieldOf(body, 'operations').value;
  if (!Array.isArray(operations) || operations.length === 0) throw syntax('Operations must be a non-empty array');
  return operations.map((item, index) => parseOperation(item, `Operations[${index}]`));
}

function parseOperation(item: unknown, label: string): Operation {
  if (!isPlainObject(item)) throw syntax(`${label} must be an object with "op", "path" and "value"`);
  const op = fieldOf(item, 'op').value;
  const name = typeof op === 'string' ? op.toLowerCase() : undefined;
  if (name === undefined || !OP_NAMES.has(name)) throw syntax(`${label}.op must be "add", "replace" or "remove"`);
  const path = fieldOf(item, 'path').value;
  if (path !== undefined && path !== null && typeof path !== 'string') throw badRequest('invalidPath', `${label}.path must be a string`);
  const value = fieldOf(item, 'value');
  const operation: Operation = { op: name as PatchOpName, value: value.value };
  if (typeof path === 'string' && path.trim() !== '') operation.path = path;
  if (operation.op !== 'remove' && !value.found) throw badRequest('invalidValue', `${label}: "${name}" needs a value`);
  return operation;
}

function applyOperation(state: PatchState, operation: Operation): void {
  const { op, path, value } = operation;
  if (path === undefined) {
    if (op === 'remove') throw badRequest('noTarget', 'A remove operation needs a path');
    if (!isPlainObject(value)) throw badRequest('invalidValue', `An "${op}" without a path needs an object of attributes as its value`);
    applyAttributeObject(state, op, value);
    return;
  }
  const parsed = parsePatchPath(path);
  if (parsed.path.sub !== undefined && (parsed.valueFilter || parsed.sub !== undefined)) {
    throw badRequest('invalidPath', `Invalid path ${JSON.stringify(path)}: a value filter cannot follow a sub-attribute`);
  }
  const location = state.schema.resolve(parsed.path);
  if (!location) return; // an unknown attribute: ignored, as on POST
  if (!location.attribute) {
    if (parsed.valueFilter || parsed.sub !== undefined) throw badRequest('invalidPath', `${location.schemaId} is an extension, not an attribute`);
    applyToExtension(state, op, location.schemaId, value);
    return;
  }
  const attribute = location.attribute;
  const sub = parsed.sub !== undefined ? findAttribute(attribute.subAttributes, parsed.sub) : location.sub;
  if (parsed.sub !== undefined && !sub) return; // an unknown sub-attribute: ignored
  const target: PatchTarget = { location: { ...location, attribute }, label: attributeLabel({ ...location, attribute }) };
  if (parsed.valueFilter) {
    target.filter = parsed.valueFilter;
    target.label += `[${formatFilter(parsed.valueFilter)}]`;
  }
  if (sub) {
    target.sub = sub;
    target.label += `.${sub.name}`;
  }
  applyToTarget(state, op, target, value);
}

/** A no-path value: each key is applied as if it were the path. */
function applyAttributeObject(state: PatchState, op: PatchOpName, value: JsonObject): void {
  for (const [key, inner] of Object.entries(value)) {
    const folded = key.toLowerCase();
    if (folded === 'schemas' || folded === 'meta') continue;
    if (folded === 'id') {
      if (inner === state.options.resourceId) continue;
      throw badRequest('mutability', 'id is readOnly: it cannot be changed');
    }
    const location = resolveKey(state.schema, key);
    if (!location) continue;
    if (!location.attribute) applyToExtension(state, op, location.schemaId, inner);
    else applyToTarget(state, op, keyTarget(location as AttributeLocation), inner);
  }
}

function keyTarget(location: AttributeLocation): PatchTarget {
  const label = attributeLabel(location);
  return location.sub ? { location, sub: location.sub, label: `${label}.${location.sub.name}` } : { location, label };
}

/** A whole extension as the target: remove drops its block, add and replace apply each attribute given. */
function applyToExtension(state: PatchState, op: PatchOpName, schemaId: string, value: unknown): void {
  if (op === 'remove') {
    delete state.doc[schemaId];
    return;
  }
  if (value === null) {
    if (op === 'replace') delete state.doc[schemaId];
    return;
  }
  if (!isPlainObject(value)) throw badRequest('invalidValue', `${schemaId} must be an object of that extension's attributes`);
  for (const [name, inner] of Object.entries(value)) {
    const location: ResolvedPath | undefined = resolveKey(state.schema, `${schemaId}:${name}`);
    if (location?.attribute && location.schemaId === schemaId) applyToTarget(state, op, keyTarget(location as AttributeLocation), inner);
  }
}

function applyToTarget(state: PatchState, op: PatchOpName, target: PatchTarget, value: unknown): void {
  const { attribute } = target.location;
  if (attribute.mutability === 'readOnly' || target.sub?.mutability === 'readOnly') {
    throw badRequest('mutability', `${target.label} is readOnly: it cannot be changed`);
  }
  const special = specialAttribute(state.schema, target.location);
  if (special === 'members') {
    const change = memberChange(op, target, value);
    if (change) state.members.push(change);
    return;
  }
  if (special === 'password') {
    if (target.filter) throw badRequest('invalidPath', `${target.label}: password takes no value filter`);
    if (op === 'remove') throw badRequest('mutability', 'password cannot be removed; replace it instead');
    const password = normalizePassword(value);
    if (password === undefined) throw badRequest('invalidValue', 'password must be a string');
    state.password = password;
    return;
  }
  applyToAttribute(state.doc, op, target, value);
}
