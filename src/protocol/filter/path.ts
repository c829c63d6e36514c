import { badRequest } from '../errors.js';
import type { AttrPath, PatchPath } from './ast.js';
import { splitAttrPath } from './attr-path-syntax.js';
import { FilterGrammar } from './grammar.js';

export { formatAttrPath } from './attr-path-syntax.js';

/**
 * `userName`, `name.givenName`, `urn:...:User:manager.value`, `urn:...:enterprise:2.0:User` (→ uri
 * `urn:...:enterprise:2.0`, attr `User`). Throws ScimError 400 invalidPath when malformed.
 */
export function parseAttrPath(text: string): AttrPath {
  if (typeof text !== 'string') throw badRequest('invalidPath', 'The attribute path must be a string');
  const trimmed = text.trim();
  const result = splitAttrPath(trimmed);
  if (!result.ok) throw badRequest('invalidPath', `Invalid attribute path ${JSON.stringify(trimmed)}: ${result.reason}`);
  return result.path;
}

/**
 * RFC 7644 section 3.5.2: PATH = attrPath / valuePath [subAttr], e.g. `members[value eq "2819c223"]`,
 * `emails[type eq "work"].value`. Every syntax error, in the filter part too, is ScimError 400 invalidPath.
 */
export function parsePatchPath(text: string): PatchPath {
  return new FilterGrammar(text, 'invalidPath').patchPath();
}
