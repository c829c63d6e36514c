import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/protocol/errors.js';
import type { AttrPath, Filter, PatchPath } from '../../src/protocol/filter/ast.js';
import { formatAttrPath, parseAttrPath, parsePatchPath } from '../../src/protocol/filter/path.js';
import { MAX_FILTER_LENGTH } from '../../src/protocol/filter/parse.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function rejection(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('parseAttrPath', () => {
  const valid: [string, AttrPath][] = [
    ['userName', { attr: 'userName' }],
    ['USERNAME', { attr: 'USERNAME' }],
    ['name.givenName', { attr: 'name', sub: 'givenName' }],
    ['name.familyName', { attr: 'name', sub: 'familyName' }],
    ['meta.lastModified', { attr: 'meta', sub: 'lastModified' }],
    ['members', { attr: 'members' }],
    ['members.$ref', { attr: 'members', sub: '$ref' }],
    ['$ref', { attr: '$ref' }],
    ['x509Certificates', { attr: 'x509Certificates' }],
    ['a-b_c9', { attr: 'a-b_c9' }],
    ['A', { attr: 'A' }],
    ['constructor', { attr: 'constructor' }],
    ['  userName  ', { attr: 'userName' }],
    [`${CORE}:userName`, { uri: CORE, attr: 'userName' }],
    [`${CORE}:name.givenName`, { uri: CORE, attr: 'name', sub: 'givenName' }],
    [`${ENTERPRISE}:employeeNumber`, { uri: ENTERPRISE, attr: 'employeeNumber' }],
    [`${ENTERPRISE}:manager`, { uri: ENTERPRISE, attr: 'manager' }],
    [`${ENTERPRISE}:manager.value`, { uri: ENTERPRISE, attr: 'manager', sub: 'value' }],
    [`${ENTERPRISE}:manager.displayName`, { uri: ENTERPRISE, attr: 'manager', sub: 'displayName' }],
    [ENTERPRISE, { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attr: 'User' }],
    [CORE, { uri: 'urn:ietf:params:scim:schemas:core:2.0', attr: 'User' }],
    ['urn:ietf:params:scim:schemas:core:2.0:Group:displayName', { uri: 'urn:ietf:params:scim:schemas:core:2.0:Group', attr: 'displayName' }],
    ['urn:acme:x:badge', { uri: 'urn:acme:x', attr: 'badge' }],
    ['http://schemas.example.com/ext/1.0:badge', { uri: 'http://schemas.example.com/ext/1.0', attr: 'badge' }],
  ];
  it.each(valid)('%s', (text, expected) => {
    expect(parseAttrPath(text)).toStrictEqual(expected);
  });
  it.each(valid.filter(([text]) => text === text.trim()))('formatAttrPath prints %s back', (text) => {
    expect(formatAttrPath(parseAttrPath(text))).toBe(text);
  });

  const invalid: [string, RegExp][] = [
    ['', /^Invalid attribute path "": the attribute path is empty$/],
    ['   ', /the attribute path is empty/],
    ['1name', /"1name" is not an attribute name/],
    ['_name', /"_name" is not an attribute name/],
    ['-name', /"-name" is not an attribute name/],
    ['na me', /"na me" is not an attribute name/],
    ['name.', /an attribute name is missing/],
    ['.name', /an attribute name is missing/],
    ['name..givenName', /a path has at most one sub-attribute/],
    ['name.givenName.x', /a path has at most one sub-attribute/],
    ['name.given-Name!', /"given-Name!" is not an attribute name/],
    ['$Ref', /"\$Ref" is not an attribute name/],
    ['$ref2', /is not an attribute name/],
    ['__proto__', /"__proto__" is not an attribute name/],
    ['emails[type eq "work"]', /is not an attribute name/],
    ['emails[type eq "work"].value', /is not an attribute name/],
    ['userName eq "x"', /is not an attribute name/],
    ['é', /"é" is not an attribute name/],
    [':userName', /"" is not a schema URI/],
    ['urn:', /"urn" is not a schema URI/],
    [`${ENTERPRISE}:`, /an attribute name is missing/],
    ['foo:bar', /"foo" is not a schema URI/],
    ['9urn:x:bar', /"9urn:x" is not a schema URI/],
    ['urn:a b:bar', /"urn:a b" is not a schema URI/],
    [`${ENTERPRISE}:manager.value.x`, /at most one sub-attribute/],
  ];
  it.each(invalid)('rejects %j with 400 invalidPath', (text, detail) => {
    const error = rejection(() => parseAttrPath(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.message).toMatch(detail);
  });
  it('rejects a non-string with 400 invalidPath', () => {
    expect(rejection(() => parseAttrPath(42 as unknown as string)).scimType).toBe('invalidPath');
  });
  it('never throws anything but a ScimError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        try {
          parseAttrPath(text);
        } catch (error) {
          if (!(error instanceof ScimError) || error.scimType !== 'invalidPath') throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

const cmp = (attr: string, value: string): Filter => ({ kind: 'compare', path: { attr }, op: 'eq', value });

describe('parsePatchPath: RFC 7644 section 3.5.2 and what identity providers send', () => {
  const valid: [string, PatchPath][] = [
    ['members', { path: { attr: 'members' } }],
    ['name.familyName', { path: { attr: 'name', sub: 'familyName' } }],
    ['active', { path: { attr: 'active' } }],
    ['  active  ', { path: { attr: 'active' } }],
    ['members[value eq "2819c223"]', { path: { attr: 'members' }, valueFilter: cmp('value', '2819c223') }],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      { path: { attr: 'members' }, valueFilter: cmp('value', '2819c223-7f76-453a-919d-413861904646') },
    ],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName',
      { path: { attr: 'members' }, valueFilter: cmp('value', '2819c223-7f76-453a-919d-413861904646'), sub: 'displayName' },
    ],
    ['emails[type eq "work"].value', { path: { attr: 'emails' }, valueFilter: cmp('type', 'work'), sub: 'value' }],
    ['addresses[type eq "work"].formatted', { path: { attr: 'addresses' }, valueFilter: cmp('type', 'work'), sub: 'formatted' }],
    ['addresses[type eq "work"]', { path: { attr: 'addresses' }, valueFilter: cmp('type', 'work') }],
    ['phoneNumbers[type eq "mobile"].value', { path: { attr: 'phoneNumbers' }, valueFilter: cmp('type', 'mobile'), sub: 'value' }],
    ['phoneNumbers[type eq "fax"].value', { path: { attr: 'phoneNumbers' }, valueFilter: cmp('type', 'fax'), sub: 'value' }],
    ['emails[type eq work].value', { path: { attr: 'emails' }, valueFilter: cmp('type', 'work'), sub: 'value' }],
    ['emails[type eq "work"] .value', { path: { attr: 'emails' }, valueFilter: cmp('type', 'work'), sub: 'value' }],
    ['emails[ type EQ "work" ]', { path: { attr: 'emails' }, valueFilter: cmp('type', 'work') }],
    [
      'emails[type eq "work" and value ew "example.com"]',
      {
        path: { attr: 'emails' },
        valueFilter: { kind: 'and', left: cmp('type', 'work'), right: { kind: 'compare', path: { attr: 'value' }, op: 'ew', value: 'example.com' } },
      },
    ],
    ['emails[primary eq true].value', { path: { attr: 'emails' }, valueFilter: { kind: 'compare', path: { attr: 'primary' }, op: 'eq', value: true }, sub: 'value' }],
    [`${ENTERPRISE}:manager`, { path: { uri: ENTERPRISE, attr: 'manager' } }],
    [`${ENTERPRISE}:manager.value`, { path: { uri: ENTERPRISE, attr: 'manager', sub: 'value' } }],
    [`${ENTERPRISE}:employeeNumber`, { path: { uri: ENTERPRISE, attr: 'employeeNumber' } }],
    [`${CORE}:name.givenName`, { path: { uri: CORE, attr: 'name', sub: 'givenName' } }],
    [`${CORE}:emails[type eq "work"].value`, { path: { uri: CORE, attr: 'emails' }, valueFilter: cmp('type', 'work'), sub: 'value' }],
    [ENTERPRISE, { path: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attr: 'User' } }],
  ];
  it.each(valid)('%s', (text, expected) => {
    expect(parsePatchPath(text)).toStrictEqual(expected);
  });

  const invalid: [string, RegExp][] = [
    ['', /^Expected an attribute path at position 1$/],
    ['   ', /^Expected an attribute path at position 4$/],
    ['[value eq "x"]', /^Expected an attribute path at position 1, found "\["$/],
    ['1members', /^Invalid attribute path "1members" at position 1/],
    ['name.givenName.x', /at most one sub-attribute/],
    ['members x', /^Expected "\[" or the end of the path after "members" at position 9, found "x"$/],
    ['members eq "x"', /Expected "\[" or the end of the path/],
    ['members[', /Expected an attribute path, "not" or "\(" after "members\[" at position 9$/],
    ['members[]', /found "\]"/],
    ['members[value eq "x"', /^Expected "and", "or" or "\]" after "\\"x\\"" at position 21$/],
    ['members[value eq "x"]]', /Expected "\." or the end of the path after "\]" at position 22, found "\]"/],
    ['members[value eq "x"] extra', /Expected "\." or the end of the path .* found "extra"/],
    ['members[value eq "x"].', /^Expected a sub-attribute name after "\." at position 23$/],
    ['members[value eq "x"].display.x', /Expected a sub-attribute name/],
    ['members[value eq "x"].display extra', /^Expected the end of the path after "display" at position 31, found "extra"$/],
    ['members[value eq "x"].display[type pr]', /Expected the end of the path .* found "\["/],
    ['members[value[type pr]]', /Value filters cannot be nested/],
    ['name.givenName[x pr]', /cannot follow the sub-attribute "name.givenName"/],
    ['members[value eq]', /Expected a value after "eq"/],
    ['members[value]', /Expected an operator/],
    ['members[value eq "\\q"]', /Invalid escape/],
    ['members[value eq "x" or]', /after "or"/],
    ['members(value eq "x")', /Expected "\[" or the end of the path .* found "\("/],
    ['"members"', /Expected an attribute path at position 1, found "\\""/],
  ];
  it.each(invalid)('rejects %j with 400 invalidPath', (text, detail) => {
    const error = rejection(() => parsePatchPath(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.message).toMatch(detail);
  });

  it('limits the length of a path', () => {
    const long = `members[value eq "${'x'.repeat(MAX_FILTER_LENGTH)}"]`;
    const error = rejection(() => parsePatchPath(long));
    expect(error.scimType).toBe('invalidPath');
    expect(error.message).toMatch(/limit is 4096/);
  });
  it('limits nesting inside a value filter', () => {
    const error = rejection(() => parsePatchPath(`members[${'('.repeat(100)}value pr${')'.repeat(100)}]`));
    expect(error.scimType).toBe('invalidPath');
    expect(error.message).toMatch(/nests deeper/);
  });
  it('rejects a non-string with 400 invalidPath', () => {
    expect(rejection(() => parsePatchPath(null as unknown as string)).scimType).toBe('invalidPath');
  });
  it('never throws anything but a 400 invalidPath', () => {
    const token = fc.constantFrom('members', 'emails', '[', ']', '.', 'value', 'eq', '"x"', 'pr', 'and', ' ', '(', ')', '"', '\\', 'é');
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(token, { maxLength: 20 }).map((t) => t.join('')));
    fc.assert(
      fc.property(text, (t) => {
        try {
          parsePatchPath(t);
        } catch (error) {
          if (!(error instanceof ScimError) || error.status !== 400 || error.scimType !== 'invalidPath') throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
