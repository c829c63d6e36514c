import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/protocol/errors.js';
import type { AttrPath, CompareOp, Filter, Literal } from '../../src/protocol/filter/ast.js';
import { formatFilter, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from '../../src/protocol/filter/parse.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// --- AST builders: `p('name.familyName')` splits on the dot only; URN paths are written out in full. ---
const p = (text: string): AttrPath => {
  const [attr, sub] = text.split('.');
  return sub === undefined ? { attr } : { attr, sub };
};
const cmp = (path: string | AttrPath, op: CompareOp, value: Literal): Filter => ({
  kind: 'compare',
  path: typeof path === 'string' ? p(path) : path,
  op,
  value,
});
const pr = (path: string | AttrPath): Filter => ({ kind: 'present', path: typeof path === 'string' ? p(path) : path });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const vp = (path: string, filter: Filter): Filter => ({ kind: 'valuePath', path: p(path), filter });

/** A fully parenthesised rendering, to state precedence and associativity compactly. */
function show(f: Filter): string {
  switch (f.kind) {
    case 'compare':
      return `${f.path.attr}${f.path.sub ? `.${f.path.sub}` : ''} ${f.op} ${JSON.stringify(f.value)}`;
    case 'present':
      return `${f.path.attr} pr`;
    case 'and':
    case 'or':
      return `(${show(f.left)} ${f.kind} ${show(f.right)})`;
    case 'not':
      return `not(${show(f.filter)})`;
    case 'valuePath':
      return `${f.path.attr}[${show(f.filter)}]`;
  }
}

function parseError(text: string): ScimError {
  try {
    parseFilter(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseFilter: RFC 7644 section 3.4.2.2 examples', () => {
  const examples: [string, Filter][] = [
    ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
    [`name.familyName co "O'Malley"`, cmp('name.familyName', 'co', "O'Malley")],
    ['userName sw "J"', cmp('userName', 'sw', 'J')],
    [`${CORE}:userName sw "J"`, cmp({ uri: CORE, attr: 'userName' }, 'sw', 'J')],
    ['title pr', pr('title')],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
    ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
    ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
    [`schemas eq "${ENTERPRISE}"`, cmp('schemas', 'eq', ENTERPRISE)],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(cmp('userType', 'eq', 'Employee'), or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(cmp('userType', 'ne', 'Employee'), not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')))),
    ],
    ['userType eq "Employee" and (emails.type eq "work")', and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work'))],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(cmp('userType', 'eq', 'Employee'), vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com')))),
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
        vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
      ),
    ],
    // Elsewhere in RFC 7644: section 3.4.3, 3.5.2 and the root query example.
    ['displayName sw "smith"', cmp('displayName', 'sw', 'smith')],
    ['(meta.resourceType eq User) or (meta.resourceType eq Group)', or(cmp('meta.resourceType', 'eq', 'User'), cmp('meta.resourceType', 'eq', 'Group'))],
    ['members[value eq "2819c223-7f76-453a-919d-413861904646"]', vp('members', cmp('value', 'eq', '2819c223-7f76-453a-919d-413861904646'))],
    ['emails[type eq "work" and value ew "example.com"]', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'ew', 'example.com')))],
  ];
  it.each(examples)('%s', (text, expected) => {
    expect(parseFilter(text)).toStrictEqual(expected);
  });
  it.each(examples)('formatFilter prints %s back to the same tree', (text, expected) => {
    expect(parseFilter(formatFilter(parseFilter(text)))).toStrictEqual(expected);
  });
});

describe('parseFilter: precedence (not > and > or) and left associativity', () => {
  const cases: [string, string][] = [
    ['a pr or b pr and c pr', '(a pr or (b pr and c pr))'],
    ['a pr and b pr or c pr', '((a pr and b pr) or c pr)'],
    ['a pr and b pr or c pr and d pr', '((a pr and b pr) or (c pr and d pr))'],
    ['a pr or b pr or c pr', '((a pr or b pr) or c pr)'],
    ['a pr and b pr and c pr', '((a pr and b pr) and c pr)'],
    ['a pr or b pr or c pr or d pr', '(((a pr or b pr) or c pr) or d pr)'],
    ['a pr and (b pr or c pr)', '(a pr and (b pr or c pr))'],
    ['(a pr or b pr) and c pr', '((a pr or b pr) and c pr)'],
    ['a pr or (b pr or c pr)', '(a pr or (b pr or c pr))'],
    ['not (a pr) and b pr', '(not(a pr) and b pr)'],
    ['not (a pr) or b pr', '(not(a pr) or b pr)'],
    ['a pr and not (b pr or c pr)', '(a pr and not((b pr or c pr)))'],
    ['not (not (a pr))', 'not(not(a pr))'],
    ['not (a pr and b pr) or c pr', '(not((a pr and b pr)) or c pr)'],
    ['((a pr))', 'a pr'],
    ['(((a eq 1)))', 'a eq 1'],
    ['(a pr) or (b pr) and (c pr)', '(a pr or (b pr and c pr))'],
    ['a pr or b pr and c pr or d pr', '((a pr or (b pr and c pr)) or d pr)'],
    ['a pr and b pr or c pr and d pr or e pr', '(((a pr and b pr) or (c pr and d pr)) or e pr)'],
    ['emails[type eq "work" or primary eq true] and a pr', '(emails[(type eq "work" or primary eq true)] and a pr)'],
    ['emails[type eq "work" or type eq "home" and primary eq true]', 'emails[(type eq "work" or (type eq "home" and primary eq true))]'],
    ['emails[not (type eq "work")]', 'emails[not(type eq "work")]'],
    ['emails[(type eq "work")]', 'emails[type eq "work"]'],
    ['not (emails[type eq "work"])', 'not(emails[type eq "work"])'],
    ['a pr or not (b pr) and c pr', '(a pr or (not(b pr) and c pr))'],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(show(parseFilter(text))).toBe(expected);
  });
});

describe('parseFilter: case and whitespace', () => {
  const same: [string, string][] = [
    ['userName EQ "bjensen"', 'userName eq "bjensen"'],
    ['userName Eq "bjensen"', 'userName eq "bjensen"'],
    ['title PR', 'title pr'],
    ['title Pr', 'title pr'],
    ['a pr AND b pr', 'a pr and b pr'],
    ['a pr Or b pr', 'a pr or b pr'],
    ['NOT (a pr)', 'not (a pr)'],
    ['Not (a pr)', 'not (a pr)'],
    ['a NE 1', 'a ne 1'],
    ['a CO "x"', 'a co "x"'],
    ['a SW "x"', 'a sw "x"'],
    ['a EW "x"', 'a ew "x"'],
    ['a GT 1', 'a gt 1'],
    ['a GE 1', 'a ge 1'],
    ['a LT 1', 'a lt 1'],
    ['a LE 1', 'a le 1'],
    ['  userName   eq   "bjensen"  ', 'userName eq "bjensen"'],
    ['userName\teq\t"bjensen"', 'userName eq "bjensen"'],
    ['userName\r\neq\n"bjensen"', 'userName eq "bjensen"'],
    ['userName eq"bjensen"', 'userName eq "bjensen"'],
    ['(a pr)and(b pr)', 'a pr and b pr'],
    ['( a pr ) or ( b pr )', 'a pr or b pr'],
    ['not(a pr)', 'not (a pr)'],
    ['not   (a pr)', 'not (a pr)'],
    ['emails[ type eq "work" ]', 'emails[type eq "work"]'],
    ['emails [type eq "work"]', 'emails[type eq "work"]'],
    ['a eq "x"and b pr', 'a eq "x" and b pr'],
    ['a eq true', 'a eq TRUE'],
    ['a eq false', 'a eq False'],
    ['a eq null', 'a eq NULL'],
  ];
  it.each(same)('%s', (text, canonical) => {
    expect(parseFilter(text)).toStrictEqual(parseFilter(canonical));
  });
  it('keeps attribute names as written', () => {
    expect(parseFilter('USERNAME eq "x"')).toStrictEqual(cmp('USERNAME', 'eq', 'x'));
    expect(parseFilter('Name.FamilyName eq "x"')).toStrictEqual(cmp('Name.FamilyName', 'eq', 'x'));
  });
  it('keeps string values as written', () => {
    expect(parseFilter('userName eq "BJensen"')).toStrictEqual(cmp('userName', 'eq', 'BJensen'));
  });
});

describe('parseFilter: literals', () => {
  const strings: [string, string][] = [
    ['"plain"', 'plain'],
    ['""', ''],
    ['"CORP\\\\jdoe"', 'CORP\\jdoe'],
    ['"say \\"hi\\""', 'say "hi"'],
    ['"caf\\u00e9"', 'café'],
    ['"caf\\u00E9"', 'café'],
    ['"\\/path"', '/path'],
    ['"a\\nb"', 'a\nb'],
    ['"a\\tb"', 'a\tb'],
    ['"a\\rb"', 'a\rb'],
    ['"a\\bb"', 'a\bb'],
    ['"a\\fb"', 'a\fb'],
    ['"\\u0041\\u0042"', 'AB'],
    ['"\\ud83d\\ude00"', '😀'],
    ['"😀 ünïcödé"', '😀 ünïcödé'],
    ['"with ] and ) and ( and ["', 'with ] and ) and ( and ['],
    ['"and or not pr"', 'and or not pr'],
    ['"true"', 'true'],
    ['"null"', 'null'],
    ['"12345"', '12345'],
    ['"  spaced  "', '  spaced  '],
    ['"\\\\"', '\\'],
    ['"\\\\\\""', '\\"'],
    ["\"O'Malley\"", "O'Malley"],
  ];
  it.each(strings)('string %s', (literal, expected) => {
    const f = parseFilter(`a eq ${literal}`);
    expect(f).toStrictEqual(cmp('a', 'eq', expected));
    if (f.kind === 'compare') expect((f.value as string).length).toBe(expected.length);
  });
  it('reads "CORP\\\\jdoe" as the 9-character CORP\\jdoe', () => {
    const f = parseFilter('userName eq "CORP\\\\jdoe"');
    expect(f.kind === 'compare' && f.value).toBe('CORP\\jdoe');
    expect(f.kind === 'compare' && (f.value as string).length).toBe(9);
  });

  const numbers: [string, number][] = [
    ['0', 0],
    ['-0', 0],
    ['1', 1],
    ['-1', -1],
    ['12345', 12345],
    ['1.5', 1.5],
    ['-0.25', -0.25],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e+3', 1000],
    ['2.5e-3', 0.0025],
    ['-1.5E-2', -0.015],
    ['9007199254740993', 9007199254740992],
    ['1e308', 1e308],
  ];
  it.each(numbers)('number %s', (literal, expected) => {
    const f = parseFilter(`a gt ${literal}`);
    expect(f).toStrictEqual(cmp('a', 'gt', expected));
    if (f.kind === 'compare') expect(Object.is(f.value, -0)).toBe(false);
  });

  const keywords: [string, Literal][] = [
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['false', false],
    ['FALSE', false],
    ['fAlSe', false],
    ['null', null],
    ['NULL', null],
    ['Null', null],
  ];
  it.each(keywords)('keyword %s', (literal, expected) => {
    expect(parseFilter(`a eq ${literal}`)).toStrictEqual(cmp('a', 'eq', expected));
  });

  // Old Entra ID tenants send unquoted strings; anything that is not a number or keyword is a string.
  const bare: [string, string][] = [
    ['jyoung', 'jyoung'],
    ['6e52c9d3-0d4f-4f5c-9b1a-2c0b8b1f7a3e', '6e52c9d3-0d4f-4f5c-9b1a-2c0b8b1f7a3e'],
    ['jane@example.com', 'jane@example.com'],
    ['007', '007'],
    ['1.', '1.'],
    ['.5', '.5'],
    ['+1', '+1'],
    ['0x10', '0x10'],
    ['1e', '1e'],
    ['--1', '--1'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['truex', 'truex'],
    ['nullable', 'nullable'],
    ['User', 'User'],
    ["O'Malley", "O'Malley"],
    ['CORP\\jdoe', 'CORP\\jdoe'],
    ['é', 'é'],
  ];
  it.each(bare)('unquoted %s', (literal, expected) => {
    expect(parseFilter(`externalId eq ${literal}`)).toStrictEqual(cmp('externalId', 'eq', expected));
  });
});

describe('parseFilter: attribute paths', () => {
  const cases: [string, AttrPath][] = [
    ['userName', { attr: 'userName' }],
    ['name.familyName', { attr: 'name', sub: 'familyName' }],
    ['$ref', { attr: '$ref' }],
    ['members.$ref', { attr: 'members', sub: '$ref' }],
    ['x509Certificates.value', { attr: 'x509Certificates', sub: 'value' }],
    ['my-attr_2', { attr: 'my-attr_2' }],
    [`${CORE}:userName`, { uri: CORE, attr: 'userName' }],
    [`${CORE}:name.givenName`, { uri: CORE, attr: 'name', sub: 'givenName' }],
    [`${ENTERPRISE}:employeeNumber`, { uri: ENTERPRISE, attr: 'employeeNumber' }],
    [`${ENTERPRISE}:manager.value`, { uri: ENTERPRISE, attr: 'manager', sub: 'value' }],
    [`${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER`, { uri: ENTERPRISE.toUpperCase(), attr: 'EMPLOYEENUMBER' }],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attr: 'User' }],
    ['urn:acme:custom:2.0:User:badge', { uri: 'urn:acme:custom:2.0:User', attr: 'badge' }],
  ];
  it.each(cases)('%s', (text, path) => {
    expect(parseFilter(`${text} pr`)).toStrictEqual({ kind: 'present', path });
    expect(parseFilter(`${text} eq "x"`)).toStrictEqual({ kind: 'compare', path, op: 'eq', value: 'x' });
  });
  it('a value path with a URN attribute', () => {
    expect(parseFilter(`${CORE}:emails[type eq "work"]`)).toStrictEqual({
      kind: 'valuePath',
      path: { uri: CORE, attr: 'emails' },
      filter: cmp('type', 'eq', 'work'),
    });
  });
});

describe('parseFilter: what identity providers send', () => {
  const cases: [string, Filter][] = [
    ['userName eq "jane@example.com"', cmp('userName', 'eq', 'jane@example.com')],
    ['displayName eq "Engineering"', cmp('displayName', 'eq', 'Engineering')],
    ['externalId eq "00ujl29u0le5T6Aj10h7"', cmp('externalId', 'eq', '00ujl29u0le5T6Aj10h7')],
    ['externalId eq jyoung', cmp('externalId', 'eq', 'jyoung')],
    ['userName eq 6e52c9d3-0d4f-4f5c-9b1a-2c0b8b1f7a3e', cmp('userName', 'eq', '6e52c9d3-0d4f-4f5c-9b1a-2c0b8b1f7a3e')],
    ['externalId eq 12345', cmp('externalId', 'eq', 12345)],
    ['id eq "a" and manager eq "b"', and(cmp('id', 'eq', 'a'), cmp('manager', 'eq', 'b'))],
    ['emails[type eq "work"].value eq "x"', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x')))],
    ['emails[type eq "work"].value eq "jane@example.com"', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'jane@example.com')))],
    ['emails[type eq "work"].value pr', vp('emails', and(cmp('type', 'eq', 'work'), pr('value')))],
    ['emails[type eq work].value eq x', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x')))],
    ['emails[type eq "work"] .value eq "x"', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x')))],
    ['emails[type eq "work"].VALUE EQ "x"', vp('emails', and(cmp('type', 'eq', 'work'), cmp('VALUE', 'eq', 'x')))],
    [
      'emails[type eq "work"].value eq "x" and active eq true',
      and(vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x'))), cmp('active', 'eq', true)),
    ],
    [
      'emails[type eq "work" or type eq "home"].value co "@x"',
      vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('value', 'co', '@x'))),
    ],
    ['phoneNumbers[type eq "mobile"].value eq "+1 555"', vp('phoneNumbers', and(cmp('type', 'eq', 'mobile'), cmp('value', 'eq', '+1 555')))],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(parseFilter(text)).toStrictEqual(expected);
  });
});

describe('parseFilter: errors are 400 invalidFilter saying what was expected where', () => {
  const cases: [string, RegExp][] = [
    ['', /^Expected an attribute path, "not" or "\(" at position 1$/],
    ['   ', /^Expected an attribute path, "not" or "\(" at position 4$/],
    ['userName', /^Expected an operator \(.*\) after "userName" at position 9$/],
    ['userName ', /^Expected an operator \(.*\) after "userName" at position 10$/],
    ['userName foo "x"', /^Expected an operator .* after "userName" at position 10, found "foo"$/],
    ['userName equals "x"', /found "equals"/],
    ['userName == "x"', /found "=="/],
    ['userName eq', /^Expected a value after "eq" at position 12$/],
    ['userName eq ', /^Expected a value after "eq" at position 13$/],
    ['userName eq )', /^Expected a value after "eq" at position 13, found "\)"$/],
    ['userName eq (', /^Expected a value after "eq" at position 13, found "\("$/],
    ['userName eq "bjensen" extra', /^Expected "and", "or" or the end of the filter after "\\"bjensen\\"" at position 23, found "extra"$/],
    ['userName eq "a" "b"', /Expected "and", "or" or the end of the filter .* found "\\""/],
    ['userName eq "bjensen', /^The string starting at position 13 has no closing quote$/],
    ['userName eq "bjensen\\"', /no closing quote/],
    ['userName eq "bjensen\\', /no closing quote/],
    ['userName eq "\\q"', /^Invalid escape "\\q" at position 14/],
    ['userName eq "CORP\\jdoe"', /^Invalid escape "\\j" at position 18/],
    ['userName eq "\\u12"', /^Invalid escape "\\u12"/],
    ['userName eq "\\u12G4"', /^Invalid escape "\\u12G4"/],
    ['userName eq "\\x41"', /Invalid escape "\\x"/],
    ['a pr and', /^Expected an attribute path, "not" or "\(" after "and" at position 9$/],
    ['a pr or', /^Expected an attribute path, "not" or "\(" after "or" at position 8$/],
    ['and a pr', /^Expected an attribute path, "not" or "\(" at position 1, found "and"$/],
    ['or a pr', /found "or"/],
    ['a pr and and b pr', /after "and" at position 10, found "and"/],
    ['a pr and or b pr', /found "or"/],
    ['a pr b pr', /^Expected "and", "or" or the end of the filter after "pr" at position 6, found "b"$/],
    ['(a pr', /^Expected "and", "or" or "\)" after "pr" at position 6$/],
    ['((a pr)', /^Expected "and", "or" or "\)" after "\)" at position 8$/],
    ['a pr)', /^Expected "and", "or" or the end of the filter after "pr" at position 5, found "\)"$/],
    ['()', /^Expected an attribute path, "not" or "\(" after "\(" at position 2, found "\)"$/],
    [')', /found "\)"/],
    ['not a pr', /^Expected "\(" after "not" at position 5, found "a"$/],
    ['not', /^Expected "\(" after "not" at position 4$/],
    ['not ()', /after "\(" at position 6, found "\)"/],
    ['a pr and not b pr', /Expected "\(" after "not"/],
    ['title pr "x"', /Expected "and", "or" or the end of the filter after "pr"/],
    ['title pr 1', /found "1"/],
    ['emails[type eq "work"', /^Expected "and", "or" or "\]" after "\\"work\\"" at position 22$/],
    ['emails[type eq "work")', /Expected "and", "or" or "\]" .* found "\)"/],
    ['emails[]', /^Expected an attribute path, "not" or "\(" after "emails\[" at position 8, found "\]"$/],
    ['emails[type eq "work"]]', /Expected "and", "or" or the end of the filter after "\]"/],
    ['emails[type eq "work"].', /^Expected a sub-attribute name after "\." at position 24$/],
    ['emails[type eq "work"]."value" eq "x"', /Expected a sub-attribute name/],
    ['emails[type eq "work"].value', /^Expected an operator .* after "value" at position 29$/],
    ['emails[type eq "work"].value.x eq "y"', /Expected a sub-attribute name after "\." at position 24, found "value.x"/],
    ['emails[type eq "work"].9 eq "y"', /Expected a sub-attribute name/],
    ['emails[type eq "work"].value eq', /Expected a value after "eq"/],
    ['emails[addresses[type eq "work"]]', /^Value filters cannot be nested: "addresses\[" at position 8$/],
    ['emails[type eq "work" and x[y pr]]', /Value filters cannot be nested: "x\["/],
    ['name.givenName[x pr]', /^A value filter "\[\.\.\.\]" cannot follow the sub-attribute "name.givenName" at position 1$/],
    ['[type eq "work"]', /Expected an attribute path, "not" or "\(" at position 1, found "\["/],
    ['] pr', /found "\]"/],
    ['"userName" eq "x"', /found "\\""/],
    ['1abc eq "x"', /^Invalid attribute path "1abc" at position 1: "1abc" is not an attribute name/],
    ['user.name.given eq "x"', /^Invalid attribute path "user.name.given" at position 1: a path has at most one sub-attribute$/],
    ['name. eq "x"', /Invalid attribute path "name\." at position 1: an attribute name is missing/],
    ['.name eq "x"', /Invalid attribute path "\.name"/],
    ['user$name eq "x"', /Invalid attribute path "user\$name"/],
    ['_x eq "x"', /Invalid attribute path "_x"/],
    ['__proto__ eq "x"', /Invalid attribute path "__proto__"/],
    ['a pr and x=y eq 1', /Invalid attribute path "x=y" at position 10/],
    ['urn: eq "x"', /Invalid attribute path "urn:" at position 1/],
    [`${ENTERPRISE}: eq "x"`, /an attribute name is missing/],
    [':userName eq "x"', /Invalid attribute path ":userName" at position 1: "" is not a schema URI/],
    ['foo:userName eq "x"', /"foo" is not a schema URI/],
    ['1urn:x:userName eq "x"', /"1urn:x" is not a schema URI/],
    ['userName eq 1e400', /^The number "1e400" at position 13 is out of range$/],
    ['userName eq -1e999', /out of range/],
    ['a eq 1 or', /after "or" at position 10/],
    ['a eq "x" or (b eq "y"', /Expected "and", "or" or "\)"/],
  ];
  it.each(cases)('%s', (text, detail) => {
    const error = parseError(text);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message).toMatch(detail);
  });

  it('rejects a non-string filter with a ScimError', () => {
    const error = (() => {
      try {
        parseFilter(['a', 'b'] as unknown as string);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).scimType).toBe('invalidFilter');
  });

  it('quotes long tokens in messages only in part', () => {
    const long = 'x'.repeat(500);
    const error = parseError(`userName ${long} "x"`);
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('parseFilter: limits', () => {
  it(`accepts ${MAX_FILTER_LENGTH} characters and rejects one more`, () => {
    const value = (n: number) => `userName eq "${'x'.repeat(n - 'userName eq ""'.length)}"`;
    expect(value(MAX_FILTER_LENGTH)).toHaveLength(MAX_FILTER_LENGTH);
    expect(parseFilter(value(MAX_FILTER_LENGTH)).kind).toBe('compare');
    const error = parseError(value(MAX_FILTER_LENGTH + 1));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message).toBe(`The filter is ${MAX_FILTER_LENGTH + 1} characters long; the limit is ${MAX_FILTER_LENGTH}`);
  });

  it('rejects a megabyte of input quickly', () => {
    const started = Date.now();
    expect(parseError('('.repeat(1_000_000)).message).toMatch(/limit is 4096/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  const nest = (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`;
  const nots = (n: number) => `${'not ('.repeat(n)}a pr${')'.repeat(n)}`;
  it(`accepts ${MAX_FILTER_DEPTH} levels of parentheses and rejects ${MAX_FILTER_DEPTH + 1}`, () => {
    expect(parseFilter(nest(MAX_FILTER_DEPTH))).toStrictEqual(pr('a'));
    const error = parseError(nest(MAX_FILTER_DEPTH + 1));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message).toBe(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels at position ${MAX_FILTER_DEPTH + 1}`);
  });
  it(`accepts ${MAX_FILTER_DEPTH} nested nots and rejects ${MAX_FILTER_DEPTH + 1}`, () => {
    let f = parseFilter(nots(MAX_FILTER_DEPTH));
    for (let i = 0; i < MAX_FILTER_DEPTH; i++) {
      expect(f.kind).toBe('not');
      if (f.kind === 'not') f = f.filter;
    }
    expect(f).toStrictEqual(pr('a'));
    expect(parseError(nots(MAX_FILTER_DEPTH + 1)).message).toMatch(/nests deeper than 32 levels/);
  });
  it('counts a value path as a level', () => {
    const inside = (n: number) => `emails[${'('.repeat(n)}type pr${')'.repeat(n)}]`;
    expect(parseFilter(inside(MAX_FILTER_DEPTH - 1)).kind).toBe('valuePath');
    expect(parseError(inside(MAX_FILTER_DEPTH)).message).toMatch(/nests deeper/);
  });
  it('rejects thousands of parentheses within the length limit without a stack overflow', () => {
    expect(parseError(nest(2000)).scimType).toBe('invalidFilter');
    expect(parseError('not ('.repeat(800)).scimType).toBe('invalidFilter');
    expect(parseError('emails['.repeat(500)).scimType).toBe('invalidFilter');
  });
  it('parses a long or-chain left-associatively', () => {
    const terms = Array.from({ length: 350 }, (_, i) => `a eq ${i}`);
    let f = parseFilter(terms.join(' or '));
    for (let i = 349; i > 0; i--) {
      expect(f.kind).toBe('or');
      if (f.kind !== 'or') return;
      expect(f.right).toStrictEqual(cmp('a', 'eq', i));
      f = f.left;
    }
    expect(f).toStrictEqual(cmp('a', 'eq', 0));
  });
  it('parses and prints a chain that fills the length limit', () => {
    const text = Array.from({ length: 455 }, () => 'a pr').join(' and ');
    expect(text.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    const f = parseFilter(text);
    expect(formatFilter(f)).toBe(text);
  });
});

describe('formatFilter', () => {
  const cases: [Filter, string][] = [
    [cmp('userName', 'eq', 'bjensen'), 'userName eq "bjensen"'],
    [cmp('a', 'eq', 'CORP\\jdoe'), 'a eq "CORP\\\\jdoe"'],
    [cmp('a', 'eq', 'say "hi"'), 'a eq "say \\"hi\\""'],
    [cmp('a', 'gt', 1.5), 'a gt 1.5'],
    [cmp('a', 'gt', 1e21), 'a gt 1e+21'],
    [cmp('a', 'eq', true), 'a eq true'],
    [cmp('a', 'eq', null), 'a eq null'],
    [pr({ uri: ENTERPRISE, attr: 'manager', sub: 'value' }), `${ENTERPRISE}:manager.value pr`],
    [or(pr('a'), and(pr('b'), pr('c'))), 'a pr or b pr and c pr'],
    [and(or(pr('a'), pr('b')), pr('c')), '(a pr or b pr) and c pr'],
    [or(pr('a'), or(pr('b'), pr('c'))), 'a pr or (b pr or c pr)'],
    [and(pr('a'), and(pr('b'), pr('c'))), 'a pr and (b pr and c pr)'],
    [or(or(pr('a'), pr('b')), pr('c')), 'a pr or b pr or c pr'],
    [not(or(pr('a'), pr('b'))), 'not (a pr or b pr)'],
    [vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@x'))), 'emails[type eq "work" and value co "@x"]'],
  ];
  it.each(cases)('%j', (filter, text) => {
    expect(formatFilter(filter)).toBe(text);
    expect(parseFilter(text)).toStrictEqual(filter);
  });
});

// --- properties ---

const RESERVED = new Set(['and', 'or', 'not']);
const attrName = fc
  .oneof(
    fc.constantFrom('userName', 'name', 'emails', 'value', 'type', 'pr', 'eq', 'true', 'null', '$ref', 'x-1', 'a_b'),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/),
  )
  .filter((n) => !RESERVED.has(n.toLowerCase()));
const uri = fc.constantFrom(CORE, ENTERPRISE, 'urn:acme:ext:1.0:Thing', 'http://example.com/schemas/x');
const attrPath: fc.Arbitrary<AttrPath> = fc
  .record({ uri: fc.option(uri, { nil: undefined }), attr: attrName, sub: fc.option(attrName, { nil: undefined }) })
  .map(({ uri, attr, sub }) => {
    const path: AttrPath = { attr };
    if (uri !== undefined) path.uri = uri;
    if (sub !== undefined) path.sub = sub;
    return path;
  });
const literal: fc.Arbitrary<Literal> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const op = fc.constantFrom<CompareOp>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');

function filterArbitrary(allowValuePath: boolean): fc.Arbitrary<Filter> {
  const leaf: fc.Arbitrary<Filter> = fc.oneof(
    fc.record({ kind: fc.constant('compare' as const), path: attrPath, op, value: literal }),
    fc.record({ kind: fc.constant('present' as const), path: attrPath }),
  );
  return fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: 5 },
      leaf,
      fc.record({ kind: fc.constant('and' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
      ...(allowValuePath
        ? [
            fc.record({
              kind: fc.constant('valuePath' as const),
              path: attrPath.map(({ uri, attr }) => (uri === undefined ? { attr } : { uri, attr })),
              filter: filterArbitrary(false),
            }),
          ]
        : []),
    ),
  })).f;
}

describe('parseFilter properties', () => {
  it('formatFilter then parseFilter gives back the same tree', () => {
    fc.assert(
      fc.property(filterArbitrary(true), (filter) => {
        // toEqual: fast-check builds records without a prototype.
        expect(parseFilter(formatFilter(filter))).toEqual(filter);
      }),
      { numRuns: 1000 },
    );
  });

  const onlyScimErrors = (text: string) => {
    try {
      parseFilter(text);
    } catch (error) {
      if (!(error instanceof ScimError) || error.status !== 400 || error.scimType !== 'invalidFilter') throw error;
    }
  };
  it('random strings never throw anything but a 400 invalidFilter', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlyScimErrors), { numRuns: 2000 });
  });
  it('random token soup never throws anything but a 400 invalidFilter', () => {
    const token = fc.constantFrom(
      'userName', 'emails', 'name.givenName', `${ENTERPRISE}:manager.value`, 'eq', 'EQ', 'pr', 'co', 'gt', 'and', 'or', 'not',
      '(', ')', '[', ']', '.', '.value', '"x"', '"\\u00e9"', '"\\', '"', '\\', '1', '-1.5e3', 'true', 'null', ' ', '  ', 'é', '😀',
    );
    fc.assert(fc.property(fc.array(token, { maxLength: 30 }).map((t) => t.join(' ')), onlyScimErrors), { numRuns: 3000 });
    fc.assert(fc.property(fc.array(token, { maxLength: 30 }).map((t) => t.join('')), onlyScimErrors), { numRuns: 3000 });
  });
});
