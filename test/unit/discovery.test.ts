import { describe, expect, it } from 'vitest';
import {
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  resourceTypeDocument,
  resourceTypeDocuments,
  schemaDocument,
  schemaDocuments,
  serviceProviderConfig,
  type AttributeDocument,
} from '../../src/protocol/discovery.js';
import { attr } from '../../src/protocol/schema/attribute.js';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  USER_SCHEMA,
  builtInSchemas,
  groupResourceType,
  userResourceType,
} from '../../src/protocol/schema/registry.js';
import type { ResourceTypeDef, SchemaDef } from '../../src/protocol/schema/types.js';

const base = 'https://roster.example.com/scim/v2';
const spcOptions = { baseUrl: base, maxResults: 200, bulk: { maxOperations: 1000, maxPayloadSize: 1_048_576 } };

describe('serviceProviderConfig', () => {
  const config = serviceProviderConfig(spcOptions);

  it('declares its schema and location', () => {
    expect(config.schemas).toEqual([SERVICE_PROVIDER_CONFIG_SCHEMA]);
    expect(config.meta).toEqual({ resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` });
  });

  it.each([
    ['patch', { supported: true }],
    ['bulk', { supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 }],
    ['filter', { supported: true, maxResults: 200 }],
    ['changePassword', { supported: true }],
    ['sort', { supported: true }],
    ['etag', { supported: true }],
  ] as const)('%s', (feature, expected) => {
    expect(config[feature]).toEqual(expected);
  });

  it('offers one primary OAuth bearer token scheme with a name and description', () => {
    expect(config.authenticationSchemes).toHaveLength(1);
    const [scheme] = config.authenticationSchemes;
    expect(scheme).toMatchObject({ type: 'oauthbearertoken', primary: true });
    expect(scheme.name).toMatch(/bearer/i);
    expect(scheme.description.length).toBeGreaterThan(0);
  });

  it('includes documentationUri only when configured', () => {
    expect('documentationUri' in config).toBe(false);
    const documented = serviceProviderConfig({ ...spcOptions, documentationUri: 'https://docs.example.com/scim' });
    expect(documented.documentationUri).toBe('https://docs.example.com/scim');
  });

  it('ignores a trailing slash on the base URL', () => {
    expect(serviceProviderConfig({ ...spcOptions, baseUrl: `${base}/` }).meta.location).toBe(`${base}/ServiceProviderConfig`);
  });

  it('survives a JSON round trip unchanged (no undefined members)', () => {
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});

describe('resource type documents', () => {
  it('describes User with the enterprise extension', () => {
    expect(resourceTypeDocument(userResourceType, base)).toEqual({
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [
        { schema: ENTERPRISE_USER_SCHEMA, required: false },
        { schema: 'urn:roster:params:scim:schemas:extension:roles:2.0:User', required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    });
  });

  it('describes Group with no extensions', () => {
    const group = resourceTypeDocument(groupResourceType, `${base}/`);
    expect(group).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, schemaExtensions: [] });
    expect(group.meta.location).toBe(`${base}/ResourceTypes/Group`);
  });

  it('lists the built-in types by default, and given types otherwise', () => {
    expect(resourceTypeDocuments(base).map((doc) => doc.id)).toEqual(['User', 'Group']);
    const custom: SchemaDef = { id: 'urn:example:custom:1.0:User', name: 'Custom', description: 'Custom', attributes: [] };
    const withCustom: ResourceTypeDef = { ...userResourceType, extensions: [...userResourceType.extensions, { schema: custom, required: true }] };
    expect(resourceTypeDocuments(base, [withCustom])[0].schemaExtensions).toEqual([
      { schema: ENTERPRISE_USER_SCHEMA, required: false },
      { schema: 'urn:roster:params:scim:schemas:extension:roles:2.0:User', required: false },
      { schema: 'urn:example:custom:1.0:User', required: true },
    ]);
  });
});

/** Every attribute in a tree, with its dotted path. */
function walk(attributes: AttributeDocument[], prefix = ''): [string, AttributeDocument][] {
  return attributes.flatMap((a) => [[`${prefix}${a.name}`, a] as [string, AttributeDocument], ...walk(a.subAttributes ?? [], `${prefix}${a.name}.`)]);
}

const CHARACTERISTICS = ['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness'] as const;
const ALLOWED = {
  type: ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'complex', 'binary'],
  mutability: ['readOnly', 'readWrite', 'immutable', 'writeOnly'],
  returned: ['always', 'never', 'default', 'request'],
  uniqueness: ['none', 'server', 'global'],
};

describe('schema documents', () => {
  const documents = schemaDocuments(base);
  const byId = new Map(documents.map((doc) => [doc.id, doc]));

  it('lists User, Group, EnterpriseUser and Roster\'s roles extension by default', () => {
    expect(documents.map((doc) => doc.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA, 'urn:roster:params:scim:schemas:extension:roles:2.0:User']);
    expect(documents.map((doc) => doc.name)).toEqual(['User', 'Group', 'EnterpriseUser', 'RosterRoles']);
  });

  it.each(builtInSchemas.map((schema) => [schema.id]))('%s has its schema, id and location', (id) => {
    const doc = byId.get(id)!;
    expect(doc.schemas).toEqual([SCHEMA_SCHEMA]);
    expect(doc.description.length).toBeGreaterThan(0);
    expect(doc.meta).toEqual({ resourceType: 'Schema', location: `${base}/Schemas/${id}` });
  });

  const allAttributes = documents.flatMap((doc) => walk(doc.attributes).map(([path, a]) => [`${doc.name}:${path}`, a] as const));

  it('has a good number of attributes to check', () => {
    expect(allAttributes.length).toBeGreaterThan(80);
  });

  it.each(allAttributes)('%s has every characteristic, with legal values', (_path, a) => {
    for (const key of CHARACTERISTICS) expect(a[key], key).toBeDefined();
    expect(typeof a.multiValued).toBe('boolean');
    expect(typeof a.required).toBe('boolean');
    expect(typeof a.caseExact).toBe('boolean');
    expect(a.description.length).toBeGreaterThan(0);
    expect(ALLOWED.type).toContain(a.type);
    expect(ALLOWED.mutability).toContain(a.mutability);
    expect(ALLOWED.returned).toContain(a.returned);
    expect(ALLOWED.uniqueness).toContain(a.uniqueness);
    if (a.type === 'complex') expect(a.subAttributes?.length).toBeGreaterThan(0);
    else expect(a.subAttributes).toBeUndefined();
    if (a.type === 'reference') expect(a.referenceTypes?.length).toBeGreaterThan(0);
  });

  const find = (schemaId: string, path: string) => walk(byId.get(schemaId)!.attributes).find(([p]) => p === path)?.[1];

  it('marks password writeOnly and never returned', () => {
    expect(find(USER_SCHEMA, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
  });

  it.each([
    [USER_SCHEMA, 'userName', { required: true, uniqueness: 'server', caseExact: false }],
    [USER_SCHEMA, 'emails', { type: 'complex', multiValued: true }],
    [USER_SCHEMA, 'emails.type', { canonicalValues: ['work', 'home', 'other'] }],
    [USER_SCHEMA, 'groups', { mutability: 'readOnly', multiValued: true }],
    [USER_SCHEMA, 'name.givenName', { type: 'string', multiValued: false }],
    [USER_SCHEMA, 'photos.value', { type: 'reference', referenceTypes: ['external'] }],
    [GROUP_SCHEMA, 'displayName', { required: true }],
    [GROUP_SCHEMA, 'members.$ref', { type: 'reference', referenceTypes: ['User', 'Group'] }],
    [GROUP_SCHEMA, 'members.value', { mutability: 'immutable' }],
    [ENTERPRISE_USER_SCHEMA, 'manager.value', { caseExact: true }],
    [ENTERPRISE_USER_SCHEMA, 'employeeNumber', { type: 'string' }],
  ])('%s %s', (schemaId, path, expected) => {
    expect(find(schemaId, path)).toMatchObject(expected);
  });

  it('leaves the common attributes (id, externalId, meta) out, as RFC 7643 section 8.7.1 does', () => {
    for (const doc of documents) {
      const names = doc.attributes.map((a) => a.name);
      expect(names).not.toContain('id');
      expect(names).not.toContain('externalId');
      expect(names).not.toContain('meta');
    }
  });

  it('omits canonicalValues and referenceTypes where not set', () => {
    const userName = find(USER_SCHEMA, 'userName')!;
    expect('canonicalValues' in userName).toBe(false);
    expect('referenceTypes' in userName).toBe(false);
  });

  it('copies, never shares, the definition arrays', () => {
    const doc = schemaDocument(builtInSchemas[0], base);
    const type = walk(doc.attributes).find(([p]) => p === 'emails.type')![1];
    type.canonicalValues!.push('mutated');
    expect(find(USER_SCHEMA, 'emails.type')!.canonicalValues).toEqual(['work', 'home', 'other']);
  });

  it('documents given schemas (a directory extension)', () => {
    const custom: SchemaDef = {
      id: 'urn:example:params:scim:schemas:extension:acme:1.0:User',
      name: 'AcmeUser',
      description: 'Acme fields',
      attributes: [attr('badge', 'integer', 'Badge number.', { returned: 'request' })],
    };
    const [doc] = schemaDocuments(`${base}/`, [custom]);
    expect(doc).toEqual({
      schemas: [SCHEMA_SCHEMA],
      id: custom.id,
      name: 'AcmeUser',
      description: 'Acme fields',
      attributes: [
        {
          name: 'badge',
          type: 'integer',
          multiValued: false,
          description: 'Badge number.',
          required: false,
          caseExact: false,
          mutability: 'readWrite',
          returned: 'request',
          uniqueness: 'none',
        },
      ],
      meta: { resourceType: 'Schema', location: `${base}/Schemas/${custom.id}` },
    });
  });
});
