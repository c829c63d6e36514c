// Custom schema extensions (issue 3): a directory declares Okta's custom attributes; they round-trip through
// POST, PUT and PATCH (URN paths and no-path URN keys), are type-checked (400 naming the attribute), filterable,
// sortable, and advertised in /Schemas and /ResourceTypes, in that directory only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  GROUP_SCHEMA,
  USER_SCHEMA,
  createUser,
  expectError,
  expectList,
  expectResource,
  expectStatus,
  getResource,
  patch,
  q,
  unique,
} from '../http/helpers.js';
import { OKTA_EXT, OKTA_UA, idsFor, newDirectory, type TestDirectory } from './support.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const oktaSchema = {
  id: OKTA_EXT,
  name: 'OktaCustom',
  description: 'Okta custom attributes',
  attributes: [
    { name: 'costCode', type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' },
    { name: 'level', type: 'integer', multiValued: false },
    { name: 'contractor', type: 'boolean' },
    { name: 'badges', type: 'string', multiValued: true },
  ],
};

const GROUP_EXT = 'urn:example:params:scim:schemas:extension:acme:1.0:Group';
const groupSchema = { id: GROUP_EXT, name: 'AcmeGroup', attributes: [{ name: 'budget', type: 'integer' }] };

const withCustom = (custom: Record<string, unknown>, userName = `${unique('ext')}@example.com`) => ({
  schemas: [USER_SCHEMA, OKTA_EXT],
  userName,
  displayName: userName,
  [OKTA_EXT]: custom,
});

let dir: TestDirectory;
let other: TestDirectory;
beforeAll(async () => {
  dir = await newDirectory(roster, 'ext');
  other = await newDirectory(roster, 'plain');
  await roster.service.schemas.add(await dir.row(), oktaSchema, 'User');
  await roster.service.schemas.add(await dir.row(), groupSchema, 'Group');
});

describe('round trip', () => {
  it('POST stores every type and GET returns it under the extension, with its URN in schemas', async () => {
    const custom = { costCode: 'CC-100', level: 3, contractor: true, badges: ['gold', 'early'] };
    const created = expectResource(await dir.scim('POST', '/Users', withCustom(custom), OKTA_UA), 201, 'User');
    expect(created[OKTA_EXT]).toEqual(custom);
    expect(created.schemas).toContain(OKTA_EXT);
    const fetched = await getResource(dir, `/Users/${created.id}`);
    expect(fetched[OKTA_EXT]).toEqual(custom);
    expect(fetched.schemas).toContain(OKTA_EXT);
  });

  it('attribute names are matched case-insensitively and stored with the declared names', async () => {
    const created = expectResource(await dir.scim('POST', '/Users', {
      schemas: [USER_SCHEMA, OKTA_EXT],
      userName: `${unique('case')}@example.com`,
      [OKTA_EXT]: { COSTCODE: 'cc-x', Level: 1 },
    }), 201, 'User');
    expect(created[OKTA_EXT]).toEqual({ costCode: 'cc-x', level: 1 });
  });

  it('PUT replaces the extension values; leaving the extension out removes them', async () => {
    const user = await createUser(dir, withCustom({ costCode: 'A', level: 1 }));
    const put = await dir.scim('PUT', `/Users/${user.id}`, withCustom({ costCode: 'B', badges: ['x'] }, user.userName));
    expect(expectResource(put, 200, 'User')[OKTA_EXT]).toEqual({ costCode: 'B', badges: ['x'] });
    const bare = await dir.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName });
    const body = expectResource(bare, 200, 'User');
    expect(body[OKTA_EXT]).toBeUndefined();
    expect(body.schemas).not.toContain(OKTA_EXT);
  });

  it('PATCH with URN paths: replace, add (appending to the multi-valued one) and remove', async () => {
    const user = await createUser(dir, withCustom({ costCode: 'P1', level: 2, badges: ['a'] }));
    const res = await dir.scim('PATCH', `/Users/${user.id}`, patch(
      { op: 'replace', path: `${OKTA_EXT}:costCode`, value: 'P2' },
      { op: 'add', path: `${OKTA_EXT}:badges`, value: ['b'] },
      { op: 'remove', path: `${OKTA_EXT}:level` },
      { op: 'add', path: `${OKTA_EXT}:contractor`, value: false },
    ));
    expect(expectResource(res, 200, 'User')[OKTA_EXT]).toEqual({ costCode: 'P2', badges: ['a', 'b'], contractor: false });
    expect((await getResource(dir, `/Users/${user.id}`))[OKTA_EXT]).toEqual({ costCode: 'P2', badges: ['a', 'b'], contractor: false });
  });

  it('PATCH removing one value of the multi-valued attribute by a value filter', async () => {
    const user = await createUser(dir, withCustom({ badges: ['keep', 'drop'] }));
    const res = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'remove', path: `${OKTA_EXT}:badges[value eq "drop"]` }));
    // RFC 7644 value filters on simple multi-valued attributes are rare; either it works or it is a 400, never a 5xx.
    if (res.status === 200) expect(res.body[OKTA_EXT].badges).toEqual(['keep']);
    else expectError(res, 400);
  });

  it('PATCH with no path: URN-qualified keys (Entra) and the extension object as a whole', async () => {
    const user = await createUser(dir, withCustom({ costCode: 'N1', level: 1 }));
    const entra = await dir.scim('PATCH', `/Users/${user.id}`, patch({
      op: 'replace',
      value: { displayName: 'Entra style', [`${OKTA_EXT}:level`]: 7, [`${OKTA_EXT}:contractor`]: 'True' },
    }));
    expect(expectResource(entra, 200, 'User')[OKTA_EXT]).toEqual({ costCode: 'N1', level: 7, contractor: true });
    const whole = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'add', value: { [OKTA_EXT]: { costCode: 'N2', badges: ['z'] } } }));
    expect(expectResource(whole, 200, 'User')[OKTA_EXT]).toEqual({ costCode: 'N2', level: 7, contractor: true, badges: ['z'] });
  });

  it('a PATCH by URN path onto a user without the extension adds it and its URN to schemas', async () => {
    const user = await createUser(dir);
    const res = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'add', path: `${OKTA_EXT}:level`, value: 5 }));
    const body = expectResource(res, 200, 'User');
    expect(body[OKTA_EXT]).toEqual({ level: 5 });
    expect(body.schemas).toContain(OKTA_EXT);
  });

  it('the removal of the last extension value drops the extension URN from schemas', async () => {
    const user = await createUser(dir, withCustom({ costCode: 'only' }));
    const res = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'remove', path: `${OKTA_EXT}:costCode` }));
    const body = expectResource(res, 200, 'User');
    expect(body[OKTA_EXT]).toBeUndefined();
    expect(body.schemas).not.toContain(OKTA_EXT);
  });

  it('attributes and excludedAttributes project extension attributes', async () => {
    const user = await createUser(dir, withCustom({ costCode: 'PR', level: 4 }));
    const only = await getResource(dir, `/Users/${user.id}?attributes=${encodeURIComponent(`${OKTA_EXT}:level`)}`);
    expect(only[OKTA_EXT]).toEqual({ level: 4 });
    expect(only.displayName).toBeUndefined();
    const without = await getResource(dir, `/Users/${user.id}?excludedAttributes=${encodeURIComponent(`${OKTA_EXT}:costCode`)}`);
    expect(without[OKTA_EXT]).toEqual({ level: 4 });
  });

  it('a Group extension round-trips too', async () => {
    const created = await dir.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA, GROUP_EXT], displayName: unique('Budget '), [GROUP_EXT]: { budget: 1000 } });
    expect(expectResource(created, 201, 'Group')[GROUP_EXT]).toEqual({ budget: 1000 });
    const patched = await dir.scim('PATCH', `/Groups/${created.body.id}?attributes=${encodeURIComponent(GROUP_EXT)}`, patch({ op: 'replace', path: `${GROUP_EXT}:budget`, value: 5 }));
    expectStatus(patched, 200);
    expect((await getResource(dir, `/Groups/${created.body.id}`))[GROUP_EXT]).toEqual({ budget: 5 });
    const found = expectList(await dir.scim('GET', `/Groups?filter=${q(`${GROUP_EXT}:budget lt 10`)}`));
    expect(found.map((g) => g.id)).toEqual([created.body.id]);
  });
});

describe('type checks', () => {
  const wrong: [string, Record<string, unknown>][] = [
    ['costCode', { costCode: 12 }],
    ['costCode', { costCode: { nested: 'x' } }],
    ['level', { level: 'ten' }],
    ['level', { level: 1.5 }],
    ['level', { level: true }],
    ['contractor', { contractor: 'yes' }],
    ['contractor', { contractor: 1 }],
    ['badges', { badges: [1, 2] }],
    ['badges', { badges: [{ value: { deep: true } }] }],
  ];

  it.each(wrong)('POST with a wrong %s is a 400 naming it, and creates nothing', async (attribute, custom) => {
    const userName = `${unique('bad')}@example.com`;
    const res = await dir.scim('POST', '/Users', withCustom(custom, userName));
    expectError(res, 400);
    expect(res.body.detail).toMatch(new RegExp(attribute, 'i'));
    expect(await idsFor(dir, `userName eq "${userName}"`)).toEqual([]);
  });

  it.each(wrong)('PATCH with a wrong %s is a 400 naming it, and changes nothing', async (attribute, custom) => {
    const user = await createUser(dir, withCustom({ costCode: 'ok', level: 1, contractor: false, badges: ['fine'] }));
    const [key, value] = Object.entries(custom)[0];
    const byPath = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: `${OKTA_EXT}:${key}`, value }));
    expectError(byPath, 400);
    expect(byPath.body.detail).toMatch(new RegExp(attribute, 'i'));
    const byKey = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { [`${OKTA_EXT}:${key}`]: value } }));
    expectError(byKey, 400);
    expect(byKey.body.detail).toMatch(new RegExp(attribute, 'i'));
    expect((await getResource(dir, `/Users/${user.id}`))[OKTA_EXT]).toEqual({ costCode: 'ok', level: 1, contractor: false, badges: ['fine'] });
  });

  it('a single string for the multi-valued attribute is either accepted as one value or a 400, never stored as a string', async () => {
    const res = await dir.scim('POST', '/Users', withCustom({ badges: 'solo' }));
    if (res.status === 201) expect(res.body[OKTA_EXT].badges).toEqual(['solo']);
    else expectError(res, 400);
  });

  it('undeclared attributes inside a declared extension are dropped, like undeclared core ones', async () => {
    const res = await dir.scim('POST', '/Users', withCustom({ costCode: 'keep', notDeclared: 'drop me' }));
    expect(expectResource(res, 201, 'User')[OKTA_EXT]).toEqual({ costCode: 'keep' });
  });
});

describe('characteristics', () => {
  const EXT = 'urn:example:params:scim:schemas:extension:chars:1.0:User';
  let chars: TestDirectory;
  beforeAll(async () => {
    chars = await newDirectory(roster, 'chars');
    await roster.service.schemas.add(await chars.row(), {
      id: EXT,
      attributes: [
        { name: 'badge', type: 'string', required: true },
        { name: 'pin', type: 'string', mutability: 'writeOnly', returned: 'never' },
        { name: 'score', type: 'integer', mutability: 'readOnly' },
      ],
    });
  });

  it('a required attribute missing from a sent extension is a 400 naming it', async () => {
    const res = await chars.scim('POST', '/Users', { schemas: [USER_SCHEMA, EXT], userName: `${unique('req')}@example.com`, [EXT]: { pin: '1' } });
    expectError(res, 400);
    expect(res.body.detail).toMatch(/badge/);
  });

  it('readOnly values sent by a client are ignored; writeOnly values are stored but never returned', async () => {
    const res = await chars.scim('POST', '/Users', { schemas: [USER_SCHEMA, EXT], userName: `${unique('ro')}@example.com`, [EXT]: { badge: 'b', pin: 'PIN-1', score: 99 } });
    const body = expectResource(res, 201, 'User');
    expect(body[EXT]).toEqual({ badge: 'b' });
    const asked = await getResource(chars, `/Users/${body.id}?attributes=${encodeURIComponent(`${EXT}:pin`)}`);
    expect(JSON.stringify(asked)).not.toContain('PIN-1');
  });
});

describe('filter and sort', () => {
  let sub: TestDirectory;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    sub = await newDirectory(roster, 'extf');
    await roster.service.schemas.add(await sub.row(), oktaSchema, 'User');
    const people: [string, Record<string, unknown>][] = [
      ['two', { costCode: 'CC-1', level: 2, contractor: true, badges: ['gold', 'silver'] }],
      ['ten', { costCode: 'cc-2', level: 10, contractor: false, badges: ['bronze'] }],
      ['nine', { costCode: 'CC-3', level: 9 }],
      ['none', {}],
    ];
    for (const [name, custom] of people) {
      const body = Object.keys(custom).length ? withCustom(custom, `${name}@example.com`) : { schemas: [USER_SCHEMA], userName: `${name}@example.com` };
      ids[name] = (await createUser(sub, body)).id;
    }
  });
  const names = (found: string[]) => Object.entries(ids).filter(([, id]) => found.includes(id)).map(([n]) => n).sort();
  const byFilter = async (filter: string) => names(await idsFor(sub, filter));

  it.each([
    [`${OKTA_EXT}:costCode eq "CC-1"`, ['two']],
    [`${OKTA_EXT}:costCode eq "cc-1"`, ['two']], // caseExact false
    [`${OKTA_EXT}:costCode sw "CC"`, ['nine', 'ten', 'two']],
    [`${OKTA_EXT}:level gt 5`, ['nine', 'ten']], // numeric, not text: "10" > "5"
    [`${OKTA_EXT}:level ge 10`, ['ten']],
    [`${OKTA_EXT}:level lt 9`, ['two']],
    [`${OKTA_EXT}:level eq 2`, ['two']],
    [`${OKTA_EXT}:contractor eq true`, ['two']],
    [`${OKTA_EXT}:contractor eq false`, ['ten']],
    [`${OKTA_EXT}:costCode pr`, ['nine', 'ten', 'two']],
    [`${OKTA_EXT}:badges pr`, ['ten', 'two']],
    [`not (${OKTA_EXT}:level pr)`, ['none']],
    [`${OKTA_EXT}:badges eq "silver"`, ['two']],
    [`${OKTA_EXT}:badges co "ron"`, ['ten']],
    [`${OKTA_EXT}:level gt 1 and ${OKTA_EXT}:contractor eq false`, ['ten']],
    [`${OKTA_EXT}:badges eq "gold" or ${OKTA_EXT}:level eq 9`, ['nine', 'two']],
  ])('%s', async (filter, expected) => {
    expect(await byFilter(filter)).toEqual(expected);
  });

  it('the same filters work in POST /.search', async () => {
    const res = await sub.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `${OKTA_EXT}:level gt 5`,
    });
    expect(names(expectList(res).map((u) => u.id))).toEqual(['nine', 'ten']);
  });

  it('a filter with the wrong type of value is a 400, never an empty 200', async () => {
    const res = await sub.scim('GET', `/Users?filter=${q(`${OKTA_EXT}:level gt "abc"`)}`);
    expect(res.status === 400 || (res.status === 200 && res.body.totalResults === 0)).toBe(true);
    const unknown = await sub.scim('GET', `/Users?filter=${q(`${OKTA_EXT}:nope eq "x"`)}`);
    expectError(unknown, 400, 'invalidFilter');
  });

  it('sortBy the integer sorts numerically, missing values last, both orders', async () => {
    const sorted = async (order: string) => {
      const res = await sub.scim('GET', `/Users?sortBy=${encodeURIComponent(`${OKTA_EXT}:level`)}&sortOrder=${order}`);
      return expectList(res).map((u) => Object.entries(ids).find(([, id]) => id === u.id)![0]);
    };
    expect(await sorted('ascending')).toEqual(['two', 'nine', 'ten', 'none']);
    expect(await sorted('descending')).toEqual(['ten', 'nine', 'two', 'none']);
  });

  it('sortBy the string sorts case-insensitively (caseExact false)', async () => {
    const res = await sub.scim('GET', `/Users?sortBy=${encodeURIComponent(`${OKTA_EXT}:costCode`)}`);
    const order = expectList(res).map((u) => Object.entries(ids).find(([, id]) => id === u.id)![0]);
    expect(order).toEqual(['two', 'ten', 'nine', 'none']);
  });
});

describe('discovery', () => {
  it('/Schemas lists the extension with its attributes and their characteristics', async () => {
    const list = expectList(await dir.scim('GET', '/Schemas'));
    const schema = list.find((s) => s.id === OKTA_EXT);
    expect(schema).toBeDefined();
    expect(schema.name).toBe('OktaCustom');
    const attr = (name: string) => schema.attributes.find((a: any) => a.name === name);
    expect(attr('costCode')).toMatchObject({ type: 'string', multiValued: false, caseExact: false, mutability: 'readWrite', returned: 'default' });
    expect(attr('level')).toMatchObject({ type: 'integer', multiValued: false });
    expect(attr('contractor')).toMatchObject({ type: 'boolean' });
    expect(attr('badges')).toMatchObject({ type: 'string', multiValued: true });
    const one = await dir.scim('GET', `/Schemas/${OKTA_EXT}`);
    expectStatus(one, 200);
    expect(one.body.id).toBe(OKTA_EXT);
  });

  it('/ResourceTypes lists it among User\'s schemaExtensions, and the Group one under Group', async () => {
    const types = expectList(await dir.scim('GET', '/ResourceTypes'));
    const user = types.find((t) => t.name === 'User');
    expect(user.schemaExtensions).toContainEqual({ schema: OKTA_EXT, required: false });
    const group = types.find((t) => t.name === 'Group');
    expect(group.schemaExtensions ?? []).toContainEqual({ schema: GROUP_EXT, required: false });
    expect(user.schemaExtensions.map((e: any) => e.schema)).not.toContain(GROUP_EXT);
    const single = await dir.scim('GET', '/ResourceTypes/User');
    expectStatus(single, 200);
    expect(single.body.schemaExtensions).toContainEqual({ schema: OKTA_EXT, required: false });
  });
});

describe('tenant isolation', () => {
  it('a directory that did not declare it does not advertise it', async () => {
    const schemas = expectList(await other.scim('GET', '/Schemas'));
    expect(schemas.map((s) => s.id)).not.toContain(OKTA_EXT);
    expectError(await other.scim('GET', `/Schemas/${OKTA_EXT}`), 404);
    const types = expectList(await other.scim('GET', '/ResourceTypes'));
    expect(JSON.stringify(types)).not.toContain(OKTA_EXT);
  });

  it('its values are dropped there, and a filter on it is a 400 invalidFilter', async () => {
    const created = await other.scim('POST', '/Users', withCustom({ costCode: 'leak', level: 'not even checked' }));
    const body = expectResource(created, 201, 'User');
    expect(body[OKTA_EXT]).toBeUndefined();
    expect(created.text).not.toContain('leak');
    expectError(await other.scim('GET', `/Users?filter=${q(`${OKTA_EXT}:costCode eq "leak"`)}`), 400, 'invalidFilter');
    expect((await other.scim('GET', `/Users?sortBy=${encodeURIComponent(`${OKTA_EXT}:level`)}`)).status).toBeLessThan(500);
  });

  it('schemas.list shows each directory its own declarations', async () => {
    expect(roster.service.schemas.list(await dir.row()).map((d) => d.schema.id).sort()).toEqual([GROUP_EXT, OKTA_EXT].sort());
    expect(roster.service.schemas.list(await other.row())).toEqual([]);
  });
});

describe('declaring and removing', () => {
  it('rejects schemas that are not RFC 7643 shaped, and built-in ids', async () => {
    const target = await newDirectory(roster, 'bad');
    for (const bad of [
      null,
      [],
      { attributes: [{ name: 'x' }] },
      { id: 'not-a-urn', attributes: [{ name: 'x' }] },
      { id: 'urn:example:x:1.0:User', attributes: [] },
      { id: 'urn:example:x:1.0:User', attributes: [{ name: 'has space' }] },
      { id: 'urn:example:x:1.0:User', attributes: [{ name: 'x', type: 'float' }] },
      { id: 'urn:example:x:1.0:User', attributes: [{ name: 'x' }, { name: 'X' }] },
      { id: 'urn:example:x:1.0:User', attributes: [{ name: 'c', type: 'complex' }] },
      { id: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attributes: [{ name: 'x' }] },
      { id: 'urn:ietf:params:scim:schemas:core:2.0:User', attributes: [{ name: 'x' }] },
    ]) {
      await expect(roster.service.schemas.add(await target.row(), bad), JSON.stringify(bad)).rejects.toThrow();
    }
    expect(roster.service.schemas.list(await target.row())).toEqual([]);
  });

  it('after removal the extension is no longer served, filterable or advertised', async () => {
    const target = await newDirectory(roster, 'rm');
    await roster.service.schemas.add(await target.row(), oktaSchema);
    const user = await createUser(target, withCustom({ costCode: 'gone' }));
    expect(await roster.service.schemas.remove(await target.row(), OKTA_EXT)).toBe(true);
    expect((await getResource(target, `/Users/${user.id}`))[OKTA_EXT]).toBeUndefined();
    expectError(await target.scim('GET', `/Users?filter=${q(`${OKTA_EXT}:costCode eq "gone"`)}`), 400, 'invalidFilter');
    expect(expectList(await target.scim('GET', '/Schemas')).map((s) => s.id)).not.toContain(OKTA_EXT);
  });
});
