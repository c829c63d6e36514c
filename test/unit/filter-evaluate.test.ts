import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/protocol/errors.js';
import type { Filter } from '../../src/protocol/filter/ast.js';
import {
  compileFilter,
  matchesFilter,
  member,
  resourceContext,
  subAttributeContext,
  type EvaluationContext,
} from '../../src/protocol/filter/evaluate.js';
import { parseFilter } from '../../src/protocol/filter/parse.js';
import { attr, complex } from '../../src/protocol/schema/attribute.js';
import { groupResources, userResources } from '../../src/protocol/schema/registry.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// RFC 7643 section 8.2, trimmed, plus the enterprise extension.
const bjensen = {
  schemas: [CORE, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'BJensen-Ext',
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen, III', familyName: "O'Malley", givenName: 'Barbara', middleName: '' },
  displayName: 'Babs Jensen',
  nickName: 'Babs',
  title: 'Tour Guide',
  userType: 'Employee',
  locale: 'en-US',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [{ value: '555-555-8377', type: 'work' }],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'USA' }],
  groups: [{ value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Tour Guides', type: 'direct' }],
  roles: [],
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"a330bc54f0671c9"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
  [ENTERPRISE]: {
    employeeNumber: '701984',
    costCenter: '4130',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
};

const users = resourceContext(userResources);
const matches = (text: string, resource: unknown = bjensen, context: EvaluationContext = users) =>
  matchesFilter(parseFilter(text), resource, context);

function rejection(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('matchesFilter on a User (RFC 7644 examples and more)', () => {
  const cases: [string, boolean][] = [
    // RFC 7644 section 3.4.2.2 examples
    ['userName eq "bjensen@example.com"', true],
    ['userName eq "bjensen"', false],
    [`name.familyName co "O'Malley"`, true],
    [`name.familyName co "malley"`, true],
    ['userName sw "J"', false],
    ['userName sw "B"', true],
    [`${CORE}:userName sw "b"`, true],
    [`${CORE}:userName sw "J"`, false],
    ['title pr', true],
    ['nickName pr', true],
    ['profileUrl pr', false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true],
    ['title pr and userType eq "Employee"', true],
    ['title pr and userType eq "Intern"', false],
    ['title pr or userType eq "Intern"', true],
    ['profileUrl pr or userType eq "Intern"', false],
    [`schemas eq "${ENTERPRISE}"`, true],
    [`schemas eq "${ENTERPRISE.toLowerCase()}"`, true],
    ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', false],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType eq "Employee" and (emails co "example.net" or emails.value co "example.org")', false],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    ['userType ne "Intern" and not (emails co "example.net" or emails.value co "example.org")', true],
    ['userType eq "Employee" and (emails.type eq "work")', true],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
    ['userType eq "Employee" and emails[type eq "home" and value co "@example.com"]', false],
    ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', true],
    ['emails[type eq "home" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', false],
    ['emails[type eq "home" and value co "@example.com"] or ims[type eq "aim"]', true],
    // case-insensitive attributes (caseExact false): userName, displayName, emails, names, types
    ['userName eq "BJENSEN@EXAMPLE.COM"', true],
    ['USERNAME eq "bjensen@example.com"', true],
    ['displayName eq "babs jensen"', true],
    ['displayName co "JENS"', true],
    ['displayName ew "JENSEN"', true],
    ['emails.value eq "BJENSEN@example.com"', true],
    ['emails[TYPE eq "WORK"]', true],
    ['NAME.GIVENNAME eq "barbara"', true],
    // case-exact attributes: id, externalId, meta.resourceType, manager.value
    ['id eq "2819c223-7f76-453a-919d-413861904646"', true],
    ['id eq "2819C223-7F76-453A-919D-413861904646"', false],
    ['externalId eq "BJensen-Ext"', true],
    ['externalId eq "bjensen-ext"', false],
    ['externalId sw "BJ"', true],
    ['externalId sw "bj"', false],
    ['meta.resourceType eq "User"', true],
    ['meta.resourceType eq "user"', false],
    ['(meta.resourceType eq User) or (meta.resourceType eq Group)', true],
    // same-element (value path) versus any-element (dotted) semantics
    ['emails[type eq "home" and value co "example.com"]', false],
    ['emails.type eq "home" and emails.value co "example.com"', true],
    ['emails[type eq "work" and primary eq true]', true],
    ['emails[type eq "home" and primary eq true]', false],
    ['emails.type eq "home" and emails.primary eq true', true],
    ['emails[type eq "work"].value eq "bjensen@example.com"', true],
    ['emails[type eq "home"].value eq "bjensen@example.com"', false],
    ['emails[type eq "home"].value eq "babs@jensen.org"', true],
    ['emails[type eq "work"].value pr', true],
    ['phoneNumbers[type eq "mobile"].value pr', false],
    ['emails[not (type eq "work")]', true],
    ['emails[primary pr]', true],
    ['emails[type eq "other"]', false],
    ['not (emails[type eq "other"])', true],
    ['addresses[type eq "work" and postalCode eq "91608"]', true],
    ['addresses[type eq "home"]', false],
    ['addresses.locality eq "hollywood"', true],
    // complex multi-valued compared through `value`
    ['emails eq "babs@jensen.org"', true],
    ['emails co "@jensen"', true],
    ['emails sw "babs"', true],
    ['emails ew ".org"', true],
    ['emails eq "nobody@example.com"', false],
    ['groups eq "e9e30dba-f08f-4109-8486-d5c6a331660a"', true],
    ['groups.display eq "tour guides"', true],
    // ne means no value is equal
    ['emails ne "babs@jensen.org"', false],
    ['emails ne "nobody@example.com"', true],
    ['title ne "Tour Guide"', false],
    ['title ne "CEO"', true],
    ['profileUrl ne "x"', true],
    // presence
    ['name pr', true],
    ['name.middleName pr', false],
    ['name.honorificPrefix pr', false],
    ['emails pr', true],
    ['roles pr', false],
    ['phoneNumbers pr', true],
    ['x509Certificates pr', false],
    ['active pr', true],
    ['password pr', false],
    // null is "not present"
    ['title eq null', false],
    ['profileUrl eq null', true],
    ['name.middleName eq null', true],
    ['roles eq null', true],
    ['title ne null', true],
    ['profileUrl ne null', false],
    // booleans
    ['active eq true', true],
    ['active eq false', false],
    ['active eq TRUE', true],
    ['active eq "True"', true],
    ['active ne true', false],
    ['active ne false', true],
    ['emails.primary eq true', true],
    // dates compare as instants
    ['meta.lastModified eq "2011-05-13T04:42:34.000Z"', true],
    ['meta.lastModified eq "2011-05-13T06:42:34+02:00"', true],
    ['meta.lastModified gt "2011-05-13T06:42:33+02:00"', true],
    ['meta.lastModified gt "2011-05-13"', true],
    ['meta.created lt "2011-01-01T00:00:00Z"', true],
    ['meta.created gt "2010-01-23T04:56:21.999Z"', true],
    ['meta.created ge "2010-01-23T04:56:22Z" and meta.created le "2010-01-23T04:56:22Z"', true],
    ['meta.lastModified sw "2011-05"', true],
    // lexicographic string ordering, case-insensitive where caseExact is false
    ['userName gt "a"', true],
    ['userName gt "B"', true],
    ['userName lt "C"', true],
    ['userName ge "bjensen@example.com"', true],
    ['userName gt "bjensen@example.com"', false],
    ['userName le "BJENSEN@EXAMPLE.COM"', true],
    ['externalId gt "a"', false],
    ['externalId lt "a"', true],
    // the enterprise extension lives under its URN key
    [`${ENTERPRISE}:employeeNumber eq "701984"`, true],
    [`${ENTERPRISE}:employeeNumber eq 701984`, true],
    [`${ENTERPRISE}:employeeNumber gt "7"`, true],
    [`${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER eq "701984"`, true],
    [`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
    [`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87E4-49D8CA9F808D"`, false],
    [`${ENTERPRISE}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
    [`${ENTERPRISE}:manager.displayName eq "john smith"`, true],
    [`${ENTERPRISE}:manager pr`, true],
    [`${ENTERPRISE}:division pr`, false],
    [`${ENTERPRISE}:manager[value pr]`, true],
    [`${CORE}:name.givenName eq "Barbara"`, true],
    // Entra's unquoted values
    ['externalId eq BJensen-Ext', true],
    ['userName eq bjensen@example.com', true],
    ['id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "x"', false],
    ['id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"', true],
    // extension names without their URN (core names first, then extensions)
    ['employeeNumber eq "701984"', true],
    ['manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"', true],
    ['department co "tour"', true],
    ['division pr', false],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });
  it.each(cases)('not (%s) → the opposite', (text, expected) => {
    expect(matches(`not (${text})`)).toBe(!expected);
  });
});

describe('matchesFilter: the resource shape', () => {
  it('finds attributes whatever the case of the keys in the object', () => {
    const odd = { USERNAME: 'x', Emails: [{ VALUE: 'a@b.c', Type: 'work' }], [ENTERPRISE.toLowerCase()]: { EmployeeNumber: '7' } };
    expect(matches('userName eq "x"', odd)).toBe(true);
    expect(matches('emails[type eq "work"].value eq "a@b.c"', odd)).toBe(true);
    expect(matches(`${ENTERPRISE}:employeeNumber eq "7"`, odd)).toBe(true);
  });
  it('prefers the exact spelling of a key', () => {
    expect(matches('userName eq "exact"', { username: 'other', userName: 'exact' })).toBe(true);
  });
  it('treats a single object where an array is expected as one element', () => {
    expect(matches('emails[type eq "work"]', { emails: { type: 'work', value: 'x' } })).toBe(true);
    expect(matches('emails eq "x"', { emails: { type: 'work', value: 'x' } })).toBe(true);
  });
  it('ignores elements that are not objects inside a value path', () => {
    expect(matches('emails[type eq "work"]', { emails: ['work', null, 3, [{ type: 'work' }]] })).toBe(false);
  });
  it('treats an attribute set to null, "" or [] as absent', () => {
    for (const value of [null, '', []]) {
      expect(matches('title pr', { title: value })).toBe(false);
      expect(matches('title eq null', { title: value })).toBe(true);
    }
    expect(matches('emails pr', { emails: [{ value: null, type: '' }] })).toBe(false);
    expect(matches('name pr', { name: {} })).toBe(false);
    expect(matches('name pr', { name: { givenName: null } })).toBe(false);
    expect(matches('name pr', { name: { givenName: 'x' } })).toBe(true);
  });
  it('evaluates against anything without a TypeError', () => {
    const on = (text: string, element: unknown) => matchesFilter(parseFilter(text), element, users);
    for (const element of [null, undefined, 42, 'text', [], [bjensen], true, Object.create(null)]) {
      expect(on('userName eq "x"', element)).toBe(false);
      expect(on('userName pr', element)).toBe(false);
      expect(on('userName ne "x"', element)).toBe(true);
      expect(on('emails[type eq "work"]', element)).toBe(false);
    }
  });
  it('never reads inherited properties', () => {
    expect(member({}, 'constructor')).toBeUndefined();
    expect(member({}, 'toString')).toBeUndefined();
    expect(member({}, '__proto__')).toBeUndefined();
    expect(member(JSON.parse('{"__proto__": {"userName": "x"}}'), 'userName')).toBeUndefined();
    expect(matches('userName pr', JSON.parse('{"__proto__": {"userName": "x"}}'))).toBe(false);
    expect(matches('title eq "x"', { title: { toString: () => 'x' } })).toBe(false);
  });
  it('compares values of the wrong type in the data as non-matching', () => {
    expect(matches('active eq true', { active: 'yes' })).toBe(false);
    expect(matches('active eq true', { active: 'TRUE' })).toBe(true);
    expect(matches('userName eq "1"', { userName: 1 })).toBe(true);
    expect(matches('meta.created gt "2000-01-01"', { meta: { created: 'not a date' } })).toBe(false);
    expect(matches('meta.created gt "2000-01-01"', { meta: { created: 12 } })).toBe(false);
    expect(matches('userName eq "x"', { userName: { value: 'x' } })).toBe(false);
  });
  it('compares a number literal with a string attribute as its text (Entra: externalId eq 12345)', () => {
    expect(matches('externalId eq 12345', { externalId: '12345' })).toBe(true);
    expect(matches('externalId eq 12345', { externalId: '012345' })).toBe(false);
    expect(matches('externalId eq true', { externalId: 'true' })).toBe(true);
  });
});

describe('matchesFilter on a Group', () => {
  const groups = resourceContext(groupResources);
  const engineering = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'g1',
    displayName: 'Engineering',
    members: [
      { value: 'u1', display: 'Jane', type: 'User' },
      { value: 'u2', display: 'Joe', type: 'User' },
      { value: 'g2', type: 'Group' },
    ],
  };
  const cases: [string, boolean][] = [
    ['displayName eq "engineering"', true],
    ['displayName eq "Sales"', false],
    ['members[value eq "u1"]', true],
    ['members[value eq "U1"]', false],
    ['members eq "u2"', true],
    ['members[type eq "group" and value eq "g2"]', true],
    ['members[type eq "group" and value eq "u1"]', false],
    ['members.display co "jo"', true],
    ['members.$ref pr', false],
    ['members pr', true],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    expect(matchesFilter(parseFilter(text), engineering, groups)).toBe(expected);
  });
  it('does not know User attributes', () => {
    expect(rejection(() => matchesFilter(parseFilter('userName eq "x"'), engineering, groups)).message).toBe(
      'The filter names an unknown attribute "userName"',
    );
  });
});

describe('matchesFilter inside one element (the PATCH engine use)', () => {
  const emails = userResources.resolve({ attr: 'emails' })!.attribute!;
  const inEmail = subAttributeContext(emails);
  const work = { value: 'Jane@Example.com', type: 'work', primary: true, display: 'Jane' };
  const cases: [string, boolean][] = [
    ['type eq "work"', true],
    ['type eq "WORK"', true],
    ['TYPE eq "work"', true],
    ['type eq "home"', false],
    ['value eq "jane@example.com"', true],
    ['value co "@example"', true],
    ['type eq "work" and value co "@example.com"', true],
    ['type eq "work" and primary eq false', false],
    ['primary eq true', true],
    ['display pr', true],
    ['not (type eq "home")', true],
    ['type eq work', true],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    expect(matchesFilter(parseFilter(text), work, inEmail)).toBe(expected);
  });
  it('compiles once and selects elements', () => {
    const predicate = compileFilter(parseFilter('type eq "work" or primary eq true'), inEmail);
    const list = [work, { value: 'a', type: 'home' }, { value: 'b', type: 'home', primary: true }, { value: 'c' }];
    expect(list.filter(predicate).map((e) => e.value)).toEqual(['Jane@Example.com', 'b']);
  });
  it('selects a member by its case-exact id', () => {
    const members = subAttributeContext(groupResources.resolve({ attr: 'members' })!.attribute!);
    const predicate = compileFilter(parseFilter('value eq "2819c223"'), members);
    expect(predicate({ value: '2819c223' })).toBe(true);
    expect(predicate({ value: '2819C223' })).toBe(false);
  });
  it('rejects names that are not sub-attributes of the element', () => {
    const error = rejection(() => matchesFilter(parseFilter('userName eq "x"'), work, inEmail));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message).toMatch(/unknown attribute "userName"/);
    expect(rejection(() => matchesFilter(parseFilter(`${CORE}:type eq "x"`), work, inEmail)).scimType).toBe('invalidFilter');
  });
});

// A made-up attribute with every type, for typed comparisons the User schema does not have.
const thing = complex('thing', 'Every type.', [
  attr('count', 'integer', 'An integer.'),
  attr('ratio', 'decimal', 'A decimal.'),
  attr('flag', 'boolean', 'A boolean.'),
  attr('when', 'dateTime', 'A dateTime.'),
  attr('blob', 'binary', 'Binary data.', { caseExact: true }),
  attr('code', 'string', 'A case-exact string.', { caseExact: true }),
  attr('label', 'string', 'A case-insensitive string.'),
  attr('tags', 'string', 'A multi-valued string.', { multiValued: true }),
  attr('link', 'reference', 'A reference.'),
]);
const inThing = subAttributeContext(thing);
const sample = {
  count: 42,
  ratio: 0.5,
  flag: false,
  when: '2024-02-29T12:00:00Z',
  blob: 'QUJD',
  code: 'AbC',
  label: 'Hello World',
  tags: ['red', 'Green'],
  link: 'https://example.com/X',
};

describe('matchesFilter: typed comparisons', () => {
  const cases: [string, boolean][] = [
    ['count eq 42', true],
    ['count eq 42.0', true],
    ['count eq "42"', true],
    ['count ne 42', false],
    ['count gt 41', true],
    ['count gt 42', false],
    ['count ge 42', true],
    ['count lt 42.5', true],
    ['count le -1', false],
    ['count gt 1e1', true],
    ['count lt 1e2', true],
    ['ratio eq 0.5', true],
    ['ratio eq 5e-1', true],
    ['ratio gt 0.25', true],
    ['ratio lt 0.25', false],
    ['flag eq false', true],
    ['flag eq true', false],
    ['flag ne true', true],
    ['flag eq "FALSE"', true],
    ['flag pr', true],
    ['when eq "2024-02-29T12:00:00Z"', true],
    ['when eq "2024-02-29T13:00:00+01:00"', true],
    ['when gt "2024-02-29T11:59:59.999Z"', true],
    ['when gt "2024-02-29T12:00:00Z"', false],
    ['when lt "2024-03-01"', true],
    ['when le "2024-02-29T12:00:00Z"', true],
    ['when sw "2024-02"', true],
    ['when co "T12"', true],
    ['when co "t12"', false],
    ['blob eq "QUJD"', true],
    ['blob eq "qujd"', false],
    ['blob co "UJ"', true],
    ['code eq "AbC"', true],
    ['code eq "abc"', false],
    ['code sw "Ab"', true],
    ['code sw "ab"', false],
    ['code gt "ABC"', true],
    ['label eq "hello world"', true],
    ['label co "O W"', true],
    ['label sw "HELLO"', true],
    ['label ew "WORLD"', true],
    ['label gt "HELLO"', true],
    ['label lt "hello"', false],
    ['tags eq "green"', true],
    ['tags eq "blue"', false],
    ['tags ne "blue"', true],
    ['tags ne "RED"', false],
    ['tags sw "gr"', true],
    ['tags pr', true],
    ['link ew "/x"', true],
    ['link eq "HTTPS://EXAMPLE.COM/X"', true],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    expect(matchesFilter(parseFilter(text), sample, inThing)).toBe(expected);
  });
  it('reads numbers stored as text and skips values that are not numbers', () => {
    expect(matchesFilter(parseFilter('count gt 1'), { count: '5' }, inThing)).toBe(true);
    expect(matchesFilter(parseFilter('count gt 1'), { count: 'five' }, inThing)).toBe(false);
    expect(matchesFilter(parseFilter('count gt 1'), { count: true }, inThing)).toBe(false);
  });
});

describe('matchesFilter: errors are 400 invalidFilter naming the attribute', () => {
  const userCases: [string, RegExp][] = [
    ['nosuch eq "x"', /^The filter names an unknown attribute "nosuch"$/],
    ['name.nosuch eq "x"', /^The filter names an unknown attribute "name.nosuch"$/],
    ['userName.sub eq "x"', /unknown attribute "userName.sub"/],
    ['nosuch pr', /unknown attribute "nosuch"/],
    ['constructor eq "x"', /unknown attribute "constructor"/],
    ['toString pr', /unknown attribute "toString"/],
    ['emails[nosuch eq "x"]', /^The filter names an unknown attribute "emails.nosuch"$/],
    ['emails[type eq "work"].nosuch eq "x"', /unknown attribute "emails.nosuch"/],
    ['nosuch[type eq "work"]', /unknown attribute "nosuch"/],
    ['userName[value eq "x"]', /^A value filter "\[\.\.\.\]" needs a complex attribute; "userName" is not one$/],
    ['urn:acme:nosuch:1.0:User:thing eq "x"', /unknown attribute "urn:acme:nosuch:1.0:User:thing"/],
    [`${ENTERPRISE}:userName eq "x"`, /unknown attribute/],
    [`${ENTERPRISE} pr`, /unknown attribute/],
    ['active gt true', /^The operator "gt" cannot be used with the boolean attribute "active"; use eq or ne$/],
    ['active ge false', /operator "ge" cannot be used with the boolean attribute "active"/],
    ['active lt true', /"lt"/],
    ['active le true', /"le"/],
    ['active co "t"', /operator "co" cannot be used with the boolean attribute "active"/],
    ['active sw "t"', /"sw"/],
    ['active ew "e"', /"ew"/],
    ['emails.primary gt true', /boolean attribute "emails.primary"/],
    ['emails[primary gt true]', /boolean attribute "emails.primary"/],
    ['active eq "yes"', /^"active" is a boolean; compare it with true or false, not "yes"$/],
    ['active eq 1', /"active" is a boolean/],
    ['meta.lastModified gt "yesterday"', /^"meta.lastModified" is a dateTime; "yesterday" is not a date and time$/],
    ['meta.created eq 12', /"meta.created" is a dateTime/],
    ['meta.created eq true', /is a dateTime/],
    ['name eq "x"', /^"name" is a complex attribute; compare one of its sub-attributes, e.g. "name.formatted"$/],
    ['name co "x"', /complex attribute/],
    ['meta gt "x"', /"meta" is a complex attribute/],
    ['addresses eq "x"', /"addresses" is a complex attribute/],
    ['x509Certificates gt "x"', /operator "gt" cannot be used with the binary attribute "x509Certificates"/],
    ['userName gt null', /^The operator "gt" cannot compare "userName" with null$/],
    ['userName co null', /cannot compare "userName" with null/],
    ['userName pr and nosuch pr', /unknown attribute "nosuch"/],
    ['userName pr or nosuch pr', /unknown attribute "nosuch"/],
    ['not (nosuch pr)', /unknown attribute "nosuch"/],
  ];
  it.each(userCases)('%s', (text, detail) => {
    // The same error whatever the resource holds, even when a short-circuit would skip the term.
    for (const resource of [bjensen, {}]) {
      const error = rejection(() => matches(text, resource));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidFilter');
      expect(error.message).toMatch(detail);
    }
  });
  const thingCases: [string, RegExp][] = [
    ['count co "4"', /operator "co" cannot be used with the number attribute "count"/],
    ['ratio sw "0"', /number attribute "ratio"/],
    ['count eq "many"', /^"count" is a number; "many" is not one$/],
    ['count eq true', /"count" is a number/],
    ['blob lt "x"', /binary attribute "blob"/],
    ['flag gt false', /boolean attribute "flag"/],
  ];
  it.each(thingCases)('%s', (text, detail) => {
    const error = rejection(() => matchesFilter(parseFilter(text), sample, inThing));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message).toMatch(detail);
  });
});

describe('matchesFilter properties', () => {
  const leaves = [
    'userName eq "bjensen@example.com"', 'title pr', 'profileUrl pr', 'active eq true', 'emails co "example.com"',
    'emails[type eq "home" and value co "example.com"]', 'meta.created lt "2011-01-01T00:00:00Z"', 'externalId eq "x"',
    'name.familyName sw "o"', 'roles pr', `${ENTERPRISE}:employeeNumber eq "701984"`, 'userType ne "Employee"',
  ];
  const leaf = fc.constantFrom(...leaves).map((text) => ({ text, filter: parseFilter(text) }));
  type Node = { text: string; filter: Filter };
  const tree = fc.letrec<{ n: Node }>((tie) => ({
    n: fc.oneof(
      { depthSize: 'small', maxDepth: 6 },
      leaf,
      fc.tuple(tie('n'), tie('n')).map(([l, r]) => ({ text: `(${l.text}) and (${r.text})`, filter: { kind: 'and', left: l.filter, right: r.filter } as Filter })),
      fc.tuple(tie('n'), tie('n')).map(([l, r]) => ({ text: `(${l.text}) or (${r.text})`, filter: { kind: 'or', left: l.filter, right: r.filter } as Filter })),
      tie('n').map((x) => ({ text: `not (${x.text})`, filter: { kind: 'not', filter: x.filter } as Filter })),
    ),
  })).n;
  const resource = fc.constantFrom<unknown>(bjensen, {}, { userName: 'BJENSEN@example.com', active: 'true', emails: [{ value: 'x@example.com', type: 'home' }] });

  it('and, or and not follow boolean logic', () => {
    const evaluate = (f: Filter, r: unknown): boolean => {
      switch (f.kind) {
        case 'and':
          return evaluate(f.left, r) && evaluate(f.right, r);
        case 'or':
          return evaluate(f.left, r) || evaluate(f.right, r);
        case 'not':
          return !evaluate(f.filter, r);
        default:
          return matchesFilter(f, r, users);
      }
    };
    fc.assert(
      fc.property(tree, resource, (node, r) => {
        const expected = evaluate(node.filter, r);
        expect(matchesFilter(node.filter, r, users)).toBe(expected);
        expect(matchesFilter(parseFilter(node.text), r, users)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('evaluates a long or-chain without a stack overflow', () => {
    const text = Array.from({ length: 300 }, (_, i) => `externalId eq "${i}"`).join(' or ');
    expect(matches(text.slice(0, 4000).replace(/ or [^o]*$/, ''), { externalId: '7' })).toBe(true);
    let chain: Filter = parseFilter('externalId eq "x"');
    for (let i = 0; i < 20_000; i++) chain = { kind: 'or', left: chain, right: parseFilter(`externalId eq "${i}"`) };
    expect(matchesFilter(chain, { externalId: '19999' }, users)).toBe(true);
    expect(matchesFilter(chain, { externalId: 'none' }, users)).toBe(false);
  });
});
