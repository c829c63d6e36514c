import { badRequest } from './errors.js';
import { isPlainObject, ownValue, type ResourceDoc } from './resource-doc.js';
import { GROUP_SCHEMA, USER_SCHEMA } from './schema/registry.js';

// Limits on attribute values, checked where bodies and PATCH results are normalised, so every way in (POST, PUT,
// PATCH, Bulk, import) refuses the same values with a 400 naming the attribute:
// - values kept in indexed columns (userName, externalId, displayName, emails.value, roles.value, a group's
//   displayName and externalId) have a maximum length in UTF-8 bytes. PostgreSQL cannot index a b-tree entry over
//   about 2.7 kB and would fail the write; SQLite would store it. One limit, below PostgreSQL's, makes both
//   databases answer alike. The folded (lower-case) form is measured too: it is what the unique indexes hold,
//   and folding can make a string longer;
// - a multi-valued attribute (emails, roles, addresses, ...) holds at most so many values, which bounds the work
//   of the PATCH engine (it runs on the event loop) and the rows written per user.
// One setting per process, configured once when the server starts (ROSTER_MAX_INDEXED_VALUE_BYTES,
// ROSTER_MAX_VALUES_PER_ATTRIBUTE); it is configuration, not I/O, so the core stays a pure function of it.

export interface ValueLimits {
  /** The longest value, in UTF-8 bytes, of an attribute stored in an indexed column. */
  maxIndexedValueBytes: number;
  /** The most values one multi-valued attribute may hold. */
  maxValuesPerAttribute: number;
}

export const defaultValueLimits: Readonly<ValueLimits> = { maxIndexedValueBytes: 2048, maxValuesPerAttribute: 1000 };

/** The largest maxIndexedValueBytes allowed: PostgreSQL's b-tree entry limit (2704 bytes) less the directory key. */
export const MAX_INDEXED_VALUE_BYTES = 2500;

let current: ValueLimits = { ...defaultValueLimits };

/** Sets the limits for this process (the server's configuration); missing fields keep their defaults. */
export function setValueLimits(limits: Partial<ValueLimits>): void {
  current = { ...defaultValueLimits, ...limits };
  current.maxIndexedValueBytes = Math.min(current.maxIndexedValueBytes, MAX_INDEXED_VALUE_BYTES);
}

export function valueLimits(): Readonly<ValueLimits> {
  return current;
}

const invalid = (detail: string) => badRequest('invalidValue', detail);

/** A multi-valued attribute given (or left by PATCH) with more values than allowed. */
export function checkValueCount(path: string, count: number): void {
  const max = current.maxValuesPerAttribute;
  if (count > max) throw invalid(`${path} has ${count} values; this server accepts at most ${max} values per attribute`);
}

/** The length of a string in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** What an indexed column can hold of a value: its UTF-8 length, or that of its folded form when longer. */
function indexedLength(value: string): number {
  const plain = utf8Length(value);
  const folded = value.toLowerCase();
  return folded === value ? plain : Math.max(plain, utf8Length(folded));
}

/** Attributes of each core schema whose values go into indexed columns (see storage/migrations). */
const INDEXED: Record<string, { attribute: string; sub?: string }[]> = {
  [USER_SCHEMA]: [
    { attribute: 'userName' },
    { attribute: 'externalId' },
    { attribute: 'displayName' },
    { attribute: 'emails', sub: 'value' },
    { attribute: 'roles', sub: 'value' },
  ],
  [GROUP_SCHEMA]: [{ attribute: 'displayName' }, { attribute: 'externalId' }],
};

/**
 * Checks the indexed values of a finished document (core schema `coreId`). With `previous` (PATCH), values the
 * document already held are let through, so a value stored before the limit was lowered does not block other
 * changes.
 */
export function checkIndexedValues(coreId: string, doc: ResourceDoc, previous?: ResourceDoc): void {
  const max = current.maxIndexedValueBytes;
  const check = (value: unknown, label: string, known: (value: string) => boolean) => {
    if (typeof value !== 'string' || value.length * 3 <= max || known(value)) return;
    const length = indexedLength(value);
    if (length > max) {
      throw invalid(`${label} is too long: ${length} bytes (UTF-8); this server accepts at most ${max} bytes for ${label.replace(/\[\d+\]/, '')}`);
    }
  };
  for (const { attribute, sub } of INDEXED[coreId] ?? []) {
    const value = ownValue(doc, attribute);
    const before = previous ? ownValue(previous, attribute) : undefined;
    if (sub === undefined) {
      check(value, attribute, (v) => v === before);
      continue;
    }
    if (!Array.isArray(value)) continue;
    const subValues = (list: unknown) => (Array.isArray(list) ? list.map((e) => (isPlainObject(e) ? ownValue(e, sub) : undefined)) : []);
    let known: Set<unknown> | undefined;
    value.forEach((element, index) => {
      if (!isPlainObject(element)) return;
      check(ownValue(element, sub), `${attribute}[${index}].${sub}`, (v) => (known ??= new Set(subValues(before))).has(v));
    });
  }
}
