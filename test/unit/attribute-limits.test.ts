import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultValueLimits,
  MAX_INDEXED_VALUE_BYTES,
  setValueLimits,
  utf8Length,
  valueLimits,
} from '../../src/protocol/attribute-limits.js';
import { ScimError } from '../../src/protocol/errors.js';
import { applyPatch } from '../../src/protocol/patch.js';
import { normalizeResource, type ResourceDoc } from '../../src/protocol/resource.js';
import { groupResources, userResources, type ResourceSchema } from '../../src/protocol/schema/registry.js';
import { CORE_GROUP, CORE_USER, ENTERPRISE, PATCH_OP } from './patch-fixtures.js';

// Value limits of the protocol core: indexed values (a PostgreSQL b-tree entry holds about 2.7 kB) and values
// per multi-valued attribute (the PATCH engine runs on the event loop). Both databases must answer alike, so the
// core refuses what one of them could not store, with a 400 invalidValue naming the attribute.

afterEach(() => setValueLimits({}));

const MAX = defaultValueLimits.maxIndexedValueBytes;
const user = (extra: Record<string, unknown>) => ({ schemas: [CORE_USER], userName: 'jane@example.com', ...extra });
const group = (extra: Record<string, unknown>) => ({ schemas: [CORE_GROUP], displayName: 'Engineering', ...extra });
const patch = (schema: ResourceSchema, current: ResourceDoc, operations: unknown[]) =>
  applyPatch(schema, current, { schemas: [PATCH_OP], Operations: operations }, { resourceId: 'id-1' });

function refused(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    const scim = error as ScimError;
    expect(scim.status).toBe(400);
    expect(scim.scimType).toBe('invalidValue');
    return scim;
  }
  throw new Error('expected a 400 invalidValue');
}

describe('utf8Length', () => {
  it('agrees with Buffer.byteLength for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
      }),
      { numRuns: 500 },
    );
    expect(utf8Length('\ud800')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
  });
});

describe('indexed values on POST and PUT', () => {
  const long = 'x'.repeat(MAX + 1);
  const cases: [string, ResourceSchema, Record<string, unknown>, string][] = [
    ['userName', userResources, user({ userName: long }), 'userName'],
    ['externalId', userResources, user({ externalId: long }), 'externalId'],
    ['displayName', userResources, user({ displayName: long }), 'displayName'],
    ['emails.value', userResources, user({ emails: [{ value: 'a@example.com' }, { value: long }] }), 'emails[1].value'],
    ['roles.value', userResources, user({ roles: [{ value: long }] }), 'roles[0].value'],
    ['group displayName', groupResources, group({ displayName: long }), 'displayName'],
    ['group externalId', groupResources, group({ externalId: long }), 'externalId'],
  ];
  it.each(cases)('%s over the limit is a 400 naming the attribute and the limit', (_label, schema, body, named) => {
    const error = refused(() => normalizeResource(schema, body));
    expect(error.message).toContain(`${named} is too long: ${MAX + 1} bytes`);
    expect(error.message).toContain(`at most ${MAX} bytes`);
  });

  it('a value of exactly the limit is accepted; non-indexed attributes may be longer', () => {
    const exact = 'x'.repeat(MAX);
    expect(normalizeResource(userResources, user({ userName: exact, externalId: exact, emails: [{ value: exact }] })).doc.userName).toBe(exact);
    const title = 'y'.repeat(MAX * 10);
    expect(normalizeResource(userResources, user({ title, [ENTERPRISE]: { department: title } })).doc.title).toBe(title);
  });

  it('counts UTF-8 bytes, not characters, and the folded form too', () => {
    const emoji = '😀'.repeat(MAX / 4); // exactly MAX bytes
    expect(normalizeResource(userResources, user({ userName: emoji })).doc.userName).toBe(emoji);
    expect(refused(() => normalizeResource(userResources, user({ userName: `${emoji}a` }))).message).toContain(`${MAX + 1} bytes`);
    // "İ" is 2 bytes; its lower case "i̇" is 3: the unique index holds the folded form.
    const dotted = 'İ'.repeat(MAX / 2);
    expect(utf8Length(dotted)).toBe(MAX);
    refused(() => normalizeResource(userResources, user({ userName: dotted })));
  });

  it('is configurable, and capped below what PostgreSQL can index', () => {
    setValueLimits({ maxIndexedValueBytes: 100 });
    refused(() => normalizeResource(userResources, user({ userName: 'u'.repeat(101) })));
    expect(normalizeResource(userResources, user({ userName: 'u'.repeat(100) })).doc.userName).toHaveLength(100);
    setValueLimits({ maxIndexedValueBytes: 10_000 });
    expect(valueLimits().maxIndexedValueBytes).toBe(MAX_INDEXED_VALUE_BYTES);
  });
});

describe('indexed values through PATCH', () => {
  const long = 'z'.repeat(MAX + 1);
  const current = { userName: 'jane@example.com', emails: [{ value: 'jane@example.com', type: 'work' }] };

  it.each([
    ['replace userName', [{ op: 'replace', path: 'userName', value: long }], 'userName'],
    ['a no-path replace', [{ op: 'replace', value: { externalId: long } }], 'externalId'],
    ['add an email', [{ op: 'add', path: 'emails', value: [{ value: long }] }], 'emails[1].value'],
    ['an email created from a filter', [{ op: 'add', path: 'emails[type eq "home"].value', value: long }], 'emails[1].value'],
    ['an email value replaced in place', [{ op: 'replace', path: 'emails[type eq "work"].value', value: long }], 'emails[0].value'],
  ])('%s over the limit is a 400', (_label, operations, named) => {
    expect(refused(() => patch(userResources, current, operations)).message).toContain(`${named} is too long`);
  });

  it('a group rename over the limit is a 400', () => {
    refused(() => patch(groupResources, { displayName: 'Engineering' }, [{ op: 'replace', path: 'displayName', value: long }]));
  });

  it('values the resource already held do not block other changes', () => {
    const stored = { userName: long, emails: [{ value: long }] };
    const result = patch(userResources, stored, [{ op: 'replace', path: 'title', value: 'Engineer' }, { op: 'add', path: 'emails', value: [{ value: 'b@example.com' }] }]);
    expect(result.doc.title).toBe('Engineer');
    expect(result.doc.emails).toHaveLength(2);
  });
});

describe('values per multi-valued attribute', () => {
  const emails = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ value: `u${from + i}@example.com` }));

  it('POST with more values than allowed is a 400 naming the attribute and the limit', () => {
    setValueLimits({ maxValuesPerAttribute: 10 });
    expect(normalizeResource(userResources, user({ emails: emails(10) })).doc.emails).toHaveLength(10);
    const error = refused(() => normalizeResource(userResources, user({ emails: emails(11) })));
    expect(error.message).toBe('emails has 11 values; this server accepts at most 10 values per attribute');
  });

  it('PATCH may not grow a list past the limit, however it adds', () => {
    setValueLimits({ maxValuesPerAttribute: 10 });
    const current = { userName: 'jane@example.com', emails: emails(9) };
    expect((patch(userResources, current, [{ op: 'add', path: 'emails', value: emails(1, 100) }]).doc.emails as unknown[]).length).toBe(10);
    refused(() => patch(userResources, current, [{ op: 'add', path: 'emails', value: emails(2, 100) }]));
    refused(() => patch(userResources, current, [{ op: 'add', value: { emails: emails(2, 100) } }]));
    refused(() => patch(userResources, current, [{ op: 'replace', path: 'emails', value: emails(11, 100) }]));
    refused(() =>
      patch(userResources, current, [
        { op: 'add', path: 'emails[type eq "a"].value', value: 'a@example.com' },
        { op: 'add', path: 'emails[type eq "b"].value', value: 'b@example.com' },
      ]),
    );
    // Duplicates of present values add nothing, so they do not count.
    expect((patch(userResources, current, [{ op: 'add', path: 'emails', value: emails(9) }]).doc.emails as unknown[]).length).toBe(9);
  });

  it('a list of 50,000 values is refused before it is normalised', () => {
    const error = refused(() => normalizeResource(userResources, user({ emails: emails(50_000) })));
    expect(error.message).toContain(`emails has 50000 values; this server accepts at most ${defaultValueLimits.maxValuesPerAttribute}`);
    refused(() => patch(userResources, { userName: 'jane' }, [{ op: 'add', path: 'emails', value: emails(50_000) }]));
  });

  it('the engine handles the most operations on the largest list allowed (linear per operation)', () => {
    // 500 operations (the default ROSTER_MAX_PATCH_OPERATIONS) on a full list of 1,000 emails. Each operation
    // costs the elements it touches plus one pass over the list; this finishing well within the test timeout
    // is the check (speed itself is measured by `npm run bench`).
    const full = { userName: 'jane@example.com', emails: emails(defaultValueLimits.maxValuesPerAttribute - 1) };
    const operations = Array.from({ length: 500 }, (_, i) =>
      i % 2 === 0
        ? { op: 'add', path: 'emails', value: [{ value: `extra${i}@example.com`, primary: true }] }
        : { op: 'remove', path: `emails[value eq "extra${i - 1}@example.com"]` },
    );
    const result = patch(userResources, full, operations);
    expect((result.doc.emails as unknown[]).length).toBe(defaultValueLimits.maxValuesPerAttribute - 1);
  });
});
