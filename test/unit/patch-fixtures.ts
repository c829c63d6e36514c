import { expect } from 'vitest';
import { ScimError, type ScimType } from '../../src/protocol/errors.js';
import { attr, complex } from '../../src/protocol/schema/attribute.js';
import { ResourceSchema, userResourceType } from '../../src/protocol/schema/registry.js';
import type { SchemaDef } from '../../src/protocol/schema/types.js';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const CUSTOM = 'urn:example:params:scim:schemas:extension:types:2.0:User';

/** An extension with one attribute of every type, to test the checks the built-in schemas do not reach. */
export const typesExtension: SchemaDef = {
  id: CUSTOM,
  name: 'Types',
  description: 'Every attribute type',
  attributes: [
    attr('count', 'integer', 'An integer.'),
    attr('ratio', 'decimal', 'A decimal.'),
    attr('hiredAt', 'dateTime', 'A dateTime.'),
    attr('badge', 'binary', 'A binary.'),
    attr('homepage', 'reference', 'A reference.'),
    attr('flag', 'boolean', 'A boolean.'),
    attr('badgeId', 'string', 'Set once.', { mutability: 'immutable' }),
    attr('tags', 'string', 'A multi-valued string.', { multiValued: true }),
    complex('device', 'A complex attribute with a required and an immutable sub-attribute.', [
      attr('serial', 'string', 'Required inside device.', { required: true }),
      attr('model', 'string', 'Immutable.', { mutability: 'immutable' }),
      attr('label', 'string', 'Free.'),
    ]),
  ],
};

/** User with the enterprise extension and the all-types extension. */
export const typedUsers = new ResourceSchema({
  ...userResourceType,
  extensions: [...userResourceType.extensions, { schema: typesExtension, required: false }],
});

export interface ExpectedError {
  status?: number;
  scimType?: ScimType;
  detail?: string | RegExp;
}

/** Runs `run` and checks it throws a ScimError matching `expected`. */
export function expectScimError(run: () => unknown, expected: ExpectedError): ScimError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a ScimError').toBeInstanceOf(ScimError);
  const error = thrown as ScimError;
  expect(error.status).toBe(expected.status ?? 400);
  if (expected.scimType) expect(error.scimType).toBe(expected.scimType);
  if (typeof expected.detail === 'string') expect(error.message).toContain(expected.detail);
  else if (expected.detail) expect(error.message).toMatch(expected.detail);
  return error;
}

/** Freezes a JSON value all the way down, so any mutation throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A stored document never holds null, empty arrays or empty objects. */
export function expectCleanDocument(value: unknown, path = 'doc'): void {
  expect(value, path).not.toBeNull();
  expect(value, path).not.toBeUndefined();
  if (Array.isArray(value)) {
    expect(value.length, `${path} is an empty array`).toBeGreaterThan(0);
    value.forEach((item, i) => expectCleanDocument(item, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    if (path !== 'doc') expect(Object.keys(value).length, `${path} is an empty object`).toBeGreaterThan(0);
    for (const [key, inner] of Object.entries(value)) expectCleanDocument(inner, `${path}.${key}`);
  }
}
