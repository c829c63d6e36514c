import { commonAttributes } from './common.js';
import { ENTERPRISE_USER_SCHEMA, enterpriseUserSchema } from './enterprise-user.js';
import { GROUP_SCHEMA, groupSchema } from './group.js';
import { ROLES_EXTENSION_SCHEMA, rolesExtensionSchema } from './roles-extension.js';
import type { AttributeDef, ResourceTypeDef, SchemaDef } from './types.js';
import { USER_SCHEMA, userSchema } from './user.js';
import type { AttrPath } from '../filter/ast.js';

export const userResourceType: ResourceTypeDef = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  extensions: [
    { schema: enterpriseUserSchema, required: false },
    { schema: rolesExtensionSchema, required: false },
  ],
};

export const groupResourceType: ResourceTypeDef = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  extensions: [],
};

export const builtInResourceTypes = [userResourceType, groupResourceType];
export const builtInSchemas: SchemaDef[] = [userSchema, groupSchema, enterpriseUserSchema, rolesExtensionSchema];
export { USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA, ROLES_EXTENSION_SCHEMA };

/** What a path names once resolved: which schema owns it, the attribute, and the sub-attribute if any. */
export interface ResolvedPath {
  /** The schema URN; the core schema for common attributes (id, externalId, meta). */
  schemaId: string;
  /** True when the attribute lives under its extension URN key in the resource. */
  inExtension: boolean;
  /** Undefined when the path names a whole extension (`urn:...:enterprise:2.0:User`). */
  attribute?: AttributeDef;
  sub?: AttributeDef;
}

const lower = (s: string) => s.toLowerCase();

/** Each attribute list's names, lower-cased, built on first use: lists are fixed once a schema is built. */
const namesOfList = new WeakMap<readonly AttributeDef[], Map<string, AttributeDef>>();

export function findAttribute(list: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  if (!list) return undefined;
  let names = namesOfList.get(list);
  if (!names) {
    names = new Map();
    for (const def of list) if (!names.has(lower(def.name))) names.set(lower(def.name), def);
    namesOfList.set(list, names);
  }
  return names.get(lower(name));
}

/**
 * A resource type with its schemas, answering "what does this name mean" case-insensitively.
 * Built once per resource type (and, where a directory declares extensions, once per directory).
 */
export class ResourceSchema {
  readonly coreId: string;
  private readonly extensionsById = new Map<string, SchemaDef>();

  constructor(readonly type: ResourceTypeDef) {
    this.coreId = type.schema.id;
    for (const ext of type.extensions) this.extensionsById.set(lower(ext.schema.id), ext.schema);
  }

  get extensions(): SchemaDef[] {
    return [...this.extensionsById.values()];
  }

  /** The canonical URN of a core or extension schema of this type, or undefined. */
  schemaIdFor(uri: string): string | undefined {
    if (lower(uri) === lower(this.coreId)) return this.coreId;
    return this.extensionsById.get(lower(uri))?.id;
  }

  extension(uri: string): SchemaDef | undefined {
    return this.extensionsById.get(lower(uri));
  }

  /** The top-level attributes a resource of this type may carry at its root (common + core schema). */
  get rootAttributes(): readonly AttributeDef[] {
    // One array for the life of the schema: findAttribute indexes a list once, by identity.
    return (this.rootList ??= [...commonAttributes, ...this.type.schema.attributes]);
  }
  private rootList?: readonly AttributeDef[];

  /** Resolves a path; undefined when any part of it names nothing in this type's schemas. */
  resolve(path: AttrPath): ResolvedPath | undefined {
    if (path.uri !== undefined) {
      // A bare extension URN parses as uri + last segment; `urn:...:2.0:User` names the extension itself.
      const whole = this.extension(`${path.uri}:${path.attr}`);
      if (whole && path.sub === undefined) return { schemaId: whole.id, inExtension: true };
      const schemaId = this.schemaIdFor(path.uri);
      if (!schemaId) return undefined;
      const inExtension = schemaId !== this.coreId;
      const list = inExtension ? this.extension(schemaId)!.attributes : this.rootAttributes;
      return this.withSub(schemaId, inExtension, findAttribute(list, path.attr), path.sub);
    }
    const core = findAttribute(this.rootAttributes, path.attr);
    if (core) return this.withSub(this.coreId, false, core, path.sub);
    // A name without its URN falls back to the extensions (Entra filters on `manager eq "id"`).
    for (const extension of this.extensionsById.values()) {
      const found = findAttribute(extension.attributes, path.attr);
      if (found) return this.withSub(extension.id, true, found, path.sub);
    }
    return undefined;
  }

  private withSub(schemaId: string, inExtension: boolean, attribute: AttributeDef | undefined, sub: string | undefined) {
    if (!attribute) return undefined;
    if (sub === undefined) return { schemaId, inExtension, attribute };
    const subDef = findAttribute(attribute.subAttributes, sub);
    return subDef ? { schemaId, inExtension, attribute, sub: subDef } : undefined;
  }
}

export const userResources = new ResourceSchema(userResourceType);
export const groupResources = new ResourceSchema(groupResourceType);
