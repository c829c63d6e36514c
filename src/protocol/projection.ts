import { ScimError } from './errors.js';
import { parseAttributeList } from './attribute-list.js';
import type { AttrPath } from './filter/ast.js';
import { parseAttrPath } from './filter/path.js';
import { findAttribute, type ResourceSchema } from './schema/registry.js';
import type { AttributeDef, SchemaDef } from './schema/types.js';

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
  /** What `project` worked out for each key and attribute it met, kept for every later resource (see `Memo`). */
  readonly memo: Memo;
}

/**
 * A projection's answers, by the keys exactly as resources spell them (storage writes canonical names, so after
 * the first resource nearly every lookup is one map hit): which attribute or extension a root key names, and per
 * attribute, whether and how much of it to return. All are functions of the projection and the schema alone.
 */
interface Memo {
  root: Map<string, AttributeDef | null>;
  extensions: Map<string, SchemaDef | null>;
  plans: Map<AttributeDef, Plan | null>;
}

/** One attribute under one projection: how much of it to return and, per sub-attribute key, its output name. */
interface Plan {
  container: Container;
  selection: Selection;
  key: string;
  /** A sub-attribute key as met → its canonical name when returned, null when not. */
  subs: Map<string, string | null>;
}

/** Projections of the same parameters on the same schema are the same; kept per schema, so memos carry over. */
const projections = new WeakMap<ResourceSchema, Map<string, Projection>>();
const PROJECTIONS_PER_SCHEMA = 200;
/** Keys a memo map keeps: storage writes the schema's names, so only odd data would ever reach it. */
const MEMO_LIMIT = 1000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size < MEMO_LIMIT) map.set(key, value);
  return value;
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
  let built = projections.get(schema);
  if (!built) projections.set(schema, (built = new Map()));
  const cacheKey = mode + JSON.stringify(names);
  let projection = built.get(cacheKey);
  if (!projection) {
    if (built.size >= PROJECTIONS_PER_SCHEMA) built.clear();
    built.set(cacheKey, (projection = resolveProjection(schema, mode, names)));
  }
  return projection;
}

function resolveProjection(schema: ResourceSchema, mode: 'include' | 'exclude', names: readonly string[]): Projection {
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
  return { schema, mode, whole, subs, extensions, rootByName, memo: { root: new Map(), extensions: new Map(), plans: new Map() } };
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
  const output: Record<string, unknown> = { schemas: [] }; // first key; its value is set at the end
  const presentExtensions = new Set<string>();

  for (const key of Object.keys(resource)) {
    const value = resource[key];
    const def = rootAttribute(projection, key);
    if (def) {
      const projected = projectAttribute(projection, def, value, 'none');
      if (projected !== undefined) output[def.name] = projected;
      continue;
    }
    const extension = def === null ? extensionNamed(projection, key) : undefined;
    if (!extension || !isObject(value)) continue;
    const container = projection.extensions.has(extension.id) ? (projection.mode === 'include' ? 'named' : 'excluded') : 'none';
    const projected: Record<string, unknown> = {};
    let any = false;
    for (const name of Object.keys(value)) {
      const attribute = findAttribute(extension.attributes, name);
      if (!attribute) continue;
      const result = projectAttribute(projection, attribute, value[name], container, extension.id);
      if (result !== undefined) {
        projected[attribute.name] = result;
        any = true;
      }
    }
    if (any) {
      output[extension.id] = projected;
      presentExtensions.add(extension.id);
    }
  }

  output.schemas = projectSchemas(projection.schema, resource.schemas, presentExtensions);
  return output;
}

/** The root attribute a resource key names; null for a key that is not one (an extension URN, or nothing). */
function rootAttribute(projection: Projection, key: string): AttributeDef | null | undefined {
  const { root } = projection.memo;
  let def = root.get(key);
  if (def === undefined) {
    // `schemas` is rebuilt at the end, never copied: undefined marks it as handled elsewhere.
    if (key.toLowerCase() === 'schemas') return undefined;
    def = remember(root, key, projection.rootByName.get(key.toLowerCase()) ?? null);
  }
  return def;
}

/** The extension (never the core schema) a resource key names by its URN. */
function extensionNamed(projection: Projection, key: string): SchemaDef | undefined {
  const { extensions } = projection.memo;
  let extension = extensions.get(key);
  if (extension === undefined) {
    const { schema } = projection;
    const id = schema.schemaIdFor(key);
    extension = remember(extensions, key, (id && id !== schema.coreId ? schema.extension(id) : undefined) ?? null);
  }
  return extension ?? undefined;
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

/** What to return of an attribute under this projection: worked out on first meeting, then reused. */
function planOf(projection: Projection, def: AttributeDef, container: Container, extensionId: string | undefined): Plan | null {
  const { plans } = projection.memo;
  let plan = plans.get(def);
  // An attribute definition sits in one place of a schema, so its container does not change; checked anyway.
  if (plan === undefined || (plan !== null && plan.container !== container)) {
    const key = attributeKey(extensionId, def);
    const selection = selectionOf(projection, def, key, container);
    plan = remember(plans, def, selection ? { container, selection, key, subs: new Map() } : null);
  }
  return plan;
}

function projectAttribute(projection: Projection, def: AttributeDef, value: unknown, container: Container, extensionId?: string): unknown {
  if (value === undefined) return undefined;
  const plan = planOf(projection, def, container, extensionId);
  if (!plan) return undefined;
  if (def.type !== 'complex' || !def.subAttributes) return value;
  const { selection } = plan;

  const projectValue = (item: unknown): Record<string, unknown> | undefined => {
    if (!isObject(item)) return undefined;
    const result: Record<string, unknown> = {};
    let any = false;
    for (const name of Object.keys(item)) {
      if (item[name] === undefined) continue;
      const out = subName(projection, def, plan, name);
      if (out !== null) {
        result[out] = item[name];
        any = true;
      }
    }
    return any ? result : undefined;
  };

  // An element or object left empty by the selection is dropped, not returned as `{}`; a list that was
  // already empty (a group without members) stays as storage gave it when the attribute is selected whole.
  if (Array.isArray(value)) {
    if (value.length === 0) return selection.kind === 'whole' ? [] : undefined;
    const items: Record<string, unknown>[] = [];
    for (const item of value) {
      const projected = projectValue(item);
      if (projected !== undefined) items.push(projected);
    }
    return items.length > 0 ? items : undefined;
  }
  if (value === null) return selection.kind === 'whole' ? null : undefined;
  return projectValue(value);
}

/** A sub-attribute key's output name when the plan returns it, else null; remembered per key as met. */
function subName(projection: Projection, def: AttributeDef, plan: Plan, name: string): string | null {
  let out = plan.subs.get(name);
  if (out === undefined) {
    const sub = findAttribute(def.subAttributes, name);
    out = remember(plan.subs, name, sub && keepSub(projection, plan, sub) ? sub.name : null);
  }
  return out;
}

function keepSub(projection: Projection, plan: Plan, sub: AttributeDef): boolean {
  const lower = sub.name.toLowerCase();
  const { selection } = plan;
  if (sub.returned === 'never') return false;
  if (sub.returned === 'always') return true;
  if (selection.kind === 'subs') return selection.namedSubs.has(lower);
  // Naming the parent whole does not bring a `request` sub-attribute along; naming the sub-attribute does.
  if (sub.returned === 'request') return projection.mode === 'include' && (projection.subs.get(plan.key) ?? NONE).has(lower);
  return !selection.excludedSubs.has(lower);
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
