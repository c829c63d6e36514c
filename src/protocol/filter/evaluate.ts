import { badRequest } from '../errors.js';
import { attr } from '../schema/attribute.js';
import { findAttribute, type ResourceSchema } from '../schema/registry.js';
import type { AttributeDef } from '../schema/types.js';
import type { AttrPath, CompareOp, Filter, Literal } from './ast.js';
import { formatAttrPath } from './attr-path-syntax.js';

/**
 * What the evaluator needs to know about the object it filters: what a path names (for caseExact and type) and
 * where the value sits. `path.sub` is left to the evaluator: both methods look at `uri` and `attr` only.
 */
export interface EvaluationContext {
  /** The definition of the attribute `path` names (ignoring `path.sub`); undefined when it names nothing. */
  resolve(path: AttrPath): AttributeDef | undefined;
  /** That attribute's raw value in `element` (ignoring `path.sub`); undefined when absent. */
  read(element: unknown, path: AttrPath): unknown;
}

/** A filter checked against its context once, then applied to any number of elements. */
export type FilterPredicate = (element: unknown) => boolean;

/**
 * Does `element` satisfy `filter`? Throws ScimError 400 invalidFilter for unknown attributes and for operators
 * that do not apply to an attribute's type, whatever the element holds.
 */
export function matchesFilter(filter: Filter, element: unknown, context: EvaluationContext): boolean {
  return compileFilter(filter, context)(element);
}

/** Validates `filter` against `context` and returns a predicate (cheaper than matchesFilter in a loop). */
export function compileFilter(filter: Filter, context: EvaluationContext): FilterPredicate {
  return compile(filter, context, '');
}

/** Resolves names among `parent.subAttributes`: the context inside `emails[...]`. */
export function subAttributeContext(parent: AttributeDef): EvaluationContext {
  const resolve = (path: AttrPath) => (path.uri === undefined ? findAttribute(parent.subAttributes, path.attr) : undefined);
  return {
    resolve,
    read: (element, path) => {
      const def = resolve(path);
      return def ? member(element, def.name) : undefined;
    },
  };
}

// `schemas` is on every resource but in no schema's attribute list.
const SCHEMAS_ATTRIBUTE = attr('schemas', 'reference', 'The schema URIs of the resource.', {
  multiValued: true,
  referenceTypes: ['uri'],
});

/**
 * Whole resources in canonical form: core attributes at the root, extension attributes under their URN key.
 * A name without a URN is looked up in the core schema first, then in the extensions (`manager` from Entra ID).
 */
export function resourceContext(schema: ResourceSchema): EvaluationContext {
  const isSchemas = (path: AttrPath) => path.uri === undefined && path.attr.toLowerCase() === 'schemas';
  const locate = (path: AttrPath) => {
    if (path.uri !== undefined) return schema.resolve({ uri: path.uri, attr: path.attr });
    // Forgiving: Entra ID sends `manager eq "id"` without the enterprise URN. Core names win; then extensions.
    const found = schema.resolve({ attr: path.attr });
    if (found) return found;
    for (const extension of schema.extensions) {
      const inExtension = schema.resolve({ uri: extension.id, attr: path.attr });
      if (inExtension?.attribute) return inExtension;
    }
    return undefined;
  };
  return {
    resolve: (path) => (isSchemas(path) ? SCHEMAS_ATTRIBUTE : locate(path)?.attribute),
    read: (element, path) => {
      if (isSchemas(path)) return member(element, 'schemas');
      const found = locate(path);
      if (!found?.attribute) return undefined;
      const holder = found.inExtension ? member(element, found.schemaId) : element;
      return member(holder, found.attribute.name);
    },
  };
}

/** An own member of a JSON object, looked up case-insensitively (exact spelling first). Never the prototype's. */
export function member(object: unknown, name: string): unknown {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return undefined;
  const record = object as Record<string, unknown>;
  if (Object.hasOwn(record, name)) return record[name];
  const wanted = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === wanted) return record[key];
  return undefined;
}

// --- compilation ---

const invalid = (detail: string) => badRequest('invalidFilter', detail);

/** `label` prefixes names in messages inside a value filter: `emails.type`, not `type`. */
function compile(filter: Filter, context: EvaluationContext, label: string): FilterPredicate {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      // Chains from the parser are left-deep: collect them in a loop, not by recursion.
      const operands: FilterPredicate[] = [];
      let node: Filter = filter;
      while (node.kind === filter.kind) {
        operands.push(compile(node.right, context, label));
        node = node.left;
      }
      operands.push(compile(node, context, label));
      operands.reverse();
      return filter.kind === 'and'
        ? (element) => operands.every((p) => p(element))
        : (element) => operands.some((p) => p(element));
    }
    case 'not': {
      const inner = compile(filter.filter, context, label);
      return (element) => !inner(element);
    }
    case 'present': {
      const target = resolveTarget(filter.path, context, label, true);
      return (element) => valuesOf(element, target, context).some((v) => isPresent(v, true));
    }
    case 'compare':
      return compileComparison(filter.path, filter.op, filter.value, context, label);
    case 'valuePath': {
      const name = label + formatAttrPath(filter.path);
      const def = context.resolve(filter.path);
      if (!def) throw invalid(`The filter names an unknown attribute "${name}"`);
      if (filter.path.sub !== undefined || def.type !== 'complex') {
        throw invalid(`A value filter "[...]" needs a complex attribute; "${name}" is not one`);
      }
      const inner = compile(filter.filter, subAttributeContext(def), `${name}.`);
      return (element) => asItems(context.read(element, filter.path)).some((item) => isObject(item) && inner(item));
    }
  }
}

interface Target {
  path: AttrPath;
  name: string;
  /** The sub-attribute read inside each element: the path's own, or `value` for `emails co "@x"`. */
  sub?: AttributeDef;
  /** The definition whose type and caseExact govern the comparison. */
  leaf: AttributeDef;
}

function resolveTarget(path: AttrPath, context: EvaluationContext, label: string, forPresence: boolean): Target {
  const name = label + formatAttrPath(path);
  const def = context.resolve(path);
  if (!def) throw invalid(`The filter names an unknown attribute "${name}"`);
  if (path.sub !== undefined) {
    const sub = findAttribute(def.subAttributes, path.sub);
    if (!sub) throw invalid(`The filter names an unknown attribute "${name}"`);
    return { path, name, sub, leaf: sub };
  }
  if (def.type === 'complex' && !forPresence) {
    // RFC 7644 section 3.4.2.2: a complex multi-valued attribute compares through its `value` sub-attribute.
    const value = findAttribute(def.subAttributes, 'value');
    if (!value) {
      const example = def.subAttributes?.[0]?.name ?? 'value';
      throw invalid(`"${name}" is a complex attribute; compare one of its sub-attributes, e.g. "${name}.${example}"`);
    }
    return { path, name, sub: value, leaf: value };
  }
  return { path, name, leaf: def };
}

function compileComparison(path: AttrPath, op: CompareOp, value: Literal, context: EvaluationContext, label: string): FilterPredicate {
  const target = resolveTarget(path, context, label, value === null);
  if (value === null) {
    // Forgiving: `eq null` means "not present", `ne null` means "present".
    if (op !== 'eq' && op !== 'ne') throw invalid(`The operator "${op}" cannot compare "${target.name}" with null`);
    const present: FilterPredicate = (element) => valuesOf(element, target, context).some((v) => isPresent(v, true));
    return op === 'eq' ? (element) => !present(element) : present;
  }
  // `ne` is "no value equals": so an absent attribute is `ne` anything, and `emails ne "x"` means no email is x.
  const test = makeTest(target, op === 'ne' ? 'eq' : op, value);
  const any: FilterPredicate = (element) => valuesOf(element, target, context).some(test);
  return op === 'ne' ? (element) => !any(element) : any;
}

type ValueTest = (value: unknown) => boolean;
type PositiveOp = Exclude<CompareOp, 'ne'>;
const ORDERING = new Set<CompareOp>(['gt', 'ge', 'lt', 'le']);
const SUBSTRING = new Set<CompareOp>(['co', 'sw', 'ew']);

function makeTest(target: Target, op: PositiveOp, literal: Exclude<Literal, null>): ValueTest {
  const { leaf, name } = target;
  switch (leaf.type) {
    case 'boolean': {
      if (op !== 'eq') throw invalid(`The operator "${op}" cannot be used with the boolean attribute "${name}"; use eq or ne`);
      const wanted = toBoolean(literal);
      if (wanted === undefined) throw invalid(`"${name}" is a boolean; compare it with true or false, not ${JSON.stringify(literal)}`);
      return (v) => toBoolean(v) === wanted;
    }
    case 'integer':
    case 'decimal': {
      if (SUBSTRING.has(op)) throw invalid(`The operator "${op}" cannot be used with the number attribute "${name}"`);
      const wanted = toNumber(literal);
      if (wanted === undefined) throw invalid(`"${name}" is a number; ${JSON.stringify(literal)} is not one`);
      return (v) => {
        const actual = toNumber(v);
        return actual !== undefined && order(op, actual, wanted);
      };
    }
    case 'dateTime': {
      if (SUBSTRING.has(op)) return stringTest(op, String(literal), true);
      const wanted = typeof literal === 'string' ? Date.parse(literal) : NaN;
      if (Number.isNaN(wanted)) throw invalid(`"${name}" is a dateTime; ${JSON.stringify(literal)} is not a date and time`);
      return (v) => {
        const actual = typeof v === 'string' ? Date.parse(v) : NaN;
        return !Number.isNaN(actual) && order(op, actual, wanted);
      };
    }
    case 'binary':
      if (ORDERING.has(op)) throw invalid(`The operator "${op}" cannot be used with the binary attribute "${name}"`);
      return stringTest(op, String(literal), true);
    case 'complex':
      throw invalid(`"${name}" is a complex attribute; compare one of its sub-attributes`);
    default:
      // string and reference; a number or boolean literal (`externalId eq 12345`) compares as its text.
      return stringTest(op, String(literal), leaf.caseExact);
  }
}

function stringTest(op: PositiveOp, literal: string, caseExact: boolean): ValueTest {
  const fold = caseExact ? (s: string) => s : (s: string) => s.toLowerCase();
  const wanted = fold(literal);
  return (v) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return false;
    const actual = fold(String(v));
    switch (op) {
      case 'co':
        return actual.includes(wanted);
      case 'sw':
        return actual.startsWith(wanted);
      case 'ew':
        return actual.endsWith(wanted);
      default:
        return order(op, actual, wanted);
    }
  };
}

function order<T extends string | number>(op: PositiveOp, actual: T, wanted: T): boolean {
  switch (op) {
    case 'eq':
      return actual === wanted;
    case 'gt':
      return actual > wanted;
    case 'ge':
      return actual >= wanted;
    case 'lt':
      return actual < wanted;
    case 'le':
      return actual <= wanted;
    default:
      return false;
  }
}

function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const lower = v.toLowerCase(); // Entra sends "True"/"False"
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

const NUMERIC_TEXT = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC_TEXT.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

// --- reading values ---

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const asItems = (raw: unknown): unknown[] => (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]);

/** Every value the target names in `element`: one per element of a multi-valued attribute. */
function valuesOf(element: unknown, target: Target, context: EvaluationContext): unknown[] {
  const items = asItems(context.read(element, target.path));
  if (!target.sub) return items;
  const values: unknown[] = [];
  for (const item of items) {
    const v = member(item, target.sub.name);
    if (Array.isArray(v)) values.push(...v);
    else values.push(v);
  }
  return values;
}

/** Present: not null, not "", not an empty array; an object counts when one of its members is present. */
function isPresent(v: unknown, lookInside: boolean): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return lookInside && v.some((item) => isPresent(item, false));
  if (typeof v === 'object') return !lookInside || Object.values(v).some((inner) => isPresent(inner, false));
  return true;
}
