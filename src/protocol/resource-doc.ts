import { splitAttrPath } from './filter/attr-path-syntax.js';
import type { ResolvedPath, ResourceSchema } from './schema/registry.js';

/**
 * The stored, client-writable part of a resource: canonical attribute names, core attributes at the root and
 * each extension's attributes in an object under its canonical URN. `id`, `meta`, `schemas`, `password` and
 * memberships live elsewhere. Absent attributes are absent keys: never null, never an empty array or object.
 */
export type ResourceDoc = Record<string, unknown>;

export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `key` only when it is the object's own property (a JSON key), never from its prototype. */
export function ownValue(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** A JSON text with sorted keys: equal for equal values whatever the key order. For de-duplication. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** A resolved path that names one attribute (not a whole extension). */
export type AttributeLocation = ResolvedPath & { attribute: NonNullable<ResolvedPath['attribute']> };

/**
 * What a JSON key of a resource body or a no-path PATCH value names: `displayName`, `name.givenName`,
 * `urn:...:enterprise:2.0:User:employeeNumber`, `urn:...:core:2.0:User:name.givenName` or a whole extension URN.
 * Undefined for names no schema of the type defines.
 */
export function resolveKey(schema: ResourceSchema, key: string): ResolvedPath | undefined {
  const syntax = splitAttrPath(key);
  return syntax.ok ? schema.resolve(syntax.path) : undefined;
}

/** The object that holds an attribute: the document itself, or its extension block (undefined when absent). */
function container(doc: ResourceDoc, location: ResolvedPath): JsonObject | undefined {
  if (!location.inExtension) return doc;
  const block = ownValue(doc, location.schemaId);
  return isPlainObject(block) ? block : undefined;
}

export function readAttribute(doc: ResourceDoc, location: AttributeLocation): unknown {
  const holder = container(doc, location);
  return holder ? ownValue(holder, location.attribute.name) : undefined;
}

/** Sets an attribute, or deletes it when `value` is undefined; an emptied extension block goes too. */
export function writeAttribute(doc: ResourceDoc, location: AttributeLocation, value: unknown): void {
  const name = location.attribute.name;
  if (!location.inExtension) {
    if (value === undefined) delete doc[name];
    else doc[name] = value;
    return;
  }
  let block = container(doc, location);
  if (value === undefined) {
    if (!block) return;
    delete block[name];
    if (Object.keys(block).length === 0) delete doc[location.schemaId];
    return;
  }
  if (!block) {
    block = {};
    doc[location.schemaId] = block;
  }
  block[name] = value;
}
