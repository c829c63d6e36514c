// attributes / excludedAttributes (RFC 7644 section 3.9, 3.4.2.5) and the `returned` rules of RFC 7643 section 7.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  PATCH_OP,
  SEARCH_REQUEST,
  USER_SCHEMA,
  createGroup,
  createUser,
  expectList,
  expectStatus,
  q,
  unique,
} from './helpers.js';

let roster: Roster;
let user: any;
let group: any;
let manager: any;

beforeAll(async () => {
  roster = await startRoster();
  manager = await createUser(roster);
  user = await createUser(roster, {
    userName: `${unique('proj')}@example.com`,
    externalId: 'proj-ext',
    name: { givenName: 'Pat', familyName: 'Jones', middleName: 'Q' },
    displayName: 'Pat Jones',
    title: 'Analyst',
    active: true,
    password: 'Never!Shown1',
    emails: [
      { value: 'pat@work.example', type: 'work', primary: true },
      { value: 'pat@home.example', type: 'home' },
    ],
    [ENTERPRISE]: { employeeNumber: '77', department: 'Finance', manager: { value: manager.id } },
  });
  group = await createGroup(roster, { members: [{ value: user.id }] });
});
afterAll(async () => {
  await roster?.close();
});

async function getUser(query: string): Promise<any> {
  const res = await roster.scim('GET', `/Users/${user.id}?${query}`);
  expectStatus(res, 200);
  expect(res.text).not.toContain('Never!Shown1');
  return res.body;
}

describe('attributes', () => {
  it('returns only the asked attributes plus id', async () => {
    const body = await getUser('attributes=userName');
    expect(body.id).toBe(user.id);
    expect(body.userName).toBe(user.userName);
    for (const key of ['name', 'displayName', 'emails', 'title', 'active', 'externalId', 'groups', ENTERPRISE]) expect(body, key).not.toHaveProperty([key]);
  });

  it('accepts several attributes separated by commas', async () => {
    const body = await getUser('attributes=userName,displayName,active');
    expect(body).toMatchObject({ id: user.id, userName: user.userName, displayName: 'Pat Jones', active: true });
    expect(body).not.toHaveProperty('emails');
  });

  it('accepts attribute names in any case and answers in schema case', async () => {
    const body = await getUser('attributes=USERNAME,DisplayName');
    expect(body.userName).toBe(user.userName);
    expect(body.displayName).toBe('Pat Jones');
    expect(body).not.toHaveProperty('USERNAME');
  });

  it('narrows a complex attribute to a sub-attribute', async () => {
    const body = await getUser('attributes=name.givenName');
    expect(body.name).toEqual({ givenName: 'Pat' });
  });

  it('narrows a multi-valued attribute to a sub-attribute of each element', async () => {
    const body = await getUser('attributes=emails.value');
    expect(body.emails).toEqual([{ value: 'pat@work.example' }, { value: 'pat@home.example' }]);
  });

  it('returns the whole complex attribute when named', async () => {
    const body = await getUser('attributes=name');
    expect(body.name).toEqual({ givenName: 'Pat', familyName: 'Jones', middleName: 'Q' });
  });

  it('accepts a core attribute by its full URN', async () => {
    const body = await getUser(`attributes=${encodeURIComponent(`${USER_SCHEMA}:userName`)}`);
    expect(body.userName).toBe(user.userName);
    expect(body).not.toHaveProperty('displayName');
  });

  it('returns an enterprise attribute by its URN, and nothing else of the extension', async () => {
    const body = await getUser(`attributes=${encodeURIComponent(`${ENTERPRISE}:employeeNumber`)}`);
    expect(body[ENTERPRISE]).toEqual({ employeeNumber: '77' });
    expect(body).not.toHaveProperty('userName');
  });

  it('returns an enterprise sub-attribute by its URN', async () => {
    const body = await getUser(`attributes=${encodeURIComponent(`${ENTERPRISE}:manager.value`)}`);
    expect(body[ENTERPRISE]).toEqual({ manager: { value: manager.id } });
  });

  it('returns the whole extension when its URN is named', async () => {
    const body = await getUser(`attributes=${encodeURIComponent(ENTERPRISE)}`);
    expect(body[ENTERPRISE]).toMatchObject({ employeeNumber: '77', department: 'Finance', manager: { value: manager.id } });
    expect(body).not.toHaveProperty('userName');
  });

  it('never returns password, even when asked', async () => {
    const body = await getUser('attributes=password,userName');
    expect(body).not.toHaveProperty('password');
    expect(body.userName).toBe(user.userName);
  });

  it('returns groups when asked', async () => {
    const body = await getUser('attributes=groups');
    expect(body.groups.map((g: any) => g.value)).toEqual([group.id]);
  });

  it('returns id even when only id is asked', async () => {
    const body = await getUser('attributes=id');
    expect(body.id).toBe(user.id);
    expect(body).not.toHaveProperty('userName');
  });

  it('projects every resource of a list', async () => {
    const res = await roster.scim('GET', `/Users?filter=${q(`userName eq "${user.userName}"`)}&attributes=displayName`);
    const list = expectList(res);
    expect(list).toHaveLength(1);
    expect(list[0].id).toBe(user.id);
    expect(list[0].displayName).toBe('Pat Jones');
    expect(list[0]).not.toHaveProperty('userName');
    expect(list[0]).not.toHaveProperty('emails');
  });

  it('projects a .search answer with attributes in the body', async () => {
    const res = await roster.scim('POST', '/Users/.search', {
      schemas: [SEARCH_REQUEST],
      filter: `id eq "${user.id}"`,
      attributes: ['name.familyName'],
    });
    const list = expectList(res);
    expect(list[0].name).toEqual({ familyName: 'Jones' });
    expect(list[0]).not.toHaveProperty('userName');
  });

  it('projects the answer of POST, PUT and user PATCH', async () => {
    const post = await roster.scim('POST', '/Users?attributes=userName', { schemas: [USER_SCHEMA], userName: unique('pp'), displayName: 'Hidden' });
    expectStatus(post, 201);
    expect(post.body.id).toBeDefined();
    expect(post.body).not.toHaveProperty('displayName');
    const put = await roster.scim('PUT', `/Users/${post.body.id}?attributes=displayName`, { schemas: [USER_SCHEMA], userName: post.body.userName, displayName: 'Shown', title: 'T' });
    expectStatus(put, 200);
    expect(put.body).toMatchObject({ id: post.body.id, displayName: 'Shown' });
    expect(put.body).not.toHaveProperty('title');
    const patch = await roster.scim('PATCH', `/Users/${post.body.id}?excludedAttributes=title`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'nickName', value: 'Nick' }],
    });
    expectStatus(patch, 200);
    expect(patch.body.nickName).toBe('Nick');
    expect(patch.body).not.toHaveProperty('title');
  });

  it('ignores an unknown attribute name without failing', async () => {
    const res = await roster.scim('GET', `/Users/${user.id}?attributes=userName,shoeSize`);
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) expect(res.body).not.toHaveProperty('shoeSize');
  });
});

describe('excludedAttributes', () => {
  it('leaves out the named attributes and keeps the rest', async () => {
    const body = await getUser('excludedAttributes=emails,name');
    expect(body).not.toHaveProperty('emails');
    expect(body).not.toHaveProperty('name');
    expect(body).toMatchObject({ id: user.id, userName: user.userName, displayName: 'Pat Jones', title: 'Analyst' });
    expect(body[ENTERPRISE].employeeNumber).toBe('77');
  });

  it('leaves out only the named sub-attribute', async () => {
    const body = await getUser('excludedAttributes=name.familyName');
    expect(body.name).toEqual({ givenName: 'Pat', middleName: 'Q' });
  });

  it('never leaves out id (returned: always)', async () => {
    const body = await getUser('excludedAttributes=id,displayName');
    expect(body.id).toBe(user.id);
    expect(body).not.toHaveProperty('displayName');
  });

  it('leaves out an enterprise attribute by its URN', async () => {
    const body = await getUser(`excludedAttributes=${encodeURIComponent(`${ENTERPRISE}:department`)}`);
    expect(body[ENTERPRISE]).toMatchObject({ employeeNumber: '77' });
    expect(body[ENTERPRISE]).not.toHaveProperty('department');
  });

  it('leaves out the whole extension by its URN', async () => {
    const body = await getUser(`excludedAttributes=${encodeURIComponent(ENTERPRISE)}`);
    expect(body).not.toHaveProperty([ENTERPRISE]);
    expect(body.userName).toBe(user.userName);
  });

  it('leaves out groups of a user', async () => {
    const body = await getUser('excludedAttributes=groups');
    expect(body).not.toHaveProperty('groups');
  });

  it('leaves out members of a group, in GET and in lists', async () => {
    const one = await roster.scim('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expectStatus(one, 200);
    expect(one.body).not.toHaveProperty('members');
    expect(one.body.displayName).toBe(group.displayName);
    const list = expectList(await roster.scim('GET', `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${group.displayName}"`)}`));
    expect(list[0]).not.toHaveProperty('members');
  });

  it('returns only members with attributes=members on a group', async () => {
    const res = await roster.scim('GET', `/Groups/${group.id}?attributes=members`);
    expectStatus(res, 200);
    expect(res.body.members.map((m: any) => m.value)).toEqual([user.id]);
    expect(res.body).not.toHaveProperty('displayName');
  });

  it('returns members.value only with attributes=members.value', async () => {
    const res = await roster.scim('GET', `/Groups/${group.id}?attributes=members.value`);
    expectStatus(res, 200);
    expect(res.body.members).toEqual([{ value: user.id }]);
  });
});
