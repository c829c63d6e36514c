// Users: create, read, replace and delete over HTTP, as RFC 7644 sections 3.3 to 3.6 and issue 2 describe them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ENTERPRISE,
  USER_SCHEMA,
  createUser,
  expectError,
  expectList,
  expectResource,
  expectStatus,
  getResource,
  q,
  unique,
} from './helpers.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const fullUser = (userName: string) => ({
  schemas: [USER_SCHEMA, ENTERPRISE],
  userName,
  externalId: `ext-${userName}`,
  name: { givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane', formatted: 'Ms. Barbara J Jensen III' },
  displayName: 'Babs Jensen',
  nickName: 'Babs',
  profileUrl: 'https://login.example.com/bjensen',
  title: 'Tour Guide',
  userType: 'Employee',
  preferredLanguage: 'en-US',
  locale: 'en-US',
  timezone: 'America/Los_Angeles',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'US', primary: true }],
  roles: [{ value: 'tour-guide' }],
  [ENTERPRISE]: { employeeNumber: '701984', costCenter: '4130', organization: 'Universal Studios', division: 'Theme Park', department: 'Tour Operations' },
});

describe('POST /Users', () => {
  it('answers 201 with Location, a weak ETag and the full resource', async () => {
    const userName = `${unique('create')}@example.com`;
    const res = await roster.scim('POST', '/Users', fullUser(userName));
    const user = expectResource(res, 201, 'User');
    expect(user.meta.location.startsWith(roster.baseUrl + '/Users/')).toBe(true);
    expect(user.meta.created).toBe(user.meta.lastModified);
    expect(user).toMatchObject({
      userName,
      externalId: `ext-${userName}`,
      name: { givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane' },
      displayName: 'Babs Jensen',
      nickName: 'Babs',
      title: 'Tour Guide',
      locale: 'en-US',
      timezone: 'America/Los_Angeles',
      active: true,
      phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
      roles: [{ value: 'tour-guide' }],
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' },
    });
    expect(user.emails).toHaveLength(2);
    expect(user.emails).toContainEqual(expect.objectContaining({ value: 'bjensen@example.com', type: 'work', primary: true }));
    expect(user.addresses[0]).toMatchObject({ locality: 'Hollywood', postalCode: '91608' });
    expect(user.schemas).toContain(ENTERPRISE);
  });

  it('answers a minimal user with only userName', async () => {
    const userName = unique('minimal');
    const user = expectResource(await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName }), 201, 'User');
    expect(user.userName).toBe(userName);
    expect(user.schemas).not.toContain(ENTERPRISE);
  });

  it('GET returns what POST returned', async () => {
    const created = await createUser(roster, fullUser(`${unique('roundtrip')}@example.com`));
    const res = await roster.scim('GET', `/Users/${created.id}`);
    const fetched = expectResource(res, 200, 'User');
    expect(fetched).toEqual(created);
  });

  it('never returns password, in POST, GET, list or search answers', async () => {
    const userName = unique('pw');
    const created = await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, password: 'S3cret!Pass' });
    expectStatus(created, 201);
    expect(created.text).not.toContain('S3cret!Pass');
    expect(created.body).not.toHaveProperty('password');
    const id = created.body.id;
    for (const path of [`/Users/${id}`, `/Users/${id}?attributes=password`, `/Users?filter=${q(`userName eq "${userName}"`)}`]) {
      const res = await roster.scim('GET', path);
      expectStatus(res, 200);
      expect(res.text, path).not.toContain('S3cret!Pass');
      expect(res.text.toLowerCase(), path).not.toContain('"password"');
    }
    const search = await roster.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `userName eq "${userName}"`,
      attributes: ['password', 'userName'],
    });
    expectStatus(search, 200);
    expect(search.text.toLowerCase()).not.toContain('"password"');
  });

  it('ignores a client-supplied id and meta (read-only)', async () => {
    const res = await roster.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: unique('ro'),
      id: 'client-chosen-id',
      meta: { resourceType: 'Group', created: '1999-01-01T00:00:00Z', version: 'W/"x"' },
    });
    const user = expectResource(res, 201, 'User');
    expect(user.id).not.toBe('client-chosen-id');
    expect(user.meta.created).not.toBe('1999-01-01T00:00:00Z');
    expect(user.meta.version).not.toBe('W/"x"');
    expectError(await roster.scim('GET', '/Users/client-chosen-id'), 404);
  });

  it('ignores the read-only groups attribute on create', async () => {
    const res = await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('grp'), groups: [{ value: 'nope' }] });
    const user = expectResource(res, 201, 'User');
    expect(user.groups ?? []).toEqual([]);
  });

  it('drops unknown attributes silently and tolerates unknown schema URIs', async () => {
    const userName = unique('unknown');
    const res = await roster.scim('POST', '/Users', {
      schemas: [USER_SCHEMA, 'urn:example:params:scim:schemas:extension:acme:2.0:User'],
      userName,
      favouriteColour: 'blue',
      name: { givenName: 'Ann', shoeSize: 42 },
      'urn:example:params:scim:schemas:extension:acme:2.0:User': { badge: '7' },
    });
    const user = expectResource(res, 201, 'User');
    const fetched = await getResource(roster, `/Users/${user.id}`);
    for (const body of [user, fetched]) {
      expect(JSON.stringify(body)).not.toContain('favouriteColour');
      expect(JSON.stringify(body)).not.toContain('shoeSize');
      expect(JSON.stringify(body)).not.toContain('badge');
      expect(body.name).toEqual({ givenName: 'Ann' });
    }
  });

  it('keeps unusual but valid userNames exactly', async () => {
    for (const userName of [
      `o'brien+tag_${unique('x')}@example.com`,
      `100%_${unique('pct')}`,
      `Zoë-${unique('uni')}-名前-🚀`,
      `CORP\\${unique('back')}`,
      `quote"${unique('q')}`,
    ]) {
      const user = await createUser(roster, { userName });
      expect(user.userName).toBe(userName);
      const found = expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq ${JSON.stringify(userName)}`)}`));
      expect(found.map((u) => u.id), userName).toEqual([user.id]);
    }
  });

  it('answers 409 uniqueness for a duplicate userName, in any case', async () => {
    const userName = `${unique('Dup')}@Example.com`;
    await createUser(roster, { userName });
    expectError(await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName }), 409, 'uniqueness');
    expectError(await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: userName.toUpperCase() }), 409, 'uniqueness');
    expectError(await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: userName.toLowerCase() }), 409, 'uniqueness');
    const found = expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`));
    expect(found).toHaveLength(1);
  });

  it('answers 400 naming userName when it is missing or empty', async () => {
    for (const body of [{ schemas: [USER_SCHEMA] }, { schemas: [USER_SCHEMA], displayName: 'No Name' }, { schemas: [USER_SCHEMA], userName: null }]) {
      const res = await roster.scim('POST', '/Users', body);
      expectError(res, 400, 'invalidValue');
      expect(res.body.detail.toLowerCase()).toContain('username');
    }
  });

  it.each([
    ['userName as a number', { userName: 12345 }, 'username'],
    ['userName as an object', { userName: { value: 'x' } }, 'username'],
    ['active as a word', { active: 'yes' }, 'active'],
    ['active as a number', { active: 1 }, 'active'],
    ['name as a string', { name: 'Jane Doe' }, 'name'],
    ['emails as a string', { emails: 'jane@example.com' }, 'emails'],
    ['emails element as a string', { emails: ['jane@example.com'] }, 'emails'],
    ['displayName as an array', { displayName: ['a', 'b'] }, 'displayname'],
    ['emails primary as a word', { emails: [{ value: 'a@b.c', primary: 'maybe' }] }, 'primary'],
  ])('answers 400 invalidValue naming the attribute for %s', async (_label, extra, attribute) => {
    const res = await roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: unique('type'), ...extra });
    expectError(res, 400, 'invalidValue');
    expect(res.body.detail.toLowerCase()).toContain(attribute);
  });

  it('accepts attribute names in any case and returns them in schema case', async () => {
    const userName = unique('case');
    const res = await roster.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      USERNAME: userName,
      DisplayName: 'Case Test',
      NAME: { GivenName: 'Cee' },
    });
    const user = expectResource(res, 201, 'User');
    expect(user.userName).toBe(userName);
    expect(user.displayName).toBe('Case Test');
    expect(user.name).toEqual({ givenName: 'Cee' });
    expect(user).not.toHaveProperty('USERNAME');
    expect(user).not.toHaveProperty('DisplayName');
  });
});

describe('GET /Users/{id}', () => {
  it('answers 404 with an Error body for an unknown id', async () => {
    expectError(await roster.scim('GET', '/Users/00000000-0000-4000-8000-000000000000'), 404);
    expectError(await roster.scim('GET', '/Users/does-not-exist'), 404);
  });

  it('answers 404 for /Users/0 (Ping probe)', async () => {
    expectError(await roster.scim('GET', '/Users/0'), 404);
  });

  it('does not find a user by userName or externalId in the id position', async () => {
    const user = await createUser(roster, { externalId: unique('ext') });
    expectError(await roster.scim('GET', `/Users/${encodeURIComponent(user.userName)}`), 404);
    expectError(await roster.scim('GET', `/Users/${encodeURIComponent(user.externalId)}`), 404);
  });

  it('treats ids case-sensitively', async () => {
    const user = await createUser(roster);
    const upper = user.id.toUpperCase();
    if (upper !== user.id) expectError(await roster.scim('GET', `/Users/${upper}`), 404);
  });
});

describe('PUT /Users/{id}', () => {
  it('replaces the resource: new values in, omitted values gone, id and created kept', async () => {
    const created = await createUser(roster, fullUser(`${unique('put')}@example.com`));
    await new Promise((r) => setTimeout(r, 5));
    const replacement = {
      schemas: [USER_SCHEMA],
      userName: created.userName,
      name: { givenName: 'Barbara', familyName: 'Smith' },
      displayName: 'Barbara Smith',
      active: false,
      emails: [{ value: 'barbara@smith.example', type: 'home' }],
    };
    const res = await roster.scim('PUT', `/Users/${created.id}`, replacement);
    const user = expectResource(res, 200, 'User');
    expect(user.id).toBe(created.id);
    expect(user.meta.created).toBe(created.meta.created);
    expect(Date.parse(user.meta.lastModified)).toBeGreaterThanOrEqual(Date.parse(created.meta.lastModified));
    expect(user.meta.version).not.toBe(created.meta.version);
    expect(user).toMatchObject({ displayName: 'Barbara Smith', active: false, name: { givenName: 'Barbara', familyName: 'Smith' } });
    expect(user.name).not.toHaveProperty('middleName');
    expect(user).not.toHaveProperty('nickName');
    expect(user).not.toHaveProperty('title');
    expect(user).not.toHaveProperty('phoneNumbers');
    expect(user).not.toHaveProperty([ENTERPRISE]);
    expect(user.emails).toEqual([expect.objectContaining({ value: 'barbara@smith.example', type: 'home' })]);
    expect(await getResource(roster, `/Users/${created.id}`)).toEqual(user);
  });

  it('accepts the GET answer sent back whole (read-only attributes ignored)', async () => {
    const created = await createUser(roster, { displayName: 'Before' });
    const fetched = await getResource(roster, `/Users/${created.id}`);
    const res = await roster.scim('PUT', `/Users/${created.id}`, { ...fetched, displayName: 'After' });
    const user = expectResource(res, 200, 'User');
    expect(user.displayName).toBe('After');
  });

  it('ignores a different id in the body', async () => {
    const created = await createUser(roster);
    const res = await roster.scim('PUT', `/Users/${created.id}`, { schemas: [USER_SCHEMA], id: 'another-id', userName: created.userName, title: 'X' });
    const user = expectResource(res, 200, 'User');
    expect(user.id).toBe(created.id);
    expect(user.title).toBe('X');
  });

  it('allows changing the case of its own userName', async () => {
    const created = await createUser(roster, { userName: `${unique('self')}@example.com` });
    const res = await roster.scim('PUT', `/Users/${created.id}`, { schemas: [USER_SCHEMA], userName: created.userName.toUpperCase() });
    expect(expectResource(res, 200, 'User').userName).toBe(created.userName.toUpperCase());
  });

  it("answers 409 when taking another user's userName", async () => {
    const a = await createUser(roster);
    const b = await createUser(roster);
    const res = await roster.scim('PUT', `/Users/${b.id}`, { schemas: [USER_SCHEMA], userName: a.userName.toUpperCase() });
    expectError(res, 409, 'uniqueness');
    expect((await getResource(roster, `/Users/${b.id}`)).userName).toBe(b.userName);
  });

  it('answers 400 when userName is missing, and changes nothing', async () => {
    const created = await createUser(roster, { displayName: 'Kept' });
    const res = await roster.scim('PUT', `/Users/${created.id}`, { schemas: [USER_SCHEMA], displayName: 'Lost' });
    expectError(res, 400, 'invalidValue');
    expect(res.body.detail.toLowerCase()).toContain('username');
    expect((await getResource(roster, `/Users/${created.id}`)).displayName).toBe('Kept');
  });

  it('answers 404 for an unknown id', async () => {
    expectError(await roster.scim('PUT', '/Users/does-not-exist', { schemas: [USER_SCHEMA], userName: unique('ghost') }), 404);
  });

  it('stores a password given on PUT without returning it', async () => {
    const created = await createUser(roster);
    const res = await roster.scim('PUT', `/Users/${created.id}`, { schemas: [USER_SCHEMA], userName: created.userName, password: 'Put!Secret9' });
    expectResource(res, 200, 'User');
    expect(res.text).not.toContain('Put!Secret9');
  });
});

describe('DELETE /Users/{id}', () => {
  it('answers 204 with no body, then 404 on GET, PUT, PATCH and DELETE', async () => {
    const user = await createUser(roster);
    const res = await roster.scim('DELETE', `/Users/${user.id}`);
    expectStatus(res, 204);
    expect(res.text).toBe('');
    expectError(await roster.scim('GET', `/Users/${user.id}`), 404);
    expectError(await roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName }), 404);
    expectError(
      await roster.scim('PATCH', `/Users/${user.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
      404,
    );
    expectError(await roster.scim('DELETE', `/Users/${user.id}`), 404);
  });

  it('frees the userName for a new user', async () => {
    const user = await createUser(roster);
    expectStatus(await roster.scim('DELETE', `/Users/${user.id}`), 204);
    const again = await createUser(roster, { userName: user.userName });
    expect(again.id).not.toBe(user.id);
    expect(expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${user.userName}"`)}`))).toHaveLength(1);
  });

  it('removes the user from lists and counts', async () => {
    const tag = unique('del');
    const a = await createUser(roster, { userName: `${tag}-a` });
    await createUser(roster, { userName: `${tag}-b` });
    expectStatus(await roster.scim('DELETE', `/Users/${a.id}`), 204);
    const res = await roster.scim('GET', `/Users?filter=${q(`userName sw "${tag}"`)}`);
    const list = expectList(res);
    expect(res.body.totalResults).toBe(1);
    expect(list.map((u) => u.userName)).toEqual([`${tag}-b`]);
  });
});
