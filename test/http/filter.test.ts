// Filters over HTTP: the RFC 7644 section 3.4.2.2 grammar against a small known data set, and the errors.
// Every filter is scoped with `userName sw "<tag>"` so that other tests' users never change the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  SEARCH_REQUEST,
  USER_SCHEMA,
  createGroup,
  createUser,
  expectError,
  expectHandled,
  expectList,
  expectStatus,
  q,
  sorted,
  unique,
} from './helpers.js';

let roster: Roster;
const tag = unique('flt').toLowerCase();
const people: Record<string, any> = {};
const nameOf = (user: any): string => Object.keys(people).find((k) => people[k].id === user.id) ?? `?${user.userName}`;

beforeAll(async () => {
  roster = await startRoster();
  people.bob = await createUser(roster, {
    userName: `${tag}.bob@example.com`,
    externalId: `${tag}-ext-B`,
    name: { givenName: 'Bob', familyName: 'Jones' },
    displayName: 'Bob Jones',
    title: 'Manager',
    active: false,
    emails: [{ type: 'work', value: 'bob@work.example', primary: true }],
    [ENTERPRISE]: { employeeNumber: '1002', department: 'Sales' },
  });
  people.alice = await createUser(roster, {
    userName: `${tag}.alice@example.com`,
    externalId: `${tag}-ext-A`,
    name: { givenName: 'Alice', familyName: 'Smith' },
    displayName: 'Alice Smith',
    title: 'Engineer',
    active: true,
    emails: [
      { type: 'work', value: 'alice@work.example', primary: true },
      { type: 'home', value: 'alice@home.example' },
    ],
    [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D', manager: { value: people.bob.id } },
  });
  people.carol = await createUser(roster, {
    userName: `${tag}.carol@example.com`,
    externalId: `${tag}-ext-c`,
    nickName: 'Car"ol \\ back',
    active: true,
    [ENTERPRISE]: { employeeNumber: '1003' },
  });
  people.dave = await createUser(roster, {
    userName: `${tag}.dave_100%@example.com`,
    name: { givenName: 'Dave' },
    active: true,
    emails: [
      { type: 'work', value: 'dave@home.example' },
      { type: 'home', value: 'dave@work.example' },
    ],
  });
});
afterAll(async () => {
  await roster?.close();
});

async function matching(filter: string): Promise<string[]> {
  const res = await roster.scim('GET', `/Users?filter=${q(`(${filter}) and userName sw "${tag}"`)}`);
  const list = expectList(res);
  expect(res.body.totalResults, filter).toBe(list.length);
  return sorted(list.map(nameOf));
}

const all = ['alice', 'bob', 'carol', 'dave'];

describe('filter grammar', () => {
  const cases: [string, () => string, string[]][] = [
    ['eq on userName', () => `userName eq "${tag}.alice@example.com"`, ['alice']],
    ['attribute name and value case-insensitive for userName', () => `USERNAME eq "${tag.toUpperCase()}.ALICE@EXAMPLE.COM"`, ['alice']],
    ['ne', () => `userName ne "${tag}.alice@example.com"`, ['bob', 'carol', 'dave']],
    ['co', () => 'userName co "BOB"', ['bob']],
    ['sw', () => `userName sw "${tag}.c"`, ['carol']],
    ['ew', () => 'userName ew "@EXAMPLE.com"', all],
    ['co with a literal percent sign', () => 'userName co "%"', ['dave']],
    ['co with a literal underscore', () => 'userName co "_1"', ['dave']],
    ['sw with a literal percent sign', () => `userName sw "${tag}.%"`, []],
    ['pr on a simple attribute', () => 'title pr', ['alice', 'bob']],
    ['pr on a complex attribute', () => 'name pr', ['alice', 'bob', 'dave']],
    ['pr on a multi-valued attribute', () => 'emails pr', ['alice', 'bob', 'dave']],
    ['not pr', () => 'not (title pr)', ['carol', 'dave']],
    ['sub-attribute eq, case-insensitive value', () => 'name.familyName eq "smith"', ['alice']],
    ['sub-attribute sw', () => 'name.givenName sw "B"', ['bob']],
    ['boolean true', () => 'active eq true', ['alice', 'carol', 'dave']],
    ['boolean false', () => 'active eq false', ['bob']],
    ['boolean ne', () => 'active ne true', ['bob']],
    ['externalId exact', () => `externalId eq "${tag}-ext-c"`, ['carol']],
    ['externalId is case-exact', () => `externalId eq "${tag}-EXT-C"`, []],
    ['externalId sw', () => `externalId sw "${tag}-ext-"`, ['alice', 'bob', 'carol']],
    ['id eq', () => `id eq "${people.alice.id}"`, ['alice']],
    ['value path', () => 'emails[type eq "work"]', ['alice', 'bob', 'dave']],
    ['value path, same element', () => 'emails[type eq "work" and value co "@work."]', ['alice', 'bob']],
    ['dotted sub-attributes, any element', () => 'emails.type eq "work" and emails.value co "@work."', ['alice', 'bob', 'dave']],
    ['multi-valued value, case-insensitive', () => 'emails.value eq "ALICE@HOME.EXAMPLE"', ['alice']],
    ['value path with or inside', () => 'emails[type eq "home" or value sw "bob"]', ['alice', 'bob', 'dave']],
    ['value path with primary', () => 'emails[primary eq true]', ['alice', 'bob']],
    ['enterprise URN attribute', () => `${ENTERPRISE}:employeeNumber eq "1002"`, ['bob']],
    ['enterprise URN attribute, gt', () => `${ENTERPRISE}:employeeNumber gt "1001"`, ['bob', 'carol']],
    ['enterprise URN sub-attribute', () => `${ENTERPRISE}:manager.value eq "${people.bob.id}"`, ['alice']],
    ['enterprise URN attribute pr', () => `${ENTERPRISE}:department pr`, ['alice', 'bob']],
    ['enterprise attribute name case-insensitive', () => `${ENTERPRISE}:EMPLOYEENUMBER eq "1003"`, ['carol']],
    ['core URN prefix', () => `${USER_SCHEMA}:userName eq "${tag}.alice@example.com"`, ['alice']],
    ['core URN prefix on a sub-attribute', () => `${USER_SCHEMA}:name.givenName eq "alice"`, ['alice']],
    ['JSON string escapes', () => 'nickName eq "Car\\"ol \\\\ back"', ['carol']],
    ['JSON unicode escape', () => 'nickName eq "\\u0043ar\\"ol \\\\ back"', ['carol']],
    ['or', () => 'title eq "Engineer" or title eq "Manager"', ['alice', 'bob']],
    ['and binds tighter than or', () => 'title eq "Engineer" or title eq "Manager" and active eq true', ['alice']],
    ['and binds tighter than or (2)', () => 'title eq "Manager" and active eq true or title eq "Engineer"', ['alice']],
    ['and binds tighter than or (3)', () => 'title eq "Engineer" or title eq "Manager" and active eq false', ['alice', 'bob']],
    ['parentheses override precedence', () => '(title eq "Engineer" or title eq "Manager") and active eq false', ['bob']],
    ['nested parentheses', () => '((title eq "Engineer") or ((title eq "Manager")))', ['alice', 'bob']],
    ['not with parentheses', () => 'not (active eq true)', ['bob']],
    ['not combined with and', () => 'not (userName co "alice") and active eq true', ['carol', 'dave']],
    ['gt on a string, case-insensitive', () => 'title gt "f"', ['bob']],
    ['lt on a string', () => 'title lt "F"', ['alice']],
    ['ge and le bound a string', () => 'title ge "Engineer" and title le "Engineer"', ['alice']],
    ['meta.created in the past', () => 'meta.created gt "2000-01-01T00:00:00Z"', all],
    ['meta.created before 2000', () => 'meta.created lt "2000-01-01T00:00:00Z"', []],
    ['meta.lastModified in the future', () => 'meta.lastModified gt "2999-01-01T00:00:00Z"', []],
    ['meta.resourceType', () => 'meta.resourceType eq "User"', all],
    ['lower-case operators and logic words in upper case', () => 'title EQ "Engineer" OR title Eq "Manager"', ['alice', 'bob']],
  ];
  it.each(cases)('%s', async (_label, filter, expected) => {
    expect(await matching(filter())).toEqual(sorted(expected));
  });

  it('compares meta.created as a date', async () => {
    const created = people.alice.meta.created;
    const names = await matching(`meta.created ge "${created}" and meta.created le "${created}"`);
    expect(names).toContain('alice');
    expect(await matching(`meta.created gt "${created}"`)).not.toContain('alice');
  });

  it('accepts the null literal', async () => {
    const res = await roster.scim('GET', `/Users?filter=${q(`title eq null and userName sw "${tag}"`)}`);
    expectHandled(res, 'title eq null');
  });

});

describe('filter errors', () => {
  it.each([
    'foo eq "x"',
    'name.shoeSize eq "x"',
    'emails[foo eq "x"]',
    'emails.foo eq "x"',
    'urn:example:unknown:2.0:User:badge eq "1"',
    `${ENTERPRISE}:favourite eq "x"`,
    '__proto__ eq "x"',
    'constructor eq "x"',
    'toString pr',
    'userName.foo eq "x"',
    'members.value eq "x"',
  ])('unknown attribute %s → 400 invalidFilter', async (filter) => {
    expectError(await roster.scim('GET', `/Users?filter=${q(filter)}`), 400, 'invalidFilter');
  });

  it.each([
    'userName eq',
    'userName eq "unterminated',
    'userName zz "x"',
    '(userName eq "x"',
    'userName eq "x")',
    'and',
    'userName eq "x" and',
    'userName eq "x" or or userName eq "y"',
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    'emails[]',
    '"x" eq userName',
    'userName pr "x"',
    'userName eq "bad \\q escape"',
    'meta.created gt "not a date"',
    'active eq "maybe"',
  ])('malformed filter %j → 400 invalidFilter', async (filter) => {
    expectError(await roster.scim('GET', `/Users?filter=${q(filter)}`), 400, 'invalidFilter');
  });

  it('answers 400 invalidFilter on /Groups for a User attribute', async () => {
    expectError(await roster.scim('GET', `/Groups?filter=${q('userName eq "x"')}`), 400, 'invalidFilter');
  });

  const hostile: [string, string][] = [
    ['deep nesting', `${'('.repeat(5000)}userName eq "x"${')'.repeat(5000)}`],
    ['deep value-path nesting', `emails[${'('.repeat(2000)}type eq "x"${')'.repeat(2000)}]`],
    ['a long value', `userName eq "${'a'.repeat(200_000)}"`],
    ['many ors', Array.from({ length: 2000 }, (_, i) => `userName eq "u${i}"`).join(' or ')],
    ['many nots', `${'not ('.repeat(2000)}userName pr${')'.repeat(2000)}`],
    ['odd unicode', 'userName eq "\u202e\u0000\ud800 🚀"'],
    ['a lone surrogate escape', 'userName eq "\udc00"'],
    ['empty', ''],
    ['blank', '   '],
    ['only a quote', '"'],
    ['only brackets', '[]'],
    ['a number as a filter', '42'],
  ];
  it.each(hostile)('hostile filter (%s) in a SearchRequest never answers 5xx', async (label, filter) => {
    const res = await roster.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter });
    expectHandled(res, label);
    // invalidValue is fair for a value the store cannot hold (a NUL character, a lone surrogate).
    if (res.status === 400) expect(['invalidFilter', 'invalidValue']).toContain(res.body.scimType);
  });

  it.each([
    ['deep nesting', `${'('.repeat(500)}userName eq "x"${')'.repeat(500)}`],
    ['many ors', Array.from({ length: 100 }, (_, i) => `userName eq "u${i}"`).join(' or ')],
    ['odd unicode', 'userName eq "\u202e\u0000\\ud800 🚀"'],
    ['empty', ''],
  ])('hostile filter (%s) in the query string never answers 5xx', async (label, filter) => {
    const res = await roster.scim('GET', `/Users?filter=${q(filter)}`);
    expectHandled(res, label);
    // invalidValue is fair for a value the store cannot hold (a NUL character, a lone surrogate).
    if (res.status === 400) expect(['invalidFilter', 'invalidValue']).toContain(res.body.scimType);
  });

  it('treats an invalid percent-encoding in the query string as a client error', async () => {
    expectHandled(await roster.scim('GET', '/Users?filter=userName%20eq%20%ZZ'), 'bad percent-encoding');
  });

  it('treats a percent sign in co as a literal character', async () => {
    const res = await roster.scim('GET', `/Users?filter=${q(`userName co "%" and userName sw "${tag}.a"`)}`);
    expect(expectList(res)).toHaveLength(0);
  });
});

describe('groups filters', () => {
  it('filters groups by displayName, externalId and members', async () => {
    const gtag = unique('gflt');
    const g1 = await createGroup(roster, { displayName: `${gtag} Alpha`, externalId: `${gtag}-X`, members: [{ value: people.alice.id }] });
    const g2 = await createGroup(roster, { displayName: `${gtag} Beta`, members: [{ value: people.alice.id }, { value: people.bob.id }] });
    const ids = async (filter: string) =>
      sorted(expectList(await roster.scim('GET', `/Groups?filter=${q(`(${filter}) and displayName sw "${gtag}"`)}`)).map((g) => g.id));
    expect(await ids(`displayName eq "${gtag.toUpperCase()} ALPHA"`)).toEqual([g1.id]);
    expect(await ids(`externalId eq "${gtag}-X"`)).toEqual([g1.id]);
    expect(await ids(`externalId eq "${gtag}-x"`)).toEqual([]);
    expect(await ids(`members.value eq "${people.bob.id}"`)).toEqual([g2.id]);
    expect(await ids(`members[value eq "${people.alice.id}"]`)).toEqual(sorted([g1.id, g2.id]));
    expect(await ids('members pr')).toEqual(sorted([g1.id, g2.id]));
    expect(await ids('displayName co "beta"')).toEqual([g2.id]);
  });
});

describe('POST .search', () => {
  it('searches users with a SearchRequest body', async () => {
    const res = await roster.scim('POST', '/Users/.search', {
      schemas: [SEARCH_REQUEST],
      filter: `userName sw "${tag}" and active eq true`,
      attributes: ['userName'],
      sortBy: 'userName',
      startIndex: 1,
      count: 2,
    });
    const list = expectList(res);
    expect(res.body.totalResults).toBe(3);
    expect(list.map(nameOf)).toEqual(['alice', 'carol']);
    expect(list[0]).not.toHaveProperty('emails');
  });

  it('answers 400 invalidFilter on .search with an unknown attribute', async () => {
    const res = await roster.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'shoeSize gt 3' });
    expectError(res, 400, 'invalidFilter');
  });

  it('searches groups through /Groups/.search', async () => {
    const group = await createGroup(roster);
    const res = await roster.scim('POST', '/Groups/.search', { schemas: [SEARCH_REQUEST], filter: `displayName eq "${group.displayName}"` });
    expect(expectList(res).map((g) => g.id)).toEqual([group.id]);
  });

  it('searches all resource types through /.search', async () => {
    const group = await createGroup(roster);
    const res = await roster.scim('POST', '/.search', { schemas: [SEARCH_REQUEST], filter: `id eq "${people.alice.id}" or id eq "${group.id}"` });
    const list = expectList(res);
    expect(sorted(list.map((r) => r.id))).toEqual(sorted([people.alice.id, group.id]));
    const types = sorted(list.map((r) => r.meta.resourceType));
    expect(types).toEqual(['Group', 'User']);
  });

  it('answers POST /.search without a filter as a plain list', async () => {
    const res = await roster.scim('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], count: 1 });
    const list = expectList(res);
    expect(list).toHaveLength(1);
    expect(res.body.totalResults).toBeGreaterThanOrEqual(4);
  });

  it('answers 400 for a SearchRequest that is not an object', async () => {
    const res = await roster.scim('POST', '/Users/.search', ['filter']);
    expectStatus(res, 400);
    expectHandled(res);
  });
});
