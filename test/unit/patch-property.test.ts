import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/protocol/errors.js';
import { applyPatch } from '../../src/protocol/patch.js';
import { normalizeResource, validateResource, type ResourceDoc } from '../../src/protocol/resource.js';
import { groupResources, userResources, type ResourceSchema } from '../../src/protocol/schema/registry.js';
import { CUSTOM, ENTERPRISE, PATCH_OP, deepFreeze, expectCleanDocument, typedUsers } from './patch-fixtures.js';

// Random operation lists against valid documents: whatever the input, the engine answers with a result or a
// ScimError, never anything else, and never changes the document it was given.

const RESOURCE_ID = 'r-1';

const userDocs: ResourceDoc[] = [
  { userName: 'a' },
  {
    userName: 'jane@example.com',
    name: { givenName: 'Jane', familyName: 'Doe' },
    active: true,
    emails: [
      { value: 'jane@example.com', type: 'work', primary: true },
      { value: 'j@home.example', type: 'home' },
    ],
    phoneNumbers: [{ value: '1', type: 'mobile' }],
    addresses: [{ type: 'work', formatted: 'x', primary: true }],
    roles: [{ value: '{"id":"1"}', primary: false }],
    [ENTERPRISE]: { employeeNumber: '7', manager: { value: 'm1' } },
  },
];
const typedDocs: ResourceDoc[] = [
  ...userDocs,
  { userName: 'b', [CUSTOM]: { badgeId: 'B', tags: ['x', 'y'], device: { serial: 'S', model: 'M' }, count: 1 } },
];
const groupDocs: ResourceDoc[] = [{ displayName: 'Engineering' }, { displayName: 'Sales', externalId: 'e1' }];

const userPaths = [
  'userName', 'USERNAME', 'displayName', 'active', 'title', 'name', 'name.givenName', 'name.familyName', 'name.bogus',
  'emails', 'emails.value', 'emails.primary', 'emails[type eq "work"]', 'emails[type eq "work"].value',
  'emails[type eq "home" and primary eq true].value', 'emails[value co "@"]', 'emails[type eq "work" or type eq "x"].display',
  'emails[not (type eq "work")].type', 'emails[bogus eq "x"]', 'emails[value pr].primary', 'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].formatted', 'addresses', 'roles', 'entitlements[value eq "x"]', 'x509Certificates',
  'password', 'id', 'meta', 'meta.created', 'groups', 'groups[value eq "g"]', 'externalId', 'nickName', 'profileUrl',
  ENTERPRISE, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.displayName`,
  `${ENTERPRISE}:employeeNumber`, 'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', 'urn:acme:x:y',
  `${CUSTOM}:count`, `${CUSTOM}:ratio`, `${CUSTOM}:hiredAt`, `${CUSTOM}:badgeId`, `${CUSTOM}:tags`, `${CUSTOM}:device`,
  `${CUSTOM}:device.model`, `${CUSTOM}:device.serial`, CUSTOM, 'name[givenName eq "x"]', 'emails[type eq', '', '  ',
  '__proto__', 'constructor.prototype', 'emails[type eq "__proto__"].value', 'a.b.c', 'emails[type eq "work"].value.x',
];
const groupPaths = [
  'displayName', 'externalId', 'members', 'MEMBERS', 'members[value eq "u1"]', 'members[value eq "u1" or value eq "u2"]',
  'members[display eq "x"]', 'members[value ne "u1"]', 'members.value', 'members[value eq "u1"].display', 'id', 'meta',
  'urn:ietf:params:scim:schemas:core:2.0:Group:members', 'password', 'emails',
];

const memberValue = fc.oneof(
  fc.record({ value: fc.constantFrom('u1', 'u2', 'g1', ''), display: fc.string() }, { requiredKeys: ['value'] }),
  fc.record({ value: fc.string(), type: fc.constantFrom('User', 'group', 'Robot', null) }),
  fc.constant({ display: 'no value' }),
);
const shapedValue = fc.oneof(
  fc.constantFrom('True', 'False', 'yes', '', ' ', 'm1', '2024-05-01T00:00:00Z', 'not a date'),
  fc.string(),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.array(fc.record({ value: fc.string(), type: fc.constantFrom('work', 'home', 'mobile'), primary: fc.oneof(fc.boolean(), fc.constantFrom('True', 'x')) }, { requiredKeys: [] }), { maxLength: 3 }),
  fc.record({ givenName: fc.string(), familyName: fc.constantFrom(null, 'Doe'), value: fc.string(), model: fc.string(), serial: fc.string() }, { requiredKeys: [] }),
  fc.array(memberValue, { maxLength: 3 }),
  memberValue,
  fc.dictionary(fc.constantFrom('displayName', 'active', 'name.givenName', `${ENTERPRISE}:employeeNumber`, ENTERPRISE, 'id', 'members', 'password', 'meta', 'userName', '__proto__', 'groups'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

// Well-typed operations, so that many requests succeed and the properties of results get exercised too.
const text = fc.constantFrom('x', 'Jane', 'work', 'home', 'a@x', 'b@x', 'u1', 'u2');
const email = fc.record({ value: text, type: fc.constantFrom('work', 'home', 'other'), primary: fc.boolean(), display: text }, { requiredKeys: ['value'] });
const plausible: [string, fc.Arbitrary<unknown>][] = [
  ['displayName', text],
  ['title', fc.oneof(text, fc.constant(null))],
  ['active', fc.oneof(fc.boolean(), fc.constantFrom('True', 'false'))],
  ['name', fc.record({ givenName: text, familyName: fc.oneof(text, fc.constant(null)) }, { requiredKeys: [] })],
  ['name.givenName', text],
  ['emails', fc.oneof(fc.array(email, { maxLength: 3 }), email)],
  ['emails[type eq "work"].value', text],
  ['emails[type eq "home"]', email],
  ['emails[value eq "a@x"].primary', fc.boolean()],
  ['emails.display', text],
  ['phoneNumbers[type eq "mobile"].value', text],
  ['addresses[type eq "work"].formatted', text],
  ['roles', fc.array(fc.record({ value: text, primary: fc.constantFrom('False', 'True', false) }), { maxLength: 2 })],
  [`${ENTERPRISE}:manager`, fc.oneof(text, fc.record({ value: text }), fc.constant([{ $ref: null, value: 'm2' }]))],
  [ENTERPRISE, fc.record({ employeeNumber: text, department: fc.oneof(text, fc.constant(null)) }, { requiredKeys: [] })],
  [`${CUSTOM}:tags`, fc.array(text, { maxLength: 3 })],
  [`${CUSTOM}:device.label`, text],
  ['members', fc.array(fc.record({ value: text, display: text }, { requiredKeys: ['value'] }), { maxLength: 3 })],
  ['members[value eq "u1"]', fc.constant(undefined)],
  ['externalId', text],
];
const plausibleOperation = fc.oneof(...plausible.map(([path, value]) =>
  fc.record({ op: fc.constantFrom('add', 'replace', 'remove'), path: fc.constant(path), value }),
));
const plausibleNoPath = fc
  .dictionary(fc.constantFrom('displayName', 'active', 'name.givenName', `${ENTERPRISE}:employeeNumber`, 'title', 'externalId'), text, { minKeys: 1, maxKeys: 3 })
  .chain((value) => fc.record({ op: fc.constantFrom('add', 'replace'), value: fc.constant(value) }));

function operations(paths: string[]) {
  const operation = fc.record(
    {
      op: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE', 'Remove') },
        { weight: 1, arbitrary: fc.constantFrom('move', 1, null) },
      ),
      path: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(...paths) },
        { weight: 1, arbitrary: fc.string() },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      value: shapedValue,
    },
    { requiredKeys: ['op'] },
  );
  const any = fc.oneof(
    { weight: 1, arbitrary: operation },
    { weight: 2, arbitrary: plausibleOperation as fc.Arbitrary<Record<string, unknown>> },
    { weight: 1, arbitrary: plausibleNoPath as fc.Arbitrary<Record<string, unknown>> },
  );
  return fc.array(any, { minLength: 1, maxLength: 4 });
}

function requestBody(paths: string[]) {
  return fc.oneof(
    { weight: 9, arbitrary: operations(paths).map((Operations) => ({ schemas: [PATCH_OP], Operations }) as unknown) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

function checkProperty(schema: ResourceSchema, docs: ResourceDoc[], paths: string[]): void {
  fc.assert(
    fc.property(fc.constantFrom(...docs), requestBody(paths), (template, request) => {
      const current = deepFreeze(structuredClone(template));
      try {
        const result = applyPatch(schema, current, request, { resourceId: RESOURCE_ID });
        expectCleanDocument(result.doc);
        expect(() => validateResource(schema, result.doc)).not.toThrow();
        expect(JSON.parse(JSON.stringify(result.doc))).toEqual(result.doc);
        // The result is already in normal form: read back as a PUT body, it is the same document.
        expect(normalizeResource(schema, result.doc).doc).toEqual(result.doc);
        if (!result.changed) {
          expect(result.doc).toEqual(current);
          expect(result.password).toBeUndefined();
          expect(result.members).toBeUndefined();
        }
        for (const change of result.members ?? []) {
          if (change.op === 'remove') expect(change.ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
          if (change.op === 'add' || change.op === 'replace') {
            expect(change.members.every((m) => typeof m.value === 'string' && (m.type === undefined || m.type === 'User' || m.type === 'Group'))).toBe(true);
          }
        }
      } catch (error) {
        if (!(error instanceof ScimError)) throw error;
        expect(error.status).toBe(400);
        expect(error.scimType).toBeDefined();
      }
      expect(current).toEqual(template);
    }),
    { numRuns: 3000 },
  );
}

describe('applyPatch properties', () => {
  it('users: only ScimErrors, current never mutated, clean results', () => checkProperty(userResources, userDocs, userPaths));
  it('users with custom types: same', () => checkProperty(typedUsers, typedDocs, userPaths));
  it('groups: same', () => checkProperty(groupResources, groupDocs, groupPaths));
});
