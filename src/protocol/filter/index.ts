// The filter and path language of RFC 7644: parsing, printing and in-memory evaluation.
export type { AttrPath, CompareOp, Filter, Literal, PatchPath } from './ast.js';
export { parseFilter, formatFilter, formatLiteral, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from './parse.js';
export { parseAttrPath, parsePatchPath, formatAttrPath } from './path.js';
export {
  matchesFilter,
  compileFilter,
  subAttributeContext,
  resourceContext,
  member,
  type EvaluationContext,
  type FilterPredicate,
} from './evaluate.js';
