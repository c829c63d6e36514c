import { checkValueCount } from './attribute-limits.js';
import { badRequest } from './errors.js';
import { canonicalJson, isPlainObject, type JsonObject } from './resource-doc.js';
import { findAttribute } from './schema/registry.js';
import type { AttributeDef } from './schema/types.js';

// Schema-driven value checking for one attribute (RFC 7643 section 2.3), shared by POST/PUT and PATCH.
// Types are checked strictly; the few leniencies below each answer a real client:
// - boolean attributes take "true"/"false" in any case (Entra sends "False");
// - null, [] and {} mean "absent" (Entra sends "addresses": null and "manager": null);
// - a single-valued complex attribute with a `value` sub-attribute (enterprise `manager`) takes a bare string
//   or a one-element array (Entra sends "id", {"value":"id"} and [{"$ref":null,"value":"id"}]).
// canonicalValues are not enforced: IdPs send their own types (WindowsAzureActiveDirectoryRole).

const invalid = (detail: string) => badRequest('invalidValue', detail);

const keys = new WeakMap<object, string>();

/**
 * canonicalJson of an element of a multi-valued attribute, remembered per object. Elements are never changed in
 * place (PATCH copies what it changes), so each PATCH operation costs the elements it touches, not the whole list
 * again: the engine stays linear in the list's size over a request's operations.
 */
export function elementKey(element: unknown): string {
  if (typeof element !== 'object' || element === null) return canonicalJson(element);
  let key = keys.get(element);
  if (key === undefined) keys.set(element, (key = canonicalJson(element)));
  return key;
}

/**
 * The attribute's value in stored form, or undefined for "absent". `path` names the attribute in error details
 * (`emails[0].primary must be a boolean`).
 */
export function normalizeAttributeValue(attribute: AttributeDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  if (attribute.multiValued) return normalizeList(attribute, value, path);
  return normalizeSingle(attribute, value, path, true);
}

/** One element of a multi-valued attribute (the attribute's element type), or undefined when empty. */
export function normalizeElement(attribute: AttributeDef, value: unknown, path: string): unknown {
  if (Array.isArray(value)) throw invalid(`${path} must be a single value, not an array`);
  return normalizeSingle(attribute, value, path, false);
}

function normalizeList(attribute: AttributeDef, value: unknown, path: string): unknown[] | undefined {
  if (!Array.isArray(value)) throw invalid(`${path} must be an array (it is multi-valued)`);
  // Before any work: a list of 50,000 emails is refused as such, not normalised first.
  checkValueCount(path, value.length);
  const seen = new Set<string>();
  const list: unknown[] = [];
  value.forEach((item, index) => {
    const element = normalizeElement(attribute, item, `${path}[${index}]`);
    if (element === undefined) return;
    // Exact duplicates carry no information and would only confuse `primary` and filters.
    const key = elementKey(element);
    if (seen.has(key)) return;
    seen.add(key);
    list.push(element);
  });
  checkPrimary(attribute, list, path);
  return list.length > 0 ? list : undefined;
}

function normalizeSingle(attribute: AttributeDef, value: unknown, path: string, shortcuts: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  if (attribute.type !== 'complex') return normalizeSimple(attribute, value, path);
  const shaped = complexShape(attribute, value, path, shortcuts);
  if (shaped === undefined) return undefined;
  const { set } = complexChanges(attribute, shaped, path);
  return Object.keys(set).length > 0 ? set : undefined;
}

const hasValueSubAttribute = (attribute: AttributeDef) => findAttribute(attribute.subAttributes, 'value') !== undefined;

/**
 * The raw object a complex value stands for, before its sub-attributes are checked. With `shortcuts`
 * (single-valued only) a bare string or a one-element array stands for `{ value }`.
 */
export function complexShape(attribute: AttributeDef, value: unknown, path: string, shortcuts = true): JsonObject | undefined {
  if (value === null || value === undefined) return undefined;
  if (isPlainObject(value)) return value;
  if (shortcuts && hasValueSubAttribute(attribute)) {
    if (typeof value === 'string') return { value };
    if (Array.isArray(value)) {
      if (value.length === 0) return undefined;
      const [only] = value;
      if (value.length === 1 && (only === null || typeof only === 'string' || isPlainObject(only))) {
        return complexShape(attribute, only, path, true);
      }
      throw invalid(`${path} must be a single value (an object, an id string, or a one-element array)`);
    }
    throw invalid(`${path} must be an object or an id string`);
  }
  throw invalid(`${path} must be an object`);
}

export interface ComplexChanges {
  /** Sub-attributes given a value, in stored form, by canonical name. */
  set: JsonObject;
  /** Sub-attributes given as null: absent in a new value, cleared in a PATCH merge. */
  unset: string[];
}

/**
 * Checks each sub-attribute of a complex value. Unknown and readOnly sub-attributes are dropped, as unknown
 * attributes are (clients echo `display` or send their own extras); names match case-insensitively.
 */
export function complexChanges(attribute: AttributeDef, raw: JsonObject, path: string): ComplexChanges {
  const set: JsonObject = {};
  const unset: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(raw)) {
    const sub = findAttribute(attribute.subAttributes, key);
    if (!sub || sub.mutability === 'readOnly') continue;
    if (seen.has(sub.name)) throw badRequest('invalidSyntax', `${path}.${sub.name} is given more than once`);
    seen.add(sub.name);
    const normalized = normalizeAttributeValue(sub, value, `${path}.${sub.name}`);
    if (normalized === undefined) unset.push(sub.name);
    else set[sub.name] = normalized;
  }
  return { set, unset };
}

function normalizeSimple(attribute: AttributeDef, value: unknown, path: string): unknown {
  switch (attribute.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const folded = value.toLowerCase();
        if (folded === 'true') return true;
        if (folded === 'false') return false;
      }
      throw invalid(`${path} must be a boolean`);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw invalid(`${path} must be an integer`);
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw invalid(`${path} must be a number`);
    case 'dateTime':
      if (typeof value === 'string' && isDateTime(value)) return value;
      throw invalid(`${path} must be a date and time in ISO 8601 form, such as 2024-05-01T12:00:00Z`);
    case 'string':
    case 'reference':
    case 'binary':
    case 'complex':
      if (typeof value === 'string') return value;
      throw invalid(`${path} must be a string`);
  }
}

// xsd:dateTime (RFC 7643 section 2.3.5): date, "T", time, optional fraction and optional zone.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))?$/i;

export function isDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (match[7] !== undefined && (Number(match[8]) > 14 || Number(match[9]) > 59)) return false;
  return true;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** RFC 7643 section 2.4: at most one element of a multi-valued attribute is `primary: true`. */
export function checkPrimary(attribute: AttributeDef, list: readonly unknown[], path: string): void {
  if (attribute.type !== 'complex') return;
  const primaries = list.filter((element) => isPlainObject(element) && element.primary === true).length;
  if (primaries > 1) throw invalid(`${path}: at most one element may have primary set to true`);
}
