import { ResourceSchema, builtInSchemas, groupResourceType, userResourceType } from '../protocol/schema/registry.js';
import type { AttributeDef, AttributeType, SchemaDef } from '../protocol/schema/types.js';
import type { Storage } from '../storage/database.js';
import type { DirectorySchemas } from './context.js';
import { readSettings } from './policies.js';
import type { Directory } from './tenants.js';
import { TenantError } from './tenants.js';

// Custom schema extensions a directory declares (RFC 7643 schema form), e.g. Okta custom attributes. Once
// declared, their attributes are type-checked, filterable, sortable and advertised like the built-in ones.

export interface DeclaredExtension {
  resourceType: 'User' | 'Group';
  schema: SchemaDef;
}

const TYPES: AttributeType[] = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'complex', 'binary'];
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const cache = new Map<string, DirectorySchemas>();
const builtIn: DirectorySchemas = { user: new ResourceSchema(userResourceType), group: new ResourceSchema(groupResourceType) };

export function declaredExtensions(directory: Directory): DeclaredExtension[] {
  const list = readSettings(directory).extensions;
  return Array.isArray(list) ? (list as DeclaredExtension[]) : [];
}

/** The directory's schemas, built once per distinct settings value (settings are read with every request). */
export function schemasOf(directory: Directory): DirectorySchemas {
  const declared = declaredExtensions(directory);
  if (declared.length === 0) return builtIn;
  const key = JSON.stringify(declared);
  let schemas = cache.get(key);
  if (!schemas) {
    const forType = (type: 'User' | 'Group') => declared.filter((d) => d.resourceType === type).map((d) => ({ schema: d.schema, required: false }));
    schemas = {
      user: new ResourceSchema({ ...userResourceType, extensions: [...userResourceType.extensions, ...forType('User')] }),
      group: new ResourceSchema({ ...groupResourceType, extensions: [...groupResourceType.extensions, ...forType('Group')] }),
    };
    if (cache.size > 1000) cache.clear();
    cache.set(key, schemas);
  }
  return schemas;
}

/** Validates a schema document and fills the RFC 7643 defaults of every characteristic left out. */
export function validateExtension(input: unknown): SchemaDef {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new TenantError('A schema must be a JSON object');
  const doc = input as Record<string, unknown>;
  const id = doc.id;
  if (typeof id !== 'string' || !/^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s]+$/.test(id)) throw new TenantError('The schema needs an "id" that is a URN, e.g. urn:example:params:scim:schemas:extension:acme:2.0:User');
  if (builtInSchemas.some((s) => s.id.toLowerCase() === id.toLowerCase())) throw new TenantError(`${id} is a built-in schema`);
  if (!Array.isArray(doc.attributes) || doc.attributes.length === 0) throw new TenantError('The schema needs a non-empty "attributes" array');
  return {
    id,
    name: typeof doc.name === 'string' ? doc.name : id.split(':').pop()!,
    description: typeof doc.description === 'string' ? doc.description : '',
    attributes: attributesOf(doc.attributes, id, 0),
  };
}

function attributesOf(list: unknown[], where: string, depth: number): AttributeDef[] {
  const seen = new Set<string>();
  return list.map((raw, i) => {
    if (!raw || typeof raw !== 'object') throw new TenantError(`${where}: attribute ${i} must be an object`);
    const a = raw as Record<string, unknown>;
    const name = a.name;
    if (typeof name !== 'string' || !NAME.test(name)) throw new TenantError(`${where}: attribute ${i} needs a "name" of letters, digits, _ and -`);
    if (seen.has(name.toLowerCase())) throw new TenantError(`${where}: attribute "${name}" is declared twice`);
    seen.add(name.toLowerCase());
    const type = (a.type ?? 'string') as AttributeType;
    if (!TYPES.includes(type)) throw new TenantError(`${where}.${name}: type must be one of ${TYPES.join(', ')}`);
    const pick = <T extends string>(key: string, allowed: T[], fallback: T): T => {
      const value = a[key] ?? fallback;
      if (!allowed.includes(value as T)) throw new TenantError(`${where}.${name}: ${key} must be one of ${allowed.join(', ')}`);
      return value as T;
    };
    const def: AttributeDef = {
      name,
      type,
      multiValued: a.multiValued === true,
      description: typeof a.description === 'string' ? a.description : '',
      required: a.required === true,
      caseExact: a.caseExact === true,
      mutability: pick('mutability', ['readOnly', 'readWrite', 'immutable', 'writeOnly'], 'readWrite'),
      returned: pick('returned', ['always', 'never', 'default', 'request'], 'default'),
      uniqueness: pick('uniqueness', ['none', 'server', 'global'], 'none'),
      ...(Array.isArray(a.canonicalValues) ? { canonicalValues: a.canonicalValues.map(String) } : {}),
      ...(Array.isArray(a.referenceTypes) ? { referenceTypes: a.referenceTypes.map(String) } : {}),
    };
    if (type === 'complex') {
      if (depth > 0) throw new TenantError(`${where}.${name}: complex attributes cannot nest (RFC 7643)`);
      if (!Array.isArray(a.subAttributes) || a.subAttributes.length === 0) throw new TenantError(`${where}.${name}: a complex attribute needs subAttributes`);
      def.subAttributes = attributesOf(a.subAttributes, `${where}.${name}`, depth + 1);
    }
    return def;
  });
}

/** Declares and removes a directory's extensions. */
export class Schemas {
  constructor(private readonly storage: Storage) {}

  list(directory: Directory): DeclaredExtension[] {
    return declaredExtensions(directory);
  }

  async add(directory: Directory, input: unknown, resourceType: 'User' | 'Group' = 'User'): Promise<DeclaredExtension> {
    const raw = input as Record<string, unknown>;
    const type = raw && typeof raw === 'object' && (raw.resourceType === 'Group' || raw.resourceType === 'User') ? raw.resourceType : resourceType;
    const schema = validateExtension(input);
    return this.change(directory, (list) => {
      const rest = list.filter((d) => d.schema.id.toLowerCase() !== schema.id.toLowerCase());
      const declared = { resourceType: type, schema };
      return { list: [...rest, declared], result: declared };
    });
  }

  async remove(directory: Directory, id: string): Promise<boolean> {
    return this.change(directory, (list) => {
      const rest = list.filter((d) => d.schema.id.toLowerCase() !== id.toLowerCase());
      return { list: rest, result: rest.length !== list.length };
    });
  }

  private change<T>(directory: Directory, edit: (list: DeclaredExtension[]) => { list: DeclaredExtension[]; result: T }): Promise<T> {
    return this.storage.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('directories').selectAll().where('id', '=', directory.id).executeTakeFirstOrThrow();
      const settings = readSettings(row);
      const { list, result } = edit(declaredExtensions(row));
      settings.extensions = list;
      await tx.updateTable('directories').set({ settings: JSON.stringify(settings) }).where('id', '=', directory.id).execute();
      return result;
    });
  }
}
