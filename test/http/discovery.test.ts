// Discovery (RFC 7644 section 4, RFC 7643 sections 5 to 7): ServiceProviderConfig, ResourceTypes, Schemas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  GROUP_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SPC_SCHEMA,
  USER_SCHEMA,
  expectError,
  expectList,
  expectScimJson,
  expectStatus,
} from './helpers.js';

const ROLES = 'urn:roster:params:scim:schemas:extension:roles:2.0:User';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const MUTABILITY = ['readOnly', 'readWrite', 'immutable', 'writeOnly'];
const RETURNED = ['always', 'never', 'default', 'request'];
const UNIQUENESS = ['none', 'server', 'global'];
const TYPES = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'complex', 'binary'];

function checkAttribute(attribute: any, where: string): void {
  expect(typeof attribute.name, where).toBe('string');
  expect(TYPES, `${where}.${attribute.name} type`).toContain(attribute.type);
  expect(typeof attribute.multiValued, `${where}.${attribute.name} multiValued`).toBe('boolean');
  expect(typeof attribute.required, `${where}.${attribute.name} required`).toBe('boolean');
  expect(MUTABILITY, `${where}.${attribute.name} mutability`).toContain(attribute.mutability);
  expect(RETURNED, `${where}.${attribute.name} returned`).toContain(attribute.returned);
  if (attribute.type === 'string') {
    expect(typeof attribute.caseExact, `${where}.${attribute.name} caseExact`).toBe('boolean');
    expect(UNIQUENESS, `${where}.${attribute.name} uniqueness`).toContain(attribute.uniqueness);
  }
  if (attribute.type === 'reference') expect(Array.isArray(attribute.referenceTypes), `${where}.${attribute.name} referenceTypes`).toBe(true);
  if (attribute.type === 'complex') {
    expect(Array.isArray(attribute.subAttributes), `${where}.${attribute.name} subAttributes`).toBe(true);
    for (const sub of attribute.subAttributes) checkAttribute(sub, `${where}.${attribute.name}`);
  }
}

const find = (attributes: any[], name: string) => attributes.find((a) => a.name === name);

describe('GET /ServiceProviderConfig', () => {
  it('is RFC-shaped and tells the truth about what the server does', async () => {
    const res = await roster.scim('GET', '/ServiceProviderConfig');
    expectStatus(res, 200);
    expectScimJson(res);
    const spc = res.body;
    expect(spc.schemas).toEqual([SPC_SCHEMA]);
    expect(spc.patch).toEqual({ supported: true });
    expect(spc.bulk.supported).toBe(true);
    expect(spc.filter).toEqual({ supported: true, maxResults: 1000 });
    expect(spc.sort).toEqual({ supported: true });
    expect(spc.etag).toEqual({ supported: true });
    expect(typeof spc.changePassword.supported).toBe('boolean');
    expect(Array.isArray(spc.authenticationSchemes)).toBe(true);
    const bearer = spc.authenticationSchemes.find((s: any) => s.type === 'oauthbearertoken');
    expect(bearer, JSON.stringify(spc.authenticationSchemes)).toBeDefined();
    expect(typeof bearer.name).toBe('string');
    expect(typeof bearer.description).toBe('string');
    if (spc.meta) expect(spc.meta.resourceType).toBe('ServiceProviderConfig');
  });

  it('ignores unknown query parameters', async () => {
    expectStatus(await roster.scim('GET', '/ServiceProviderConfig?aadOptscim062020'), 200);
  });
});

describe('GET /ResourceTypes', () => {
  it('lists User and Group with their endpoints, schemas and the enterprise extension', async () => {
    const res = await roster.scim('GET', '/ResourceTypes');
    const list = expectList(res);
    expect(res.body.totalResults).toBe(2);
    const user = list.find((r) => r.id === 'User');
    const group = list.find((r) => r.id === 'Group');
    expect(user).toMatchObject({ schemas: [RESOURCE_TYPE_SCHEMA], id: 'User', name: 'User', endpoint: '/Users', schema: USER_SCHEMA });
    expect(user.schemaExtensions).toEqual([
      { schema: ENTERPRISE, required: false },
      { schema: ROLES, required: false },
    ]);
    expect(group).toMatchObject({ schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA });
    expect(group.schemaExtensions ?? []).toEqual([]);
    expect(user.meta.resourceType).toBe('ResourceType');
    expect(user.meta.location).toBe(`${roster.baseUrl}/ResourceTypes/User`);
  });

  it('answers one resource type by id, and 404 for an unknown one', async () => {
    const res = await roster.scim('GET', '/ResourceTypes/User');
    expectStatus(res, 200);
    expect(res.body.endpoint).toBe('/Users');
    expectError(await roster.scim('GET', '/ResourceTypes/Printer'), 404);
  });
});

describe('GET /Schemas', () => {
  it('lists the User, Group and enterprise User schemas, each RFC-shaped', async () => {
    const res = await roster.scim('GET', '/Schemas');
    const list = expectList(res);
    expect(list.map((s) => s.id).sort()).toEqual([GROUP_SCHEMA, USER_SCHEMA, ENTERPRISE, ROLES].sort());
    for (const schema of list) {
      expect(schema.schemas).toEqual([SCHEMA_SCHEMA]);
      expect(typeof schema.name).toBe('string');
      expect(Array.isArray(schema.attributes)).toBe(true);
      for (const attribute of schema.attributes) checkAttribute(attribute, schema.id);
      expect(schema.meta.resourceType).toBe('Schema');
      expect(schema.meta.location).toBe(`${roster.baseUrl}/Schemas/${schema.id}`);
    }
  });

  it('describes the User schema truthfully', async () => {
    const res = await roster.scim('GET', `/Schemas/${USER_SCHEMA}`);
    expectStatus(res, 200);
    const attrs = res.body.attributes;
    expect(find(attrs, 'userName')).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server' });
    expect(find(attrs, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(find(attrs, 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
    expect(find(attrs, 'emails')).toMatchObject({ type: 'complex', multiValued: true });
    expect(find(attrs, 'active')).toMatchObject({ type: 'boolean' });
    expect(find(find(attrs, 'name').subAttributes, 'givenName')).toMatchObject({ type: 'string' });
    expect(find(attrs, 'id')).toBeUndefined();
  });

  it('describes the Group schema with members', async () => {
    const res = await roster.scim('GET', `/Schemas/${GROUP_SCHEMA}`);
    expectStatus(res, 200);
    expect(find(res.body.attributes, 'displayName')).toMatchObject({ required: true, uniqueness: 'server' });
    const members = find(res.body.attributes, 'members');
    expect(members).toMatchObject({ type: 'complex', multiValued: true });
    expect(members.subAttributes.map((a: any) => a.name)).toEqual(expect.arrayContaining(['value', 'type', 'display']));
  });

  it('describes the enterprise extension with manager', async () => {
    const res = await roster.scim('GET', `/Schemas/${ENTERPRISE}`);
    expectStatus(res, 200);
    const manager = find(res.body.attributes, 'manager');
    expect(manager.type).toBe('complex');
    expect(find(manager.subAttributes, 'value')).toBeDefined();
    expect(find(res.body.attributes, 'employeeNumber').type).toBe('string');
  });

  it('answers 404 for an unknown schema', async () => {
    expectError(await roster.scim('GET', '/Schemas/urn:example:nope'), 404);
  });
});

describe('discovery documents for another directory', () => {
  it('point at that directory', async () => {
    const dir = await roster.createDirectory('discovery-other');
    const res = await fetch(`${dir.baseUrl}/ResourceTypes/User`, { headers: { authorization: `Bearer ${dir.token}` } });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.meta.location).toBe(`${dir.baseUrl}/ResourceTypes/User`);
  });
});
