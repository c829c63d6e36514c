import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/protocol/errors.js';
import {
  BULK_REQUEST_SCHEMA,
  BULK_RESPONSE_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  PATCH_OP_SCHEMA,
  SEARCH_REQUEST_SCHEMA,
  listResponse,
  parseListQuery,
  parseSearchRequest,
  type ListQuery,
} from '../../src/protocol/messages.js';
import { parseAttributeList } from '../../src/protocol/attribute-list.js';
import { etagFor, etagMatches, parseEtagList } from '../../src/protocol/version.js';

const limits = { defaultCount: 100, maxCount: 200 };
const defaults: ListQuery = { startIndex: 1, count: 100, sortOrder: 'ascending' };

function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError, nothing was thrown');
}

describe('message schema URNs', () => {
  it.each([
    [LIST_RESPONSE_SCHEMA, 'urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    [PATCH_OP_SCHEMA, 'urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    [SEARCH_REQUEST_SCHEMA, 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
    [BULK_REQUEST_SCHEMA, 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    [BULK_RESPONSE_SCHEMA, 'urn:ietf:params:scim:api:messages:2.0:BulkResponse'],
  ])('%s', (actual, expected) => expect(actual).toBe(expected));
});

describe('parseAttributeList', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['  ', []],
    [',,,', []],
    ['userName', ['userName']],
    ['userName,name.givenName', ['userName', 'name.givenName']],
    [' userName , emails.value ,, ', ['userName', 'emails.value']],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value,id', ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value', 'id']],
  ])('%j → %j', (text, expected) => expect(parseAttributeList(text)).toEqual(expected));
});

describe('parseListQuery', () => {
  it.each<[string, Record<string, unknown>, Partial<ListQuery>]>([
    ['no parameters: defaults', {}, {}],
    ['Okta first probe', { startIndex: '1', count: '2' }, { count: 2 }],
    ['Okta lookup', { filter: 'userName eq "jane@example.com"', startIndex: '1', count: '100' }, { filter: 'userName eq "jane@example.com"' }],
    ['Entra group match', { excludedAttributes: 'members', filter: 'displayName eq "x"' }, { excludedAttributes: ['members'], filter: 'displayName eq "x"' }],
    ['Entra unknown flag ignored', { aadOptscim062020: '', filter: 'userName eq "a"' }, { filter: 'userName eq "a"' }],
    ['unknown parameters ignored, whatever their value', { foo: { a: 1 }, bar: ['x', 'y'], __proto__x: '1' }, {}],
    ['names are case-insensitive', { STARTINDEX: '5', Count: '7', FILTER: 'id pr', SortBy: 'userName', SORTORDER: 'descending', ATTRIBUTES: 'id', excludedattributes: 'members' },
      { startIndex: 5, count: 7, filter: 'id pr', sortBy: 'userName', sortOrder: 'descending', attributes: ['id'], excludedAttributes: ['members'] }],
    ['startIndex 0 becomes 1', { startIndex: '0' }, { startIndex: 1 }],
    ['negative startIndex becomes 1', { startIndex: '-20' }, { startIndex: 1 }],
    ['startIndex kept', { startIndex: '101' }, { startIndex: 101 }],
    ['huge startIndex clamped to a safe integer', { startIndex: '99999999999999999999999' }, { startIndex: Number.MAX_SAFE_INTEGER }],
    ['count 0 kept (count-only query)', { count: '0' }, { count: 0 }],
    ['negative count becomes 0', { count: '-5' }, { count: 0 }],
    ['count above max becomes max', { count: '1000' }, { count: 200 }],
    ['count at max kept', { count: '200' }, { count: 200 }],
    ['huge count becomes max', { count: '1'.repeat(400) }, { count: 200 }],
    ['count with plus sign and spaces', { count: ' +3 ' }, { count: 3 }],
    ['numbers accepted as well as strings', { startIndex: 3, count: 4 }, { startIndex: 3, count: 4 }],
    ['empty startIndex and count read as absent', { startIndex: '', count: ' ' }, {}],
    ['sortOrder any case', { sortOrder: 'DeScEnDiNg' }, { sortOrder: 'descending' }],
    ['sortOrder ascending', { sortOrder: 'ascending' }, { sortOrder: 'ascending' }],
    ['empty sortOrder is the default', { sortOrder: '' }, {}],
    ['sortBy trimmed', { sortBy: ' name.familyName ' }, { sortBy: 'name.familyName' }],
    ['empty sortBy dropped', { sortBy: '' }, {}],
    ['attributes split and trimmed', { attributes: 'userName, name.givenName,,' }, { attributes: ['userName', 'name.givenName'] }],
    ['empty attributes dropped', { attributes: '', excludedAttributes: ' , ' }, {}],
    ['repeated attributes merged', { attributes: ['userName', 'emails,id'] }, { attributes: ['userName', 'emails', 'id'] }],
    ['both attributes and excludedAttributes kept (projection decides)', { attributes: 'id', excludedAttributes: 'members' }, { attributes: ['id'], excludedAttributes: ['members'] }],
    ['repeated identical value tolerated', { count: ['5', '5'] }, { count: 5 }],
    ['same parameter in two spellings with one value', { count: '5', COUNT: '5' }, { count: 5 }],
    ['cursor passed through', { cursor: 'VZUTiyhEQJ94IR' }, { cursor: 'VZUTiyhEQJ94IR' }],
    ['empty cursor asks for cursor paging', { cursor: '' }, { cursor: '' }],
    ['filter kept verbatim', { filter: '  emails[type eq "work"].value eq "x"  ' }, { filter: '  emails[type eq "work"].value eq "x"  ' }],
    ['odd unicode in filter kept', { filter: 'displayName eq "\u{1F600}\uD800"' }, { filter: 'displayName eq "\u{1F600}\uD800"' }],
  ])('%s', (_label, query, expected) => {
    expect(parseListQuery(query, limits)).toEqual({ ...defaults, ...expected });
  });

  it('uses the default count, capped at the maximum', () => {
    expect(parseListQuery({}, { defaultCount: 50, maxCount: 500 }).count).toBe(50);
    expect(parseListQuery({}, { defaultCount: 1000, maxCount: 500 }).count).toBe(500);
  });

  it('ignores a __proto__ key', () => {
    const query = JSON.parse('{"__proto__": {"count": "3"}, "constructor": "x", "count": "4"}') as Record<string, unknown>;
    expect(parseListQuery(query, limits)).toEqual({ ...defaults, count: 4 });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['non-numeric startIndex', { startIndex: 'abc' }, 'invalidValue', 'startIndex'],
    ['non-numeric count', { count: 'ten' }, 'invalidValue', 'count'],
    ['decimal count', { count: '1.5' }, 'invalidValue', 'count'],
    ['hex count', { count: '0x10' }, 'invalidValue', 'count'],
    ['exponent count', { count: '1e3' }, 'invalidValue', 'count'],
    ['count with trailing garbage', { count: '10abc' }, 'invalidValue', 'count'],
    ['NaN number', { count: Number.NaN }, 'invalidValue', 'count'],
    ['object as count', { count: { a: 1 } }, 'invalidValue', 'count'],
    ['bad sortOrder', { sortOrder: 'up' }, 'invalidValue', 'sortOrder'],
    ['sortOrder abbreviation', { sortOrder: 'asc' }, 'invalidValue', 'sortOrder'],
    ['conflicting repeated count', { count: ['1', '2'] }, 'invalidValue', 'count'],
    ['conflicting spellings of filter', { filter: 'id pr', Filter: 'userName pr' }, 'invalidValue', 'filter'],
    ['blank filter', { filter: '   ' }, 'invalidFilter', 'filter'],
    ['empty filter', { filter: '' }, 'invalidFilter', 'filter'],
    ['object as filter', { filter: { userName: 'x' } }, 'invalidFilter', 'filter'],
    ['object as attributes', { attributes: { a: 1 } }, 'invalidValue', 'attributes'],
    ['object as sortBy', { sortBy: ['a', 'b'] }, 'invalidValue', 'sortBy'],
  ])('%s → 400 %s', (_label, query, scimType, named) => {
    const error = scimErrorOf(() => parseListQuery(query, limits));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(scimType);
    expect(error.message).toContain(named);
  });

  it('keeps error details short for huge values', () => {
    const error = scimErrorOf(() => parseListQuery({ count: 'x'.repeat(100_000) }, limits));
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('parseSearchRequest', () => {
  const search = (body: Record<string, unknown>) => ({ schemas: [SEARCH_REQUEST_SCHEMA], ...body });

  it.each<[string, Record<string, unknown>, Partial<ListQuery>]>([
    ['RFC 7644 example', search({ attributes: ['displayName', 'userName'], filter: 'displayName sw "smith"', startIndex: 1, count: 10 }),
      { attributes: ['displayName', 'userName'], filter: 'displayName sw "smith"', count: 10 }],
    ['only schemas: defaults', search({}), {}],
    ['schemas URN in another case', { schemas: [SEARCH_REQUEST_SCHEMA.toUpperCase()] }, {}],
    ['schemas with an extra URI', { schemas: ['urn:example:other', SEARCH_REQUEST_SCHEMA] }, {}],
    ['member names case-insensitive', search({ StartIndex: 4, COUNT: 3, Filter: 'id pr', SORTBY: 'userName', sortorder: 'DESCENDING', ExcludedAttributes: ['members'] }),
      { startIndex: 4, count: 3, filter: 'id pr', sortBy: 'userName', sortOrder: 'descending', excludedAttributes: ['members'] }],
    ['numeric strings accepted', search({ startIndex: '2', count: '5' }), { startIndex: 2, count: 5 }],
    ['startIndex 0 becomes 1', search({ startIndex: 0 }), { startIndex: 1 }],
    ['negative count becomes 0', search({ count: -1 }), { count: 0 }],
    ['count above max becomes max', search({ count: 10_000 }), { count: 200 }],
    ['attributes as a comma string forgiven', search({ attributes: 'userName, id' }), { attributes: ['userName', 'id'] }],
    ['attribute entries trimmed, empties dropped', search({ attributes: [' userName ', '', 'emails.value'] }), { attributes: ['userName', 'emails.value'] }],
    ['empty attribute array dropped', search({ attributes: [] }), {}],
    ['nulls read as absent', search({ filter: null, count: null, sortOrder: null, attributes: null }), {}],
    ['unknown members ignored', search({ foo: { deep: [1, 2] }, aadOptscim062020: true }), {}],
    ['cursor passed through', search({ cursor: 'abc', count: 2 }), { cursor: 'abc', count: 2 }],
    ['JSON 1e400 count (Infinity) becomes max', JSON.parse(`{"schemas":["${SEARCH_REQUEST_SCHEMA}"],"count":1e400}`), { count: 200 }],
    ['huge negative startIndex becomes 1', search({ startIndex: -1e300 }), { startIndex: 1 }],
  ])('%s', (_label, body, expected) => {
    expect(parseSearchRequest(body, limits)).toEqual({ ...defaults, ...expected });
  });

  it.each<[string, unknown, string]>([
    ['no body', undefined, 'invalidSyntax'],
    ['null body', null, 'invalidSyntax'],
    ['array body', [SEARCH_REQUEST_SCHEMA], 'invalidSyntax'],
    ['string body', 'filter=id pr', 'invalidSyntax'],
    ['no schemas', { filter: 'id pr' }, 'invalidSyntax'],
    ['schemas not an array', { schemas: SEARCH_REQUEST_SCHEMA }, 'invalidSyntax'],
    ['wrong schema', { schemas: [LIST_RESPONSE_SCHEMA] }, 'invalidSyntax'],
    ['schemas with non-strings', { schemas: [1, null, {}] }, 'invalidSyntax'],
    ['non-integer count', search({ count: 2.5 }), 'invalidValue'],
    ['non-numeric startIndex', search({ startIndex: 'first' }), 'invalidValue'],
    ['boolean count', search({ count: true }), 'invalidValue'],
    ['attributes with a non-string', search({ attributes: ['userName', 3] }), 'invalidValue'],
    ['attributes as an object', search({ attributes: { userName: true } }), 'invalidValue'],
    ['bad sortOrder', search({ sortOrder: 'sideways' }), 'invalidValue'],
    ['sortOrder not a string', search({ sortOrder: 1 }), 'invalidValue'],
    ['filter not a string', search({ filter: { op: 'eq' } }), 'invalidFilter'],
    ['blank filter', search({ filter: ' ' }), 'invalidFilter'],
    ['cursor not a string', search({ cursor: 5 }), 'invalidValue'],
  ])('%s → 400 %s', (_label, body, scimType) => {
    const error = scimErrorOf(() => parseSearchRequest(body, limits));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(scimType);
  });

  it('ignores __proto__ and constructor members', () => {
    const body = JSON.parse(`{"schemas":["${SEARCH_REQUEST_SCHEMA}"],"__proto__":{"count":1},"constructor":{"x":1},"count":6}`);
    expect(parseSearchRequest(body, limits)).toEqual({ ...defaults, count: 6 });
  });
});

describe('listResponse', () => {
  it('builds the RFC shape with integers and Resources', () => {
    const response = listResponse([{ id: 'a' }, { id: 'b' }], { totalResults: 12, startIndex: 3, itemsPerPage: 2 });
    expect(response).toEqual({
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 12,
      startIndex: 3,
      itemsPerPage: 2,
      Resources: [{ id: 'a' }, { id: 'b' }],
    });
    expect(Object.keys(response).at(-1)).toBe('Resources');
  });

  it('answers an empty lookup with totalResults 0 and an empty Resources array', () => {
    const body = JSON.parse(JSON.stringify(listResponse([], { totalResults: 0, startIndex: 1, itemsPerPage: 0 })));
    expect(body).toEqual({ schemas: [LIST_RESPONSE_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    expect(typeof body.totalResults).toBe('number');
  });

  it('adds nextCursor only when given', () => {
    expect(listResponse([], { totalResults: 5, startIndex: 1, itemsPerPage: 0, nextCursor: 'n1' }).nextCursor).toBe('n1');
    expect('nextCursor' in listResponse([], { totalResults: 5, startIndex: 1, itemsPerPage: 0 })).toBe(false);
  });

  it('sends counts as integers', () => {
    const response = listResponse([], { totalResults: 3.7, startIndex: 1.2, itemsPerPage: Number.NaN });
    expect([response.totalResults, response.startIndex, response.itemsPerPage]).toEqual([3, 1, 0]);
  });
});

describe('etagFor', () => {
  it.each<[string | number, string]>([
    [1, 'W/"1"'],
    [0, 'W/"0"'],
    ['42', 'W/"42"'],
    ['e180ee84f0671b1', 'W/"e180ee84f0671b1"'],
    ['W/"7"', 'W/"7"'],
    ['"7"', 'W/"7"'],
    ['w/"7"', 'W/"7"'],
    ['a b\n"c', 'W/"abc"'],
  ])('%j → %s', (version, expected) => expect(etagFor(version)).toBe(expected));
});

describe('parseEtagList', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    [' , ', []],
    ['*', ['*']],
    ['W/"1"', ['W/"1"']],
    ['"1"', ['"1"']],
    ['w/"1"', ['W/"1"']],
    ['W/"1", "2" ,W/"3"', ['W/"1"', '"2"', 'W/"3"']],
    ['W/"a,b", "c"', ['W/"a,b"', '"c"']],
    ['3', ['"3"']],
    ['3, 4', ['"3"', '"4"']],
    ['W/"unterminated', ['W/"unterminated"']],
    ['W/"1"W/"2"', ['W/"1"', 'W/"2"']],
    ['"", W/""', ['""', 'W/""']],
  ])('%j → %j', (header, expected) => expect(parseEtagList(header)).toEqual(expected));

  it('handles a long header in linear-ish time', () => {
    const header = Array.from({ length: 2000 }, (_, i) => `W/"${i}"`).join(', ');
    expect(parseEtagList(header)).toHaveLength(2000);
  });
});

describe('etagMatches', () => {
  it.each<[string | undefined, string | number, boolean]>([
    ['W/"3"', 3, true],
    ['W/"3"', '3', true],
    ['W/"3"', 'W/"3"', true],
    ['"3"', 3, true],
    ['W/"3"', '"3"', true],
    ['3', 3, true],
    ['W/"2"', 3, false],
    ['W/"1", W/"3"', 3, true],
    ['W/"1", W/"2"', 3, false],
    ['*', 3, true],
    ['*', 'anything', true],
    ['W/"30"', 3, false],
    ['W/"3"', 30, false],
    ['W/"abc"', 'ABC', false],
    [undefined, 3, false],
    ['', 3, false],
  ])('%j vs %j → %s', (header, current, expected) => expect(etagMatches(header, current)).toBe(expected));
});
