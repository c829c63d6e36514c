import { ScimError } from './errors.js';
import { parseAttributeList } from './attribute-list.js';
import type { AttrPath } from './filter/ast.js';
import { parseAttrPath } from './filter/path.js';
import { findAttribute, type ResourceSchema } from './schema/registry.js';
import type { AttributeDef } from './schema/types.js';

// RFC 7644 section 3.4.2.5 (`attributes` / `excludedAttributes`) applied with the `returned` characteristic of
// RFC 7643 section 7:
//   always   returned whatever the parameters say (id; `schemas` is always kept too)
//   never    never returned (password)
//   request  returned only when named in `attributes`
//   default  returned unless excluded; when `attributes` is given, only when named
// Naming a container (a complex attribute, or a bare extension URN) selects its `default` and `always` members;
// a `request` member must be named itself. The output carries only what the schema defines: a key the schema
// does not know is never returned, so nothing internal can leak through a storage mistake.

export { parseAttributeList };

/** A request's attribute selection, resolved against one resource type. Build once, apply to every resource. */
export interface Projection {
  readonly schema: ResourceSchema;
  /** `include` when `attributes` was given (it wins over `excludedAttributes`), else `exclude`. */
  readonly mode: 'include' | 'exclude';
  /** Attributes named whole, by key (see `attributeKey`). */
  readonly whole: ReadonlySet<string>;
  /** Sub-attributes named, by attribute key → lower-cased sub-attribute names. */
  readonly subs: ReadonlyMap<string, ReadonlySet<string>>;
  /** Extensions named by their bare URN, canonical. */
  readonly extensions: ReadonlySet<string>;
  /** The type's root attributes (common + core) by lower-cased name, looked up once per key of every resource. */
  readonly rootByName: ReadonlyMap<string, AttributeDef>;
}

/**
 * Resolves the names of `attributes` / `excludedAttributes` against the resource type.
 * Names that are unknown or malformed are IGNORED, not refused: RFC 7644 section 3.4.2.5 describes these parameters
 * as hints about what to return, and clients send names of attributes a server may not carry (custom schemas,
 * `attributes=id,manager` from Entra). An error would break them for no gain.
 */
export function buildProjection(
  schema: ResourceSchema,
  params: { attributes?: string[]; excludedAttributes?: string[] },
): Projection {
  // RFC 7644 says the two are mutually exclusive; rather than refuse, `attributes` wins.
  const mode = params.attributes?.length ? 'include' : 'exclude';
  const names = (mode === 'include' ? params.attributes : params.excludedAttributes) ?? [];
  const whole = new Set<string>();
  const subs = new Map<string, Set<string>>();
  const extensions = new Set<string>();

  for (const name of names) {
    const path = parseName(name);
    const resolved = path && schema.resolve(path);
    if (!resolved) continue;
    if (!resolved.attribute) {
      extensions.add(resolved.schemaId);
      continue;
    }
    const key = attributeKey(resolved.inExtension ? resolved.schemaId : undefined, resolved.attribute);
    if (resolved.sub) {
      const set = subs.get(key) ?? new Set<string>();
      set.add(resolved.sub.name.toLowerCase());
      subs.set(key, set);
    } else {
      whole.add(key);
    }
  }
  const rootByName = new Map(schema.rootAttributes.map((def) => [def.name.toLowerCase(), def]));
  return { schema, mode, whole, subs, extensions, rootByName };
}

/**
 * Whether the projected output can contain this attribute at all, so storage can skip the read:
 * `excludedAttributes=members` must never load a group's members, nor `attributes=userName` a user's groups.
 */
export function wantsAttribute(projection: Projection, name: 'members' | 'groups'): boolean {
  const def = projection.rootByName.get(name.toLowerCase());
  if (!def) return false;
  return selectionOf(projection, def, attributeKey(undefined, def), 'none') !== undefined;
}

/** Applies a projection to one full resource (as storage builds it), returning a new object. */
export function project(projection: Projection, resource: Record<string, unknown>): Record<string, unknown> {
  const { schema } = projection;
  const output: Record<string, unknown> = { schemas: [] }; // first key; its value is set at the end
  const presentExtensions = new Set<string>();

  for (const key of Object.keys(resource)) {
    if (key.toLowerCase() === 'schemas') continue;
    const value = resource[key];
    const def = projection.rootByName.get(key.toLowerCase());
    if (def) {
      const projected = projectAttribute(projection, def, attributeKey(undefined, def), value, 'none');
      if (projected !== undefined) output[def.name] = projected;
      continue;
    }
    const extensionId = schema.schemaIdFor(key);
    const extension = extensionId && extensionId !== schema.coreId ? schema.extension(extensionId) : undefined;
    if (!extension || !isObject(value)) continue;
    const container = projection.extensions.has(extension.id) ? (projection.mode === 'include' ? 'named' : 'excluded') : 'none';
    const projected: Record<string, unknown> = {};
    for (const name of Object.keys(value)) {
      const attribute = findAttribute(extension.attributes, name);
      if (!attribute) continue;
      const result = projectAttribute(projection, attribute, attributeKey(extension.id, attribute), value[name], container);
      if (result !== undefined) projected[attribute.name] = result;
    }
    if (Object.keys(projected).length > 0) {
      output[extension.id] = projected;
      presentExtensions.add(extension.id);
    }
  }

  output.schemas = projectSchemas(schema, resource.schemas, presentExtensions);
  return output;
}

/** Keeps the core URN and unknown URIs; lists an extension URN exactly when its object is in the output. */
function projectSchemas(schema: ResourceSchema, given: unknown, present: ReadonlySet<string>): string[] {
  const result: string[] = [];
  const seen = new Set<string>();
  const add = (uri: string) => {
    if (seen.has(uri.toLowerCase())) return;
    seen.add(uri.toLowerCase());
    result.push(uri);
  };
  add(schema.coreId);
  for (const uri of Array.isArray(given) ? given : []) {
    if (typeof uri !== 'string') continue;
    const known = schema.schemaIdFor(uri);
    if (known === undefined) add(uri);
    else if (known === schema.coreId || present.has(known)) add(known);
  }
  for (const id of present) add(id);
  return result;
}

/** Where the enclosing container stands: named whole in `attributes`, excluded whole, or neither. */
type Container = 'named' | 'excluded' | 'none';

/** How much of an attribute to return: all of it (with per-sub rules), or only some sub-attributes. */
type Selection = { kind: 'whole'; excludedSubs: ReadonlySet<string> } | { kind: 'subs'; namedSubs: ReadonlySet<string> };

const NONE: ReadonlySet<string> = new Set();

function selectionOf(projection: Projection, def: AttributeDef, key: string, container: Container): Selection | undefined {
  if (def.returned === 'never') return undefined;
  const namedSubs = projection.subs.get(key) ?? NONE;
  if (def.returned === 'always') return { kind: 'whole', excludedSubs: NONE };
  if (projection.mode === 'include') {
    if (projection.whole.has(key)) return { kind: 'whole', excludedSubs: NONE };
    if (namedSubs.size > 0) return { kind: 'subs', namedSubs };
    if (container === 'named' && def.returned === 'default') return { kind: 'whole', excludedSubs: NONE };
    return undefined;
  }
  if (def.returned === 'request' || container === 'excluded' || projection.whole.has(key)) return undefined;
  return { kind: 'whole', excludedSubs: namedSubs };
}

function projectAttribute(projection: Projection, def: AttributeDef, key: string, value: unknown, container: Container): unknown {
  if (value === undefined) return undefined;
  const selection = selectionOf(projection, def, key, container);
  if (!selection) return undefined;
  if (def.type !== 'complex' || !def.subAttributes) return value;

  const keepSub = (subName: string, sub: AttributeDef): boolean => {
    const lower = subName.toLowerCase();
    if (sub.returned === 'never') return false;
    if (sub.returned === 'always') return true;
    if (selection.kind === 'subs') return selection.namedSubs.has(lower);
    // Naming the parent whole does not bring a `request` sub-attribute along; naming the sub-attribute does.
    if (sub.returned === 'request') return projection.mode === 'include' && (projection.subs.get(key) ?? NONE).has(lower);
    return !selection.excludedSubs.has(lower);
  };
  const projectValue = (item: unknown): Record<string, unknown> | undefined => {
    if (!isObject(item)) return undefined;
    const result: Record<string, unknown> = {};
    for (const name of Object.keys(item)) {
      const sub = findAttribute(def.subAttributes, name);
      if (sub && item[name] !== undefined && keepSub(sub.name, sub)) result[sub.name] = item[name];
    }
    return Object.keys(result).length > 0 ? result : undefined;
  };

  // An element or object left empty by the selection is dropped, not returned as `{}`; a list that was
  // already empty (a group without members) stays as storage gave it when the attribute is selected whole.
  if (Array.isArray(value)) {
    if (value.length === 0) return selection.kind === 'whole' ? [] : undefined;
    const items = value.map(projectValue).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value === null) return selection.kind === 'whole' ? null : undefined;
  return projectValue(value);
}

/** A stable key per attribute: its canonical name for core and common attributes, `urn:name` in an extension. */
function attributeKey(extensionId: string | undefined, def: AttributeDef): string {
  return extensionId === undefined ? def.name : `${extensionId}:${def.name}`;
}

function parseName(name: string): AttrPath | undefined {
  try {
    return parseAttrPath(name);
  } catch (error) {
    // A malformed name is ignored like an unknown one; anything but a ScimError is a bug and must surface.
    if (error instanceof ScimError) return undefined;
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
