import type { AttrPath } from './ast.js';

// RFC 7644 section 3.10: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; plus "$ref".
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
// A schema URI: a scheme, a colon, then no spaces or filter delimiters (`urn:ietf:params:scim:schemas:core:2.0:User`).
const SCHEMA_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s"()[\]]+$/;

export const isAttributeName = (name: string): boolean => ATTRIBUTE_NAME.test(name);

export type AttrPathSyntax = { ok: true; path: AttrPath } | { ok: false; reason: string };

/**
 * Splits `[URI ":"] ATTRNAME ["." ATTRNAME]`. The URI is everything before the LAST colon, so
 * `urn:...:enterprise:2.0:User` becomes { uri: 'urn:...:enterprise:2.0', attr: 'User' } (the registry knows that
 * names the whole extension). Returns a reason instead of throwing, so callers choose the scimType.
 */
export function splitAttrPath(text: string): AttrPathSyntax {
  if (text === '') return { ok: false, reason: 'the attribute path is empty' };
  const colon = text.lastIndexOf(':');
  const uri = colon >= 0 ? text.slice(0, colon) : undefined;
  const rest = colon >= 0 ? text.slice(colon + 1) : text;
  if (uri !== undefined && !SCHEMA_URI.test(uri)) return { ok: false, reason: `"${uri}" is not a schema URI` };
  const dot = rest.indexOf('.');
  const attr = dot >= 0 ? rest.slice(0, dot) : rest;
  const sub = dot >= 0 ? rest.slice(dot + 1) : undefined;
  if (!isAttributeName(attr)) return { ok: false, reason: nameReason(attr) };
  if (sub !== undefined && !isAttributeName(sub)) {
    return { ok: false, reason: sub.includes('.') ? 'a path has at most one sub-attribute' : nameReason(sub) };
  }
  const path: AttrPath = { attr };
  if (uri !== undefined) path.uri = uri;
  if (sub !== undefined) path.sub = sub;
  return { ok: true, path };
}

function nameReason(name: string): string {
  if (name === '') return 'an attribute name is missing';
  return `"${name}" is not an attribute name (a letter, then letters, digits, "-" or "_")`;
}

/** `{ uri, attr, sub }` back to `uri:attr.sub`. */
export function formatAttrPath(path: AttrPath): string {
  const head = path.uri !== undefined ? `${path.uri}:${path.attr}` : path.attr;
  return path.sub !== undefined ? `${head}.${path.sub}` : head;
}
