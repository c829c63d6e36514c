import { builtInResourceTypes, builtInSchemas } from './schema/registry.js';
import type { AttributeDef, ResourceTypeDef, SchemaDef } from './schema/types.js';

// The discovery endpoints (RFC 7644 section 4): ServiceProviderConfig, ResourceTypes and Schemas, with the
// shapes of RFC 7643 sections 5, 6 and 7. Every document is derived from the schema definitions the server
// validates with, so what it advertises is what it does. Schemas and resource types are arguments (a directory
// may add its own extensions); the defaults are the built-in ones.
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export interface ServiceProviderConfigOptions {
  /** The SCIM base URL, e.g. `https://roster.example.com/scim/v2`; a trailing slash is ignored. */
  baseUrl: string;
  /** The largest page a list or search returns (the `count` ceiling). */
  maxResults: number;
  /** The page size when a request names no count. */
  defaultPageSize?: number;
  bulk: { maxOperations: number; maxPayloadSize: number };
  documentationUri?: string;
}

export function serviceProviderConfig(options: ServiceProviderConfigOptions) {
  const base = trimBase(options.baseUrl);
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    ...(options.documentationUri ? { documentationUri: options.documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: true, maxOperations: options.bulk.maxOperations, maxPayloadSize: options.bulk.maxPayloadSize },
    filter: { supported: true, maxResults: options.maxResults },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865: cursor paging (in creation order) beside index paging.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: options.defaultPageSize ?? 100,
      maxPageSize: options.maxResults,
      cursorTimeout: 0,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a bearer token (RFC 6750) in the Authorization header.',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        ...(options.documentationUri ? { documentationUri: options.documentationUri } : {}),
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${base}/ServiceProviderConfig`,
    },
  };
}

export function resourceTypeDocument(type: ResourceTypeDef, baseUrl: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((extension) => ({ schema: extension.schema.id, required: extension.required })),
    meta: {
      resourceType: 'ResourceType',
      location: `${trimBase(baseUrl)}/ResourceTypes/${type.id}`,
    },
  };
}

export function resourceTypeDocuments(baseUrl: string, types: readonly ResourceTypeDef[] = builtInResourceTypes) {
  return types.map((type) => resourceTypeDocument(type, baseUrl));
}

/**
 * The Schema document of RFC 7643 section 7. The common attributes (id, externalId, meta) are NOT listed:
 * the RFC's own User and Group schema representations (section 8.7.1) leave them out, and clients that read
 * /Schemas (Entra among them) expect exactly that shape.
 */
export function schemaDocument(schema: SchemaDef, baseUrl: string) {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument),
    meta: {
      resourceType: 'Schema',
      location: `${trimBase(baseUrl)}/Schemas/${schema.id}`,
    },
  };
}

export function schemaDocuments(baseUrl: string, schemas: readonly SchemaDef[] = builtInSchemas) {
  return schemas.map((schema) => schemaDocument(schema, baseUrl));
}

export interface AttributeDocument {
  name: string;
  type: string;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: string;
  returned: string;
  uniqueness: string;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDocument[];
}

/** Every characteristic, spelled out even where it equals the RFC default, so clients need not know the defaults. */
function attributeDocument(def: AttributeDef): AttributeDocument {
  const document: AttributeDocument = {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued,
    description: def.description,
    required: def.required,
    caseExact: def.caseExact,
    mutability: def.mutability,
    returned: def.returned,
    uniqueness: def.uniqueness,
  };
  if (def.canonicalValues) document.canonicalValues = [...def.canonicalValues];
  if (def.referenceTypes) document.referenceTypes = [...def.referenceTypes];
  if (def.subAttributes) document.subAttributes = def.subAttributes.map(attributeDocument);
  return document;
}

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}
