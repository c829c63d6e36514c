import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setValueLimits } from '../../src/protocol/attribute-limits.js';
import { isDateTime } from '../../src/protocol/attribute-value.js';
import { ScimError } from '../../src/protocol/errors.js';
import {
  checkRequired,
  normalizeAttributeValue,
  normalizeMembers,
  normalizeResource,
  validateResource,
  type NormalizedResource,
} from '../../src/protocol/resource.js';
import { findAttribute, groupResources, ResourceSchema, userResources, userResourceType } from '../../src/protocol/schema/registry.js';
import { enterpriseUserSchema } from '../../src/protocol/schema/enterprise-user.js';
import { userSchema } from '../../src/protocol/schema/user.js';
import {
  CORE_GROUP,
  CORE_USER,
  CUSTOM,
  ENTERPRISE,
  expectCleanDocument,
  expectScimError,
  typedUsers,
  type ExpectedError,
} from './patch-fixtures.js';

const user = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ schemas: [CORE_USER], userName: 'jane@example.com', ...extra });
const group = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ schemas: [CORE_GROUP], displayName: 'Engineering', ...extra });

interface Case {
  name: string;
  schema?: ResourceSchema;
  body: unknown;
  doc: Record<string, unknown>;
  password?: string;
  members?: NormalizedResource['members'];
}

const valid: Case[] = [
  {
    name: 'Okta create user: password out, groups ignored, everything else kept',
    body: {
      schemas: [CORE_USER],
      userName: 'jane@example.com',
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ primary: true, value: 'jane@example.com', type: 'work' }],
      displayName: 'Jane Doe',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: 'tmp-Placeholder-1',
      active: true,
    },
    doc: {
      userName: 'jane@example.com',
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ primary: true, value: 'jane@example.com', type: 'work' }],
      displayName: 'Jane Doe',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      active: true,
    },
    password: 'tmp-Placeholder-1',
  },
  {
    name: 'attribute names are case-insensitive and stored canonically',
    body: { USERNAME: 'a', NAME: { GIVENNAME: 'A', FamilyName: 'B' }, DisplayName: 'A B', EMAILS: [{ VALUE: 'a@x', Type: 'work' }] },
    doc: { userName: 'a', name: { givenName: 'A', familyName: 'B' }, displayName: 'A B', emails: [{ value: 'a@x', type: 'work' }] },
  },
  {
    name: 'values keep their case',
    body: user({ displayName: 'JaNe', externalId: 'AbC' }),
    doc: { userName: 'jane@example.com', displayName: 'JaNe', externalId: 'AbC' },
  },
  {
    name: 'readOnly id, meta and groups are ignored',
    body: user({ id: 'client-chosen', meta: { resourceType: 'User', created: '2020-01-01T00:00:00Z' }, groups: [{ value: 'g1' }] }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'unknown attributes and unknown sub-attributes are dropped',
    body: user({ favouriteColour: 'blue', name: { givenName: 'J', nickname2: 'x' }, 'custom.thing': 1 }),
    doc: { userName: 'jane@example.com', name: { givenName: 'J' } },
  },
  {
    name: 'unknown schema URIs in schemas are tolerated (OneLogin)',
    body: { schemas: ['urn:scim:schemas:core:1.0', CORE_USER, 'urn:x'], userName: 'a' },
    doc: { userName: 'a' },
  },
  {
    name: 'no schemas at all is tolerated',
    body: { userName: 'a' },
    doc: { userName: 'a' },
  },
  {
    name: 'schemas null is tolerated',
    body: { schemas: null, userName: 'a' },
    doc: { userName: 'a' },
  },
  {
    name: 'unknown extension blocks are dropped',
    body: user({ 'urn:ietf:params:scim:schemas:extension:acme:2.0:User': { badge: '7' } }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'enterprise extension block',
    body: user({ [ENTERPRISE]: { employeeNumber: '7', department: 'R&D', manager: { value: 'm1' } } }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { employeeNumber: '7', department: 'R&D', manager: { value: 'm1' } } },
  },
  {
    name: 'extension URN key and attribute names match case-insensitively',
    body: user({ [ENTERPRISE.toUpperCase()]: { EMPLOYEENUMBER: '7' } }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { employeeNumber: '7' } },
  },
  {
    name: 'URN-qualified extension attributes at the root',
    body: user({ [`${ENTERPRISE}:employeeNumber`]: '7', [`${ENTERPRISE}:costCenter`]: 'cc' }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { employeeNumber: '7', costCenter: 'cc' } },
  },
  {
    name: 'URN-qualified keys merge with the extension block',
    body: user({ [ENTERPRISE]: { division: 'd' }, [`${ENTERPRISE.toLowerCase()}:Organization`]: 'o' }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { division: 'd', organization: 'o' } },
  },
  {
    name: 'URN-qualified sub-attribute at the root',
    body: user({ [`${ENTERPRISE}:manager.value`]: 'm1' }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { manager: { value: 'm1' } } },
  },
  {
    name: 'URN-qualified core attributes at the root',
    body: { [`${CORE_USER}:userName`]: 'a', [`${CORE_USER}:name.givenName`]: 'G' },
    doc: { userName: 'a', name: { givenName: 'G' } },
  },
  {
    name: 'dotted keys merge into their complex attribute',
    body: user({ name: { familyName: 'F' }, 'name.givenName': 'G' }),
    doc: { userName: 'jane@example.com', name: { familyName: 'F', givenName: 'G' } },
  },
  {
    name: 'empty extension block is absent',
    body: user({ [ENTERPRISE]: {} }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'extension block of nulls is absent',
    body: user({ [ENTERPRISE]: { manager: null, department: null } }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'null extension block is absent',
    body: user({ [ENTERPRISE]: null }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'Entra: null for absent complex attributes',
    body: user({ addresses: null, [ENTERPRISE]: { manager: null }, name: null, title: null }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'Entra: roles with a string primary and a custom type',
    body: user({ roles: [{ primary: 'False', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }),
    doc: { userName: 'jane@example.com', roles: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] },
  },
  {
    name: 'roles whose value is JSON inside a string stay strings',
    body: user({ roles: [{ value: '{"id":"1","value":"Admin","displayName":"Admin"}' }] }),
    doc: { userName: 'jane@example.com', roles: [{ value: '{"id":"1","value":"Admin","displayName":"Admin"}' }] },
  },
  {
    name: 'canonicalValues are not enforced',
    body: user({ emails: [{ value: 'a@x', type: 'corporate' }], phoneNumbers: [{ value: '1', type: 'Mobile' }] }),
    doc: { userName: 'jane@example.com', emails: [{ value: 'a@x', type: 'corporate' }], phoneNumbers: [{ value: '1', type: 'Mobile' }] },
  },
  ...(['True', 'TRUE', 'true', 'tRuE'] as const).map((text) => ({
    name: `boolean string ${text} becomes true`,
    body: user({ active: text }),
    doc: { userName: 'jane@example.com', active: true },
  })),
  ...(['False', 'FALSE', 'false', 'fAlSe'] as const).map((text) => ({
    name: `boolean string ${text} becomes false`,
    body: user({ active: text }),
    doc: { userName: 'jane@example.com', active: false },
  })),
  {
    name: 'real booleans are kept',
    body: user({ active: false }),
    doc: { userName: 'jane@example.com', active: false },
  },
  {
    name: 'empty arrays are absent',
    body: user({ emails: [], phoneNumbers: [], roles: [] }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'null sub-attributes drop',
    body: user({ name: { givenName: 'G', middleName: null }, emails: [{ value: 'a@x', type: null, primary: null }] }),
    doc: { userName: 'jane@example.com', name: { givenName: 'G' }, emails: [{ value: 'a@x' }] },
  },
  {
    name: 'a complex value with only nulls is absent',
    body: user({ name: { givenName: null } }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'null and empty elements of a list drop',
    body: user({ emails: [null, {}, { value: 'a@x' }, { type: null }] }),
    doc: { userName: 'jane@example.com', emails: [{ value: 'a@x' }] },
  },
  {
    name: 'exact duplicate elements drop, in any key order',
    body: user({
      emails: [
        { value: 'a@x', type: 'work' },
        { type: 'work', value: 'a@x' },
        { value: 'A@x', type: 'work' },
      ],
    }),
    doc: { userName: 'jane@example.com', emails: [{ value: 'a@x', type: 'work' }, { value: 'A@x', type: 'work' }] },
  },
  {
    name: 'one primary is fine, primary false any number of times',
    body: user({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: false }, { value: 'c', primary: 'false' }] }),
    doc: { userName: 'jane@example.com', emails: [{ value: 'a', primary: true }, { value: 'b', primary: false }, { value: 'c', primary: false }] },
  },
  {
    name: 'manager as a bare id string (Entra)',
    body: user({ [ENTERPRISE]: { manager: 'm1' } }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { manager: { value: 'm1' } } },
  },
  {
    name: 'manager as an object',
    body: user({ [ENTERPRISE]: { manager: { value: 'm1', $ref: '../Users/m1' } } }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { manager: { value: 'm1', $ref: '../Users/m1' } } },
  },
  {
    name: 'manager as a one-element array with a null $ref (Entra)',
    body: user({ [ENTERPRISE]: { manager: [{ $ref: null, value: 'm1' }] } }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { manager: { value: 'm1' } } },
  },
  {
    name: 'manager as a one-element array of an id string',
    body: user({ [ENTERPRISE]: { manager: ['m1'] } }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { manager: { value: 'm1' } } },
  },
  {
    name: 'manager as an empty array is absent',
    body: user({ [ENTERPRISE]: { manager: [] } }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'manager.displayName is readOnly and ignored',
    body: user({ [ENTERPRISE]: { manager: { value: 'm1', displayName: 'Boss' } } }),
    doc: { userName: 'jane@example.com', [ENTERPRISE]: { manager: { value: 'm1' } } },
  },
  {
    name: 'manager with only a displayName is absent',
    body: user({ [ENTERPRISE]: { manager: { displayName: 'Boss' } } }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'null password is no password',
    body: user({ password: null }),
    doc: { userName: 'jane@example.com' },
  },
  {
    name: 'odd Unicode survives unchanged',
    body: user({ displayName: 'Zoë 🦊 \u0301\u200d ﷽', name: { givenName: '\u0000x' } }),
    doc: { userName: 'jane@example.com', displayName: 'Zoë 🦊 \u0301\u200d ﷽', name: { givenName: '\u0000x' } },
  },
  {
    name: 'every attribute type of a custom extension',
    schema: typedUsers,
    body: user({
      [CUSTOM]: {
        count: 3,
        ratio: 0.5,
        hiredAt: '2024-05-01T12:00:00Z',
        badge: 'aGVsbG8=',
        homepage: 'https://example.com/jane',
        flag: 'TRUE',
        tags: ['a', 'b', 'a'],
        device: { serial: 'S1', model: 'M' },
      },
    }),
    doc: {
      userName: 'jane@example.com',
      [CUSTOM]: {
        count: 3,
        ratio: 0.5,
        hiredAt: '2024-05-01T12:00:00Z',
        badge: 'aGVsbG8=',
        homepage: 'https://example.com/jane',
        flag: true,
        tags: ['a', 'b'],
        device: { serial: 'S1', model: 'M' },
      },
    },
  },
  {
    name: 'a dateTime is stored as given',
    schema: typedUsers,
    body: user({ [`${CUSTOM}:hiredAt`]: '2024-02-29T23:59:59.123+05:30' }),
    doc: { userName: 'jane@example.com', [CUSTOM]: { hiredAt: '2024-02-29T23:59:59.123+05:30' } },
  },
  // Groups
  {
    name: 'Okta push group: empty members',
    schema: groupResources,
    body: { schemas: [CORE_GROUP], displayName: 'Engineering', members: [] },
    doc: { displayName: 'Engineering' },
    members: [],
  },
  {
    name: 'Entra create group: extra schema URI, externalId',
    schema: groupResources,
    body: {
      schemas: [CORE_GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      displayName: 'Sales',
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      members: [],
    },
    doc: { displayName: 'Sales', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159' },
    members: [],
  },
  {
    name: 'group without members key: members undefined',
    schema: groupResources,
    body: group(),
    doc: { displayName: 'Engineering' },
  },
  {
    name: 'group members null: members undefined',
    schema: groupResources,
    body: group({ members: null }),
    doc: { displayName: 'Engineering' },
  },
  {
    name: 'members: display and $ref ignored, type normalised, duplicates dropped',
    schema: groupResources,
    body: group({
      MEMBERS: [
        { value: 'u1', display: 'Jane', $ref: 'https://x/Users/u1' },
        { Value: 'g1', Type: 'group' },
        { value: 'u2', type: 'USER' },
        { value: 'u1', type: 'User' },
        null,
      ],
    }),
    doc: { displayName: 'Engineering' },
    members: [{ value: 'u1' }, { value: 'g1', type: 'Group' }, { value: 'u2', type: 'User' }],
  },
  {
    name: 'group: unknown attributes dropped, id/meta ignored',
    schema: groupResources,
    body: group({ id: 'x', meta: {}, description: 'not in the schema' }),
    doc: { displayName: 'Engineering' },
  },
  {
    name: 'group: password is not a group attribute',
    schema: groupResources,
    body: group({ password: 'secret' }),
    doc: { displayName: 'Engineering' },
  },
];

describe('normalizeResource: accepted bodies', () => {
  it.each(valid)('$name', ({ schema = userResources, body, doc, password, members }) => {
    const result = normalizeResource(schema, body);
    expect(result.doc).toEqual(doc);
    expect(result.password).toBe(password);
    expect(result.members).toEqual(members);
    expectCleanDocument(result.doc);
  });

  it('never keeps password, groups, id or meta in the document', () => {
    const { doc } = normalizeResource(userResources, user({ password: 'p', groups: [{ value: 'g' }], id: '1', meta: {} }));
    expect(Object.keys(doc)).toEqual(['userName']);
  });

  it('does not modify the body', () => {
    const body = user({ name: { givenName: 'G', middleName: null }, active: 'True' });
    const copy = structuredClone(body);
    normalizeResource(userResources, body);
    expect(body).toEqual(copy);
  });

  it('returns values not shared with the body', () => {
    const body = user({ name: { givenName: 'G' } });
    const { doc } = normalizeResource(userResources, body);
    (doc.name as Record<string, unknown>).givenName = 'changed';
    expect(body.name).toEqual({ givenName: 'G' });
  });
});

interface ErrorCase extends ExpectedError {
  name: string;
  schema?: ResourceSchema;
  body: unknown;
}

const invalid: ErrorCase[] = [
  { name: 'array body', body: [user()], scimType: 'invalidSyntax', detail: 'JSON object' },
  { name: 'string body', body: 'userName=jane', scimType: 'invalidSyntax' },
  { name: 'null body', body: null, scimType: 'invalidSyntax' },
  { name: 'number body', body: 42, scimType: 'invalidSyntax' },
  { name: 'schemas a string', body: { schemas: CORE_USER, userName: 'a' }, scimType: 'invalidSyntax', detail: 'schemas' },
  { name: 'schemas with a number', body: { schemas: [CORE_USER, 1], userName: 'a' }, scimType: 'invalidSyntax', detail: 'schemas' },
  { name: 'userName missing', body: { schemas: [CORE_USER] }, scimType: 'invalidValue', detail: 'userName is required' },
  { name: 'userName null', body: { userName: null }, scimType: 'invalidValue', detail: 'userName is required' },
  { name: 'userName empty', body: { userName: '' }, scimType: 'invalidValue', detail: 'userName must not be empty' },
  { name: 'userName blank', body: { userName: ' \t\n' }, scimType: 'invalidValue', detail: 'userName must not be empty' },
  { name: 'userName a number', body: { userName: 42 }, scimType: 'invalidValue', detail: 'userName must be a string' },
  { name: 'userName an array of one', body: { userName: ['a'] }, scimType: 'invalidValue', detail: 'userName must be a string' },
  { name: 'displayName an object', body: user({ displayName: { x: 1 } }), scimType: 'invalidValue', detail: 'displayName must be a string' },
  { name: 'active a number', body: user({ active: 1 }), scimType: 'invalidValue', detail: 'active must be a boolean' },
  { name: 'active "yes"', body: user({ active: 'yes' }), scimType: 'invalidValue', detail: 'active must be a boolean' },
  { name: 'active " true"', body: user({ active: ' true' }), scimType: 'invalidValue', detail: 'active must be a boolean' },
  { name: 'string attribute given "true" stays strict', body: user({ title: true }), scimType: 'invalidValue', detail: 'title must be a string' },
  { name: 'name a string', body: user({ name: 'Jane Doe' }), scimType: 'invalidValue', detail: 'name must be an object' },
  { name: 'name an array', body: user({ name: [{ givenName: 'J' }] }), scimType: 'invalidValue', detail: 'name must be an object' },
  { name: 'name.givenName a number', body: user({ name: { givenName: 5 } }), scimType: 'invalidValue', detail: 'name.givenName must be a string' },
  { name: 'emails an object', body: user({ emails: { value: 'a@x' } }), scimType: 'invalidValue', detail: 'emails must be an array' },
  { name: 'emails a string', body: user({ emails: 'a@x' }), scimType: 'invalidValue', detail: 'emails must be an array' },
  { name: 'emails[0] a string', body: user({ emails: ['a@x'] }), scimType: 'invalidValue', detail: 'emails[0] must be an object' },
  { name: 'emails[1] an array', body: user({ emails: [{ value: 'a' }, [{ value: 'b' }]] }), scimType: 'invalidValue', detail: 'emails[1]' },
  {
    name: 'emails[0].primary "yes"',
    body: user({ emails: [{ value: 'a@x', primary: 'yes' }] }),
    scimType: 'invalidValue',
    detail: 'emails[0].primary must be a boolean',
  },
  { name: 'emails[0].value a number', body: user({ emails: [{ value: 1 }] }), scimType: 'invalidValue', detail: 'emails[0].value must be a string' },
  {
    name: 'two primary emails',
    body: user({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: 'True' }] }),
    scimType: 'invalidValue',
    detail: 'primary',
  },
  {
    name: 'two primary addresses',
    body: user({ addresses: [{ formatted: 'a', primary: true }, { formatted: 'b', primary: true }] }),
    scimType: 'invalidValue',
    detail: 'addresses',
  },
  {
    name: 'photos value not a string',
    body: user({ photos: [{ value: { url: 'x' } }] }),
    scimType: 'invalidValue',
    detail: 'photos[0].value must be a string',
  },
  { name: 'password a number', body: user({ password: 1234 }), scimType: 'invalidValue', detail: 'password must be a string' },
  { name: 'password an object', body: user({ password: { value: 'x' } }), scimType: 'invalidValue', detail: 'password must be a string' },
  {
    name: 'extension block a string',
    body: user({ [ENTERPRISE]: 'x' }),
    scimType: 'invalidValue',
    detail: ENTERPRISE,
  },
  {
    name: 'enterprise employeeNumber a number',
    body: user({ [ENTERPRISE]: { employeeNumber: 7 } }),
    scimType: 'invalidValue',
    detail: `${ENTERPRISE}:employeeNumber must be a string`,
  },
  {
    name: 'manager a number',
    body: user({ [ENTERPRISE]: { manager: 42 } }),
    scimType: 'invalidValue',
    detail: `${ENTERPRISE}:manager`,
  },
  {
    name: 'manager an array of two',
    body: user({ [ENTERPRISE]: { manager: [{ value: 'a' }, { value: 'b' }] } }),
    scimType: 'invalidValue',
    detail: 'single value',
  },
  {
    name: 'manager a nested array',
    body: user({ [ENTERPRISE]: { manager: [['m1']] } }),
    scimType: 'invalidValue',
  },
  {
    name: 'manager.value a number',
    body: user({ [ENTERPRISE]: { manager: { value: 7 } } }),
    scimType: 'invalidValue',
    detail: `${ENTERPRISE}:manager.value must be a string`,
  },
  {
    name: 'the same attribute twice in different case',
    body: { userName: 'a', USERNAME: 'b' },
    scimType: 'invalidSyntax',
    detail: 'more than once',
  },
  {
    name: 'the same extension attribute in the block and URN-qualified',
    body: user({ [ENTERPRISE]: { employeeNumber: '1' }, [`${ENTERPRISE}:employeeNumber`]: '2' }),
    scimType: 'invalidSyntax',
    detail: 'more than once',
  },
  {
    name: 'the same sub-attribute twice in different case',
    body: user({ name: { givenName: 'a', GIVENNAME: 'b' } }),
    scimType: 'invalidSyntax',
    detail: 'name.givenName',
  },
  {
    name: 'a sub-attribute both nested and dotted',
    body: user({ name: { givenName: 'a' }, 'name.givenName': 'b' }),
    scimType: 'invalidSyntax',
    detail: 'name.givenName',
  },
  {
    name: 'a dotted key into a multi-valued attribute',
    body: user({ 'emails.value': 'a@x' }),
    scimType: 'invalidValue',
    detail: 'emails',
  },
  // custom types
  { name: 'integer 1.5', schema: typedUsers, body: user({ [CUSTOM]: { count: 1.5 } }), scimType: 'invalidValue', detail: `${CUSTOM}:count must be an integer` },
  { name: 'integer "3"', schema: typedUsers, body: user({ [CUSTOM]: { count: '3' } }), scimType: 'invalidValue', detail: 'must be an integer' },
  { name: 'decimal "0.5"', schema: typedUsers, body: user({ [CUSTOM]: { ratio: '0.5' } }), scimType: 'invalidValue', detail: 'must be a number' },
  { name: 'decimal true', schema: typedUsers, body: user({ [CUSTOM]: { ratio: true } }), scimType: 'invalidValue', detail: 'must be a number' },
  { name: 'dateTime a number', schema: typedUsers, body: user({ [CUSTOM]: { hiredAt: 1714564800000 } }), scimType: 'invalidValue', detail: 'hiredAt must be a date' },
  { name: 'dateTime a date only', schema: typedUsers, body: user({ [CUSTOM]: { hiredAt: '2024-05-01' } }), scimType: 'invalidValue', detail: 'ISO 8601' },
  { name: 'dateTime Feb 30', schema: typedUsers, body: user({ [CUSTOM]: { hiredAt: '2024-02-30T00:00:00Z' } }), scimType: 'invalidValue' },
  { name: 'binary a number', schema: typedUsers, body: user({ [CUSTOM]: { badge: 5 } }), scimType: 'invalidValue', detail: 'badge must be a string' },
  { name: 'reference an object', schema: typedUsers, body: user({ [CUSTOM]: { homepage: {} } }), scimType: 'invalidValue', detail: 'homepage must be a string' },
  { name: 'boolean "1"', schema: typedUsers, body: user({ [CUSTOM]: { flag: '1' } }), scimType: 'invalidValue', detail: 'flag must be a boolean' },
  { name: 'multi-valued string with a number', schema: typedUsers, body: user({ [CUSTOM]: { tags: ['a', 2] } }), scimType: 'invalidValue', detail: `${CUSTOM}:tags[1] must be a string` },
  { name: 'multi-valued string not an array', schema: typedUsers, body: user({ [CUSTOM]: { tags: 'a' } }), scimType: 'invalidValue', detail: 'must be an array' },
  { name: 'required sub-attribute missing', schema: typedUsers, body: user({ [CUSTOM]: { device: { label: 'x' } } }), scimType: 'invalidValue', detail: `${CUSTOM}:device.serial is required` },
  { name: 'required sub-attribute blank', schema: typedUsers, body: user({ [CUSTOM]: { device: { serial: ' ' } } }), scimType: 'invalidValue', detail: 'device.serial must not be empty' },
  // groups
  { name: 'group displayName missing', schema: groupResources, body: { schemas: [CORE_GROUP], members: [] }, scimType: 'invalidValue', detail: 'displayName is required' },
  { name: 'group displayName blank', schema: groupResources, body: group({ displayName: '  ' }), scimType: 'invalidValue', detail: 'displayName must not be empty' },
  { name: 'members an object', schema: groupResources, body: group({ members: { value: 'u1' } }), scimType: 'invalidValue', detail: 'members must be an array' },
  { name: 'members[0] a string', schema: groupResources, body: group({ members: ['u1'] }), scimType: 'invalidValue', detail: 'members[0]' },
  { name: 'members[0].value missing', schema: groupResources, body: group({ members: [{ display: 'Jane' }] }), scimType: 'invalidValue', detail: 'members[0].value' },
  { name: 'members[1].value a number', schema: groupResources, body: group({ members: [{ value: 'a' }, { value: 7 }] }), scimType: 'invalidValue', detail: 'members[1].value must be a string' },
  { name: 'members[0].value empty', schema: groupResources, body: group({ members: [{ value: '' }] }), scimType: 'invalidValue', detail: 'members[0].value must not be empty' },
  { name: 'members[0].type unknown', schema: groupResources, body: group({ members: [{ value: 'a', type: 'Robot' }] }), scimType: 'invalidValue', detail: 'members[0].type' },
  { name: 'members[0].type a number', schema: groupResources, body: group({ members: [{ value: 'a', type: 1 }] }), scimType: 'invalidValue', detail: 'members[0].type' },
];

describe('normalizeResource: rejected bodies', () => {
  it.each(invalid)('$name', ({ schema = userResources, body, ...expected }) => {
    expectScimError(() => normalizeResource(schema, body), expected);
  });
});

describe('normalizeResource: hostile input', () => {
  it('ignores __proto__ and constructor keys without polluting prototypes', () => {
    const body = JSON.parse(
      '{"userName":"a","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        '"name":{"__proto__":{"polluted":true},"givenName":"G"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"__proto__":{"x":1}}}',
    );
    const { doc } = normalizeResource(userResources, body);
    expect(doc).toEqual({ userName: 'a', name: { givenName: 'G' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
  });

  it('does not walk deep nesting under unknown attributes', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(normalizeResource(userResources, user({ custom: deep })).doc).toEqual({ userName: 'jane@example.com' });
  });

  it('rejects deep nesting where a string belongs without recursing', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expectScimError(() => normalizeResource(userResources, user({ displayName: deep })), { scimType: 'invalidValue' });
    expectScimError(() => normalizeResource(userResources, user({ [ENTERPRISE]: { manager: deep } })), { scimType: 'invalidValue' });
    expectScimError(() => normalizeResource(userResources, user({ emails: deep })), { scimType: 'invalidValue' });
  });

  it('keeps a huge string as it is, where the attribute is not indexed', () => {
    const huge = 'é'.repeat(1_000_000);
    expect(normalizeResource(userResources, user({ title: huge })).doc.title).toBe(huge);
    // Indexed attributes have a length limit (attribute-limits.test.ts).
    expectScimError(() => normalizeResource(userResources, user({ displayName: huge })), { scimType: 'invalidValue' });
  });

  it('de-duplicates a long list in linear time', () => {
    const emails = Array.from({ length: 50_000 }, (_, i) => ({ value: `u${i % 100}@x` }));
    // More values than the default limit allows (ROSTER_MAX_VALUES_PER_ATTRIBUTE): refused before any work.
    expectScimError(() => normalizeResource(userResources, user({ emails })), { scimType: 'invalidValue' });
    setValueLimits({ maxValuesPerAttribute: 100_000 });
    try {
      const started = Date.now();
      const { doc } = normalizeResource(userResources, user({ emails }));
      expect((doc.emails as unknown[]).length).toBe(100);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      setValueLimits({});
    }
  });

  it('never throws anything but a ScimError, and yields clean documents', () => {
    const key = fc.oneof(
      fc.constantFrom('userName', 'USERNAME', 'name', 'emails', 'active', 'roles', 'groups', 'password', 'id', 'meta'),
      fc.constantFrom(ENTERPRISE, `${ENTERPRISE}:manager`, `${ENTERPRISE}:employeeNumber`, 'name.givenName', '__proto__'),
      fc.string(),
    );
    const body = fc.dictionary(key, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 });
    fc.assert(
      fc.property(fc.oneof(body, fc.jsonValue()), fc.constantFrom(userResources, groupResources, typedUsers), (input, schema) => {
        try {
          const result = normalizeResource(schema, input);
          expectCleanDocument(result.doc);
          expect(JSON.parse(JSON.stringify(result.doc))).toEqual(result.doc);
        } catch (error) {
          if (!(error instanceof ScimError)) throw error;
          expect(error.status).toBe(400);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('normalizeAttributeValue', () => {
  const emails = findAttribute(userSchema.attributes, 'emails')!;
  const active = findAttribute(userSchema.attributes, 'active')!;
  const manager = findAttribute(enterpriseUserSchema.attributes, 'manager')!;
  const name = findAttribute(userSchema.attributes, 'name')!;

  it.each([
    ['null', active, null, undefined],
    ['undefined', active, undefined, undefined],
    ['"False"', active, 'False', false],
    ['true', active, true, true],
    ['empty list', emails, [], undefined],
    ['list of nulls', emails, [null, null], undefined],
    ['list', emails, [{ value: 'a', Primary: 'TRUE' }], [{ value: 'a', primary: true }]],
    ['manager id', manager, 'm1', { value: 'm1' }],
    ['manager array', manager, [{ value: 'm1', $ref: null }], { value: 'm1' }],
    ['manager [null]', manager, [null], undefined],
    ['empty name', name, {}, undefined],
  ] as const)('%s', (_label, attribute, value, expected) => {
    expect(normalizeAttributeValue(attribute, value, attribute.name)).toEqual(expected);
  });

  it('names the path it is given in errors', () => {
    expectScimError(() => normalizeAttributeValue(emails, [{ primary: 'no' }], 'emails[type eq "work"]'), {
      detail: 'emails[type eq "work"][0].primary must be a boolean',
    });
  });

  it('does not take the bare-string shortcut for complex attributes without a value sub-attribute', () => {
    expectScimError(() => normalizeAttributeValue(name, 'Jane', 'name'), { detail: 'name must be an object' });
  });
});

describe('normalizeMembers', () => {
  it.each([
    [null, []],
    [undefined, []],
    [[], []],
    [[{ value: 'a' }], [{ value: 'a' }]],
    [[{ value: 'a', type: 'GROUP' }, { value: 'b', type: null }], [{ value: 'a', type: 'Group' }, { value: 'b' }]],
  ] as const)('%j', (value, expected) => {
    expect(normalizeMembers(value)).toEqual(expected);
  });
});

describe('checkRequired and validateResource', () => {
  it.each([
    [userResources, {}, 'userName is required'],
    [userResources, { userName: '' }, 'userName must not be empty'],
    [userResources, { userName: '\u00a0 ' }, 'userName must not be empty'],
    [groupResources, {}, 'displayName is required'],
    [groupResources, { displayName: '\t' }, 'displayName must not be empty'],
  ] as const)('%#: %j', (schema, doc, detail) => {
    expectScimError(() => checkRequired(schema, doc), { scimType: 'invalidValue', detail });
    expectScimError(() => validateResource(schema, doc), { scimType: 'invalidValue', detail });
  });

  it('accepts complete documents', () => {
    expect(() => validateResource(userResources, { userName: 'a', emails: [{ value: 'a', primary: true }, { value: 'b' }] })).not.toThrow();
    expect(() => validateResource(groupResources, { displayName: 'g' })).not.toThrow();
  });

  it('finds two primaries in a finished document, in an extension too', () => {
    expectScimError(() => validateResource(userResources, { userName: 'a', phoneNumbers: [{ value: '1', primary: true }, { value: '2', primary: true }] }), {
      scimType: 'invalidValue',
      detail: 'phoneNumbers',
    });
  });

  it('asks for a required extension when the type says so', () => {
    const strict = new ResourceSchema({
      ...userResourceType,
      extensions: [{ schema: enterpriseUserSchema, required: true }],
    });
    expectScimError(() => checkRequired(strict, { userName: 'a' }), { detail: `${ENTERPRISE} is required` });
    expect(() => checkRequired(strict, { userName: 'a', [ENTERPRISE]: { employeeNumber: '1' } })).not.toThrow();
  });
});

describe('isDateTime', () => {
  it.each([
    '2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00',
    '2024-05-01T12:00:00.5Z',
    '2024-05-01T12:00:00.123456789Z',
    '2024-05-01T12:00:00+02:00',
    '2024-05-01T12:00:00-14:00',
    '2024-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '2024-12-31T23:59:59Z',
    '2024-05-01t12:00:00z',
  ])('accepts %s', (text) => expect(isDateTime(text)).toBe(true));

  it.each([
    '',
    '2024-05-01',
    '2024-05-01 12:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-01T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024-05-01T12:00:60Z',
    '2024-05-01T12:00:00+15:00',
    '2024-05-01T12:00:00+0200',
    '2024-05-01T12:00:00.Z',
    '2024-05-01T12:00:00ZZ',
    'yesterday',
    '१२३४-05-01T12:00:00Z',
  ])('rejects %s', (text) => expect(isDateTime(text)).toBe(false));
});
