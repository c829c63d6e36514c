import { describe, expect, it } from 'vitest';
import { buildProjection, parseAttributeList, project, wantsAttribute } from '../../src/protocol/projection.js';
import { attr, complex } from '../../src/protocol/schema/attribute.js';
import {
  ENTERPRISE_USER_SCHEMA as ENT,
  GROUP_SCHEMA,
  ResourceSchema,
  USER_SCHEMA,
  groupResources,
  userResources,
  userResourceType,
} from '../../src/protocol/schema/registry.js';
import type { SchemaDef } from '../../src/protocol/schema/types.js';

// A full User as storage builds it before projection.
const user = (): Record<string, unknown> => ({
  schemas: [USER_SCHEMA, ENT],
  id: 'u1',
  externalId: '00ujl29u0le5T6Aj10h7',
  meta: {
    resourceType: 'User',
    created: '2024-01-01T00:00:00Z',
    lastModified: '2024-02-01T00:00:00Z',
    location: 'https://x/scim/v2/Users/u1',
    version: 'W/"3"',
  },
  userName: 'jane@example.com',
  name: { givenName: 'Jane', familyName: 'Doe', formatted: 'Jane Doe' },
  displayName: 'Jane Doe',
  active: true,
  emails: [
    { value: 'jane@example.com', type: 'work', primary: true },
    { value: 'jd@home.example', type: 'home' },
  ],
  phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
  groups: [{ value: 'g1', display: 'Engineering', type: 'direct', $ref: 'https://x/scim/v2/Groups/g1' }],
  [ENT]: { employeeNumber: '7', department: 'R&D', manager: { value: 'u9', displayName: 'Boss' } },
});

const group = (): Record<string, unknown> => ({
  schemas: [GROUP_SCHEMA],
  id: 'g1',
  externalId: 'entra-object-id',
  meta: { resourceType: 'Group', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z', location: 'https://x/scim/v2/Groups/g1', version: 'W/"1"' },
  displayName: 'Engineering',
  members: [{ value: 'u1', display: 'jane@example.com', type: 'User' }],
});

type Params = { attributes?: string[]; excludedAttributes?: string[] };
const viewUser = (params: Params, resource = user()) => project(buildProjection(userResources, params), resource);
const list = (text: string) => parseAttributeList(text);

describe('projection of a User', () => {
  const full = user();
  const { ...withoutEnterprise } = full;
  delete withoutEnterprise[ENT];

  it.each<[string, Params, Record<string, unknown>]>([
    ['no parameters: everything but never/request', {}, full],
    ['empty lists behave like none', { attributes: [], excludedAttributes: [] }, full],
    ['attributes=userName: id and schemas always come along', { attributes: list('userName') }, { schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com' }],
    ['attributes=id (Entra reference check)', { attributes: list('id') }, { schemas: [USER_SCHEMA], id: 'u1' }],
    ['attribute names are case-insensitive, output canonical', { attributes: list('USERNAME,DisplayName') },
      { schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com', displayName: 'Jane Doe' }],
    ['core URN-qualified name', { attributes: [`${USER_SCHEMA}:userName`] }, { schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com' }],
    ['complex sub-attribute', { attributes: list('name.givenName') }, { schemas: [USER_SCHEMA], id: 'u1', name: { givenName: 'Jane' } }],
    ['two sub-attributes of one complex', { attributes: list('name.givenName, name.familyName') },
      { schemas: [USER_SCHEMA], id: 'u1', name: { givenName: 'Jane', familyName: 'Doe' } }],
    ['whole name wins over one of its sub-attributes', { attributes: list('name.givenName,name') }, { schemas: [USER_SCHEMA], id: 'u1', name: full.name }],
    ['multi-valued complex sub-attribute, per element', { attributes: list('emails.value') },
      { schemas: [USER_SCHEMA], id: 'u1', emails: [{ value: 'jane@example.com' }, { value: 'jd@home.example' }] }],
    ['elements without the sub-attribute are dropped', { attributes: list('emails.primary') },
      { schemas: [USER_SCHEMA], id: 'u1', emails: [{ primary: true }] }],
    ['an attribute with nothing left is dropped', { attributes: list('emails.display') }, { schemas: [USER_SCHEMA], id: 'u1' }],
    ['meta.version', { attributes: list('meta.version') }, { schemas: [USER_SCHEMA], id: 'u1', meta: { version: 'W/"3"' } }],
    ['meta is default: absent when not named', { attributes: list('externalId') }, { schemas: [USER_SCHEMA], id: 'u1', externalId: '00ujl29u0le5T6Aj10h7' }],
    ['groups when named', { attributes: list('groups.display') }, { schemas: [USER_SCHEMA], id: 'u1', groups: [{ display: 'Engineering' }] }],
    ['extension attribute by URN name', { attributes: [`${ENT}:employeeNumber`] }, { schemas: [USER_SCHEMA, ENT], id: 'u1', [ENT]: { employeeNumber: '7' } }],
    ['extension sub-attribute by URN name', { attributes: [`${ENT}:manager.value`] }, { schemas: [USER_SCHEMA, ENT], id: 'u1', [ENT]: { manager: { value: 'u9' } } }],
    ['extension URN in another case', { attributes: [`${ENT.toLowerCase()}:MANAGER.Value`] }, { schemas: [USER_SCHEMA, ENT], id: 'u1', [ENT]: { manager: { value: 'u9' } } }],
    ['bare extension URN returns the whole extension', { attributes: [ENT] }, { schemas: [USER_SCHEMA, ENT], id: 'u1', [ENT]: full[ENT] }],
    ['unqualified extension attribute name falls back to the extension', { attributes: list('employeeNumber') }, { schemas: [USER_SCHEMA, ENT], id: 'u1', [ENT]: { employeeNumber: '7' } }],
    ['unknown names ignored', { attributes: list('userName,bogus,name.bogus,urn:example:x:1.0:foo') }, { schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com' }],
    ['malformed names ignored', { attributes: ['userName', 'emails[type eq "work"].value', 'a.b.c', '!!', '', ' ', ':', 'name.'] },
      { schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com' }],
    ['only unknown names: just the always attributes', { attributes: list('nope') }, { schemas: [USER_SCHEMA], id: 'u1' }],
    ['password requested: never returned', { attributes: list('password,userName') }, { schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com' }],
    ['excluded id stays (always)', { excludedAttributes: list('id') }, full],
    ['excluded schemas stays', { excludedAttributes: list('schemas') }, full],
    ['excludedAttributes=groups', { excludedAttributes: list('groups') }, (() => { const { groups: _, ...rest } = full; return rest; })()],
    ['excluding several', { excludedAttributes: list('emails,phoneNumbers,meta,externalId') },
      (() => { const { emails: _e, phoneNumbers: _p, meta: _m, externalId: _x, ...rest } = full; return rest; })()],
    ['excluding a sub-attribute removes just that', { excludedAttributes: list('name.givenName') },
      { ...full, name: { familyName: 'Doe', formatted: 'Jane Doe' } }],
    ['excluding a multi-valued sub-attribute', { excludedAttributes: list('emails.type,emails.primary') },
      { ...full, emails: [{ value: 'jane@example.com' }, { value: 'jd@home.example' }] }],
    ['excluding meta.version', { excludedAttributes: list('meta.version') },
      { ...full, meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-02-01T00:00:00Z', location: 'https://x/scim/v2/Users/u1' } }],
    ['excluding an extension attribute', { excludedAttributes: [`${ENT}:manager`] }, { ...full, [ENT]: { employeeNumber: '7', department: 'R&D' } }],
    ['excluding an extension sub-attribute', { excludedAttributes: [`${ENT}:manager.displayName`] },
      { ...full, [ENT]: { employeeNumber: '7', department: 'R&D', manager: { value: 'u9' } } }],
    ['excluding the bare extension URN drops it and its schema', { excludedAttributes: [ENT] }, { ...withoutEnterprise, schemas: [USER_SCHEMA] }],
    ['excluding every extension attribute drops the object and its schema', { excludedAttributes: [`${ENT}:employeeNumber`, `${ENT}:department`, `${ENT}:manager`] },
      { ...withoutEnterprise, schemas: [USER_SCHEMA] }],
    ['unknown excluded names ignored', { excludedAttributes: list('bogus,name.bogus') }, full],
    ['attributes wins over excludedAttributes', { attributes: list('userName'), excludedAttributes: list('userName') },
      { schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com' }],
  ])('%s', (_label, params, expected) => {
    expect(viewUser(params)).toEqual(expected);
  });

  it('never returns password, even if storage left it in', () => {
    const leaky = { ...user(), password: 'hunter2' };
    expect(viewUser({}, leaky)).not.toHaveProperty('password');
    expect(viewUser({ attributes: list('password') }, leaky)).not.toHaveProperty('password');
  });

  it('drops keys the schema does not define, at every level', () => {
    const resource = { ...user(), internalRowId: 5, name: { givenName: 'Jane', secret: 'x' }, [ENT]: { employeeNumber: '7', hidden: true } };
    const out = viewUser({}, resource);
    expect(out).not.toHaveProperty('internalRowId');
    expect(out.name).toEqual({ givenName: 'Jane' });
    expect(out[ENT]).toEqual({ employeeNumber: '7' });
  });

  it('lists the extension URN when the extension object is present even if storage forgot it', () => {
    expect(viewUser({}, { ...user(), schemas: [USER_SCHEMA] }).schemas).toEqual([USER_SCHEMA, ENT]);
  });

  it('drops the extension URN when the resource has no extension object', () => {
    const resource = user();
    delete resource[ENT];
    expect(viewUser({}, resource).schemas).toEqual([USER_SCHEMA]);
  });

  it('keeps unknown schema URIs a client sent, deduplicated, and canonicalises known ones', () => {
    const odd = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User';
    const resource = { ...user(), schemas: [USER_SCHEMA.toUpperCase(), odd, ENT.toLowerCase(), ENT] };
    expect(viewUser({}, resource).schemas).toEqual([USER_SCHEMA, odd, ENT]);
    expect(viewUser({ attributes: list('userName') }, resource).schemas).toEqual([USER_SCHEMA, odd]);
  });

  it('puts schemas first', () => {
    expect(Object.keys(viewUser({ attributes: list('userName') }))[0]).toBe('schemas');
  });

  it('does not modify the resource and shares no containers it changed', () => {
    const resource = user();
    const before = JSON.stringify(resource);
    const out = viewUser({ excludedAttributes: list('name.givenName') }, resource);
    expect(JSON.stringify(resource)).toBe(before);
    (out.name as Record<string, unknown>).familyName = 'changed';
    expect((resource.name as Record<string, unknown>).familyName).toBe('Doe');
  });

  it('reads resource keys case-insensitively and writes canonical names', () => {
    const out = viewUser({ attributes: list('username') }, { schemas: [USER_SCHEMA], ID: 'u1', USERNAME: 'x' });
    expect(out).toEqual({ schemas: [USER_SCHEMA], id: 'u1', userName: 'x' });
  });

  it('gives the same answer whatever resources the same parameters were applied to before', () => {
    // Projections are shared between requests and remember the keys they met: a key spelled another way, or
    // met first in another resource, must not change what a later resource returns.
    const params = { excludedAttributes: list('emails.type,name') };
    const odd = { SCHEMAS: [USER_SCHEMA], Id: 'u2', EMAILS: [{ VALUE: 'a@b', TYPE: 'work', Primary: true }], NAME: { givenName: 'A' } };
    const expectedOdd = { schemas: [USER_SCHEMA], id: 'u2', emails: [{ value: 'a@b', primary: true }] };
    const expectedFull = viewUser(params, user());
    expect(viewUser(params, odd)).toEqual(expectedOdd);
    expect(viewUser(params, user())).toEqual(expectedFull);
    expect(viewUser(params, odd)).toEqual(expectedOdd);
    expect(buildProjection(userResources, params)).toBe(buildProjection(userResources, { excludedAttributes: list('emails.type,name') }));
  });

  it('keeps projections of different parameter lists apart, even where joining the names would make them equal', () => {
    expect(viewUser({ attributes: ['userName', 'displayName'] })).toEqual({ schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com', displayName: 'Jane Doe' });
    expect(viewUser({ attributes: ['userName\ndisplayName'] })).toEqual({ schemas: [USER_SCHEMA], id: 'u1' });
    expect(viewUser({ excludedAttributes: ['userName'] }).userName).toBeUndefined();
    expect(viewUser({ attributes: ['userName'] }).displayName).toBeUndefined();
  });

  it('survives hostile keys and values', () => {
    const resource = JSON.parse(
      `{"schemas":"nope","id":"u1","__proto__":{"userName":"evil"},"constructor":{"a":1},"name":"not-an-object","emails":[1,null,"x",{"value":"a@b"}],"${ENT}":[1,2]}`,
    );
    const out = viewUser({}, resource);
    expect(out).toEqual({ schemas: [USER_SCHEMA], id: 'u1', emails: [{ value: 'a@b' }] });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(viewUser({ attributes: ['__proto__', 'constructor', '__proto__.x', 'toString'] }, user())).toEqual({ schemas: [USER_SCHEMA], id: 'u1' });
  });

  it('handles a long attribute list and deep values without trouble', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = { value: deep };
    const names = Array.from({ length: 5000 }, (_, i) => `x${i}`).concat('userName', 'x'.repeat(100_000));
    expect(viewUser({ attributes: names }, { ...user(), emails: [deep] })).toEqual({ schemas: [USER_SCHEMA], id: 'u1', userName: 'jane@example.com' });
  });
});

describe('projection of a Group', () => {
  const view = (params: Params) => project(buildProjection(groupResources, params), group());
  const emptyGroup = (params: Params) => project(buildProjection(groupResources, params), { ...group(), members: [] });

  it.each<[string, Params, Record<string, unknown>]>([
    ['an empty members list stays when selected whole', { attributes: list('members') }, { schemas: [GROUP_SCHEMA], id: 'g1', members: [] }],
    ['an empty members list is dropped by a sub-attribute selection', { attributes: list('members.value') }, { schemas: [GROUP_SCHEMA], id: 'g1' }],
  ])('%s', (_label, params, expected) => expect(emptyGroup(params)).toEqual(expected));

  it.each<[string, Params, Record<string, unknown>]>([
    ['everything by default', {}, group()],
    ['Entra excludedAttributes=members', { excludedAttributes: list('members') }, (() => { const { members: _, ...rest } = group(); return rest; })()],
    ['attributes=displayName', { attributes: list('displayName') }, { schemas: [GROUP_SCHEMA], id: 'g1', displayName: 'Engineering' }],
    ['members.value', { attributes: list('members.value') }, { schemas: [GROUP_SCHEMA], id: 'g1', members: [{ value: 'u1' }] }],
    ['User attributes mean nothing here', { attributes: list('userName,groups') }, { schemas: [GROUP_SCHEMA], id: 'g1' }],
  ])('%s', (_label, params, expected) => expect(view(params)).toEqual(expected));
});

describe('wantsAttribute', () => {
  it.each<[string, ResourceSchema, Params, 'members' | 'groups', boolean]>([
    ['group, no parameters', groupResources, {}, 'members', true],
    ['group, excludedAttributes=members (Entra)', groupResources, { excludedAttributes: list('members') }, 'members', false],
    ['group, excludedAttributes=MEMBERS', groupResources, { excludedAttributes: list('MEMBERS') }, 'members', false],
    ['group, excluded a member sub-attribute', groupResources, { excludedAttributes: list('members.display') }, 'members', true],
    ['group, attributes=displayName', groupResources, { attributes: list('displayName') }, 'members', false],
    ['group, attributes=id', groupResources, { attributes: list('id') }, 'members', false],
    ['group, attributes=members', groupResources, { attributes: list('members') }, 'members', true],
    ['group, attributes=members.value', groupResources, { attributes: list('members.value') }, 'members', true],
    ['group, excluded something else', groupResources, { excludedAttributes: list('displayName') }, 'members', true],
    ['group has no groups', groupResources, {}, 'groups', false],
    ['user, no parameters', userResources, {}, 'groups', true],
    ['user, attributes=userName', userResources, { attributes: list('userName') }, 'groups', false],
    ['user, excludedAttributes=groups', userResources, { excludedAttributes: list('groups') }, 'groups', false],
    ['user, attributes=groups.value', userResources, { attributes: list('groups.value') }, 'groups', true],
    ['user has no members', userResources, {}, 'members', false],
  ])('%s: %s → %s', (_label, schema, params, name, expected) => {
    expect(wantsAttribute(buildProjection(schema, params), name)).toBe(expected);
  });
});

describe('returned kinds with a custom extension', () => {
  const ACME = 'urn:example:params:scim:schemas:extension:acme:1.0:User';
  const acme: SchemaDef = {
    id: ACME,
    name: 'AcmeUser',
    description: 'Acme',
    attributes: [
      attr('badge', 'string', 'Badge', { returned: 'request' }),
      attr('tenant', 'string', 'Tenant', { returned: 'always' }),
      attr('pin', 'string', 'PIN', { returned: 'never' }),
      attr('floor', 'integer', 'Floor'),
      complex('desk', 'Desk', [
        attr('number', 'string', 'Number'),
        attr('code', 'string', 'Code', { returned: 'request' }),
        attr('key', 'string', 'Key', { returned: 'never' }),
        attr('site', 'string', 'Site', { returned: 'always' }),
      ]),
    ],
  };
  const schema = new ResourceSchema({ ...userResourceType, extensions: [...userResourceType.extensions, { schema: acme, required: false }] });
  const resource = () => ({
    schemas: [USER_SCHEMA, ACME],
    id: 'u1',
    userName: 'jane',
    [ACME]: { badge: 'B1', tenant: 'T', pin: '0000', floor: 3, desk: { number: '12', code: 'C', key: 'K', site: 'HQ' } },
  });
  const view = (params: Params) => project(buildProjection(schema, params), resource());

  it.each<[string, Params, Record<string, unknown>]>([
    ['default: no request, no never', {}, { schemas: [USER_SCHEMA, ACME], id: 'u1', userName: 'jane', [ACME]: { tenant: 'T', floor: 3, desk: { number: '12', site: 'HQ' } } }],
    ['always attribute survives attributes=userName', { attributes: list('userName') }, { schemas: [USER_SCHEMA, ACME], id: 'u1', userName: 'jane', [ACME]: { tenant: 'T' } }],
    ['request attribute when named', { attributes: [`${ACME}:badge`] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { badge: 'B1', tenant: 'T' } }],
    ['never attribute even when named', { attributes: [`${ACME}:pin`] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { tenant: 'T' } }],
    ['bare URN: default and always, not request', { attributes: [ACME] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { tenant: 'T', floor: 3, desk: { number: '12', site: 'HQ' } } }],
    ['bare URN plus the request attribute', { attributes: [ACME, `${ACME}:badge`] },
      { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { badge: 'B1', tenant: 'T', floor: 3, desk: { number: '12', site: 'HQ' } } }],
    ['excluded always attribute stays', { excludedAttributes: [`${ACME}:tenant`, `${ACME}:floor`, `${ACME}:desk`] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', userName: 'jane', [ACME]: { tenant: 'T' } }],
    ['excluded bare URN keeps only always attributes', { excludedAttributes: [ACME] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', userName: 'jane', [ACME]: { tenant: 'T' } }],
    ['request attribute cannot be brought back by excluding something else', { excludedAttributes: list('userName') }, { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { tenant: 'T', floor: 3, desk: { number: '12', site: 'HQ' } } }],
    ['whole complex: default and always sub-attributes', { attributes: [`${ACME}:desk`] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { tenant: 'T', desk: { number: '12', site: 'HQ' } } }],
    ['request sub-attribute when named', { attributes: [`${ACME}:desk.code`] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { tenant: 'T', desk: { code: 'C', site: 'HQ' } } }],
    ['never sub-attribute even when named', { attributes: [`${ACME}:desk.key`] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', [ACME]: { tenant: 'T', desk: { site: 'HQ' } } }],
    ['excluded always sub-attribute stays', { excludedAttributes: [`${ACME}:desk.site`, `${ACME}:desk.number`] }, { schemas: [USER_SCHEMA, ACME], id: 'u1', userName: 'jane', [ACME]: { tenant: 'T', floor: 3, desk: { site: 'HQ' } } }],
  ])('%s', (_label, params, expected) => expect(view(params)).toEqual(expected));
});
