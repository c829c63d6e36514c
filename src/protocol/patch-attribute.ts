import {
  checkPrimary,
  complexChanges,
  complexShape,
  elementKey,
  normalizeAttributeValue,
  normalizeElement,
} from './attribute-value.js';
import { checkValueCount } from './attribute-limits.js';
import { badRequest, ScimError } from './errors.js';
import { compileFilter, subAttributeContext, type Filter, type FilterPredicate } from './filter/index.js';
import {
  canonicalJson,
  isPlainObject,
  jsonEqual,
  ownValue,
  readAttribute,
  writeAttribute,
  type AttributeLocation,
  type JsonObject,
  type ResourceDoc,
} from './resource-doc.js';
import { findAttribute } from './schema/registry.js';
import type { AttributeDef } from './schema/types.js';

// RFC 7644 section 3.5.2 on one attribute of the document: add, replace or remove on the whole attribute,
// on a sub-attribute (`name.givenName`), or on the elements a value filter selects (`emails[type eq "work"]`).

export type PatchOpName = 'add' | 'replace' | 'remove';

/** One resolved PATCH target. `label` names it in error details (`emails[type eq "work"].value`). */
export interface PatchTarget {
  location: AttributeLocation;
  sub?: AttributeDef;
  filter?: Filter;
  label: string;
}

const invalid = (detail: string) => badRequest('invalidValue', detail);

/** RFC 7643 section 7: an immutable value may be set once, never changed or removed afterwards. */
function checkImmutable(def: AttributeDef, before: unknown, after: unknown, label: string): void {
  if (def.mutability === 'immutable' && before !== undefined && !jsonEqual(before, after)) {
    throw badRequest('mutability', `${label} is immutable: it cannot be changed once set`);
  }
}

function checkImmutableSubAttributes(attribute: AttributeDef, before: unknown, after: unknown, label: string): void {
  if (!isPlainObject(before)) return;
  for (const sub of attribute.subAttributes ?? []) {
    const now = isPlainObject(after) ? ownValue(after, sub.name) : undefined;
    checkImmutable(sub, ownValue(before, sub.name), now, `${label}.${sub.name}`);
  }
}

/** The attribute itself in error details, without a value filter or sub-attribute (`emails`). */
const listLabel = (location: AttributeLocation) => (location.inExtension ? `${location.schemaId}:${location.attribute.name}` : location.attribute.name);

/** Applies one operation to a (copied) document. `value` is undefined only for a remove without value. */
export function applyToAttribute(doc: ResourceDoc, op: PatchOpName, target: PatchTarget, value: unknown): void {
  const { attribute } = target.location;
  if (target.filter) {
    if (!attribute.multiValued || attribute.type !== 'complex') {
      throw badRequest('invalidPath', `${target.label}: a value filter "[...]" applies only to multi-valued complex attributes`);
    }
    const predicate = compileFilter(target.filter, subAttributeContext(attribute));
    applyToElements(doc, op, target, value, predicate, target.filter);
  } else if (target.sub && attribute.multiValued) {
    // `emails.display` without a filter: every element.
    applyToElements(doc, op, target, value, () => true, undefined);
  } else if (target.sub) {
    applyToSubAttribute(doc, op, target, target.sub, value);
  } else {
    applyToWhole(doc, op, target, value);
  }
}

function applyToWhole(doc: ResourceDoc, op: PatchOpName, target: PatchTarget, value: unknown): void {
  const { location, label } = target;
  const { attribute } = location;
  const before = readAttribute(doc, location);
  let after: unknown;
  if (op === 'remove') {
    after = attribute.multiValued && value !== undefined && value !== null ? withoutListed(attribute, before, value, label) : undefined;
  } else if (attribute.multiValued) {
    // A single element is accepted where a list is expected: "add this email".
    const incoming = normalizeAttributeValue(attribute, Array.isArray(value) ? value : [value], label) as unknown[] | undefined;
    after = op === 'replace' ? incoming : appendElements(attribute, before, incoming ?? [], label);
  } else if (attribute.type === 'complex') {
    // RFC 7644 section 3.5.2.1 and 3.5.2.3: add and replace both merge the given sub-attributes.
    const shaped = complexShape(attribute, value, label);
    if (shaped === undefined) after = op === 'replace' ? undefined : before;
    else after = mergeComplex(attribute, before, shaped, label);
  } else {
    const normalized = normalizeAttributeValue(attribute, value, label);
    after = normalized === undefined && op === 'add' ? before : normalized;
  }
  checkImmutable(attribute, before, after, label);
  writeAttribute(doc, location, after);
}

/** Sub-attributes from `raw` merged over `before`; sub-attributes given as null are cleared. */
function mergeComplex(attribute: AttributeDef, before: unknown, raw: JsonObject, label: string): JsonObject | undefined {
  const { set, unset } = complexChanges(attribute, raw, label);
  const merged: JsonObject = isPlainObject(before) ? { ...before } : {};
  for (const name of unset) delete merged[name];
  Object.assign(merged, set);
  checkImmutableSubAttributes(attribute, before, merged, label);
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function appendElements(attribute: AttributeDef, before: unknown, incoming: unknown[], label: string): unknown[] | undefined {
  const list = Array.isArray(before) ? [...before] : [];
  const present = new Set(list.map(elementKey));
  const touched = new Set<unknown>();
  for (const element of incoming) {
    // RFC 7644 section 3.5.2.1: a value already present is not added twice.
    const key = elementKey(element);
    if (present.has(key)) continue;
    present.add(key);
    list.push(element);
    touched.add(element);
  }
  return finishList(attribute, list, touched, label);
}

/** Removes the listed elements (Entra's `remove members` with a value list), matched by `value` when they have one. */
function withoutListed(attribute: AttributeDef, before: unknown, value: unknown, label: string): unknown[] | undefined {
  if (!Array.isArray(before)) return undefined;
  const valueDef = findAttribute(attribute.subAttributes, 'value');
  const fold = (v: unknown) => canonicalJson(typeof v === 'string' && valueDef && !valueDef.caseExact ? v.toLowerCase() : v);
  const byValue = new Set<string>();
  const byElement = new Set<string>();
  (Array.isArray(value) ? value : [value]).forEach((item, index) => {
    const element = normalizeElement(attribute, item, `${label}[${index}]`);
    if (element === undefined) return;
    if (valueDef && isPlainObject(element) && element.value !== undefined) byValue.add(fold(element.value));
    else byElement.add(elementKey(element));
  });
  const listed = (element: unknown) =>
    byElement.has(elementKey(element)) || (isPlainObject(element) && element.value !== undefined && byValue.has(fold(element.value)));
  const kept = before.filter((element) => !listed(element));
  return kept.length > 0 ? kept : undefined;
}

function applyToSubAttribute(doc: ResourceDoc, op: PatchOpName, target: PatchTarget, sub: AttributeDef, value: unknown): void {
  const before = readAttribute(doc, target.location);
  const normalized = op === 'remove' ? undefined : normalizeAttributeValue(sub, value, target.label);
  if (normalized === undefined && op === 'add') return;
  const after = withSubAttribute(before, sub, normalized, target.label);
  writeAttribute(doc, target.location, after);
}

/** A copy of a complex value with one sub-attribute set (or removed when undefined); undefined once empty. */
function withSubAttribute(element: unknown, sub: AttributeDef, value: unknown, label: string): JsonObject | undefined {
  const copy: JsonObject = isPlainObject(element) ? { ...element } : {};
  checkImmutable(sub, ownValue(copy, sub.name), value, label);
  if (value === undefined) delete copy[sub.name];
  else copy[sub.name] = value;
  return Object.keys(copy).length > 0 ? copy : undefined;
}

/** Add, replace or remove on the elements `predicate` selects, creating one from the filter when none matches. */
function applyToElements(
  doc: ResourceDoc,
  op: PatchOpName,
  target: PatchTarget,
  value: unknown,
  predicate: FilterPredicate,
  filter: Filter | undefined,
): void {
  const { attribute } = target.location;
  const { sub, label } = target;
  const before = readAttribute(doc, target.location);
  const list = Array.isArray(before) ? [...before] : [];
  const matched = list.map((element) => isPlainObject(element) && predicate(element));
  const touched = new Set<unknown>();
  const update = (index: number, element: JsonObject | undefined) => {
    list[index] = element;
    if (element) touched.add(element);
  };

  if (op === 'remove' || value === null) {
    // Removing what is not there is a no-op: IdPs retry, and the end state is the one asked for.
    if (op === 'add') return;
    matched.forEach((hit, index) => hit && update(index, sub ? withSubAttribute(list[index], sub, undefined, label) : undefined));
  } else if (sub) {
    const normalized = normalizeAttributeValue(sub, value, label);
    if (normalized === undefined) return;
    matched.forEach((hit, index) => hit && update(index, withSubAttribute(list[index], sub, normalized, label)));
    if (!matched.includes(true)) {
      const created = createElement(attribute, filter, { [sub.name]: normalized }, label);
      list.push(created);
      touched.add(created);
    }
  } else {
    const shaped = complexShape(attribute, value, label, false);
    if (shaped === undefined) return;
    const { set } = complexChanges(attribute, shaped, label);
    if (op === 'replace') {
      // RFC 7644 section 3.5.2.3: matching values are replaced; the filter's own eq values are kept so the
      // replacement still answers to the filter (`addresses[type eq "work"]` stays the work address).
      const template = filter ? (equalityTemplate(attribute, filter) ?? {}) : {};
      matched.forEach((hit, index) => {
        if (!hit) return;
        const replacement = checkedElement(attribute, { ...template, ...set }, label);
        checkImmutableSubAttributes(attribute, list[index], replacement, label);
        update(index, replacement);
      });
    } else {
      matched.forEach((hit, index) => hit && update(index, mergeComplex(attribute, list[index], shaped, label)));
    }
    if (!matched.includes(true)) {
      const created = createElement(attribute, filter, set, label);
      list.push(created);
      touched.add(created);
    }
  }
  const after = finishList(attribute, list.filter((element) => element !== undefined), touched, label, listLabel(target.location));
  writeAttribute(doc, target.location, after);
}

function checkedElement(attribute: AttributeDef, raw: JsonObject, label: string): JsonObject | undefined {
  return normalizeElement(attribute, raw, label) as JsonObject | undefined;
}

/**
 * Entra relies on this: an add or replace on `emails[type eq "work"].value` when the user has no work email
 * creates `{ type: "work", value }`. The new element is built from the filter's `eq` clauses.
 */
function createElement(attribute: AttributeDef, filter: Filter | undefined, values: JsonObject, label: string): JsonObject {
  const template = filter ? equalityTemplate(attribute, filter) : undefined;
  if (!template) {
    throw badRequest(
      'noTarget',
      `${label} matches no value, and no value can be created from the filter (only "eq" clauses joined by "and" can)`,
    );
  }
  const created = checkedElement(attribute, { ...template, ...values }, label);
  if (!created) throw badRequest('noTarget', `${label} matches no value`);
  return created;
}

/**
 * `type eq "work" and primary eq true` → { type: "work", primary: true }. Undefined unless the whole filter is
 * `eq` comparisons of distinct, writable sub-attributes joined by `and`: only then does the created element match.
 */
export function equalityTemplate(attribute: AttributeDef, filter: Filter): JsonObject | undefined {
  const template: JsonObject = {};
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.kind === 'and') {
      pending.push(node.left, node.right);
      continue;
    }
    if (node.kind !== 'compare' || node.op !== 'eq' || node.value === null) return undefined;
    if (node.path.uri !== undefined || node.path.sub !== undefined) return undefined;
    const sub = findAttribute(attribute.subAttributes, node.path.attr);
    if (!sub || sub.mutability === 'readOnly' || Object.hasOwn(template, sub.name)) return undefined;
    try {
      template[sub.name] = normalizeAttributeValue(sub, node.value, sub.name);
    } catch (error) {
      if (error instanceof ScimError) return undefined;
      throw error;
    }
    if (template[sub.name] === undefined) return undefined;
  }
  return template;
}

/**
 * De-duplicates, then applies RFC 7644 section 3.5.2: setting `primary: true` on one element sets it to false
 * on the others. Two elements made primary by one operation are an error.
 */
function finishList(attribute: AttributeDef, elements: unknown[], touched: Set<unknown>, label: string, whole = label): unknown[] | undefined {
  const seen = new Set<string>();
  let list = elements.filter((element) => {
    const key = elementKey(element);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const isPrimary = (element: unknown) => isPlainObject(element) && element.primary === true;
  const newPrimaries = list.filter((element) => touched.has(element) && isPrimary(element)).length;
  if (newPrimaries > 1) throw invalid(`${label}: at most one element may have primary set to true`);
  if (newPrimaries === 1) {
    list = list.map((element) =>
      isPrimary(element) && !touched.has(element) ? { ...(element as JsonObject), primary: false } : element,
    );
  }
  checkPrimary(attribute, list, label);
  checkValueCount(whole, list.length);
  return list.length > 0 ? list : undefined;
}
