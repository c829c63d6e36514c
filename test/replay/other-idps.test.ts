// Replays for the other clients of ../shared/idp-clients.md: OneLogin, JumpCloud, Ping and Google Workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  PATCH_OP,
  USER_SCHEMA,
  createUser,
  directoryClient,
  expectError,
  expectList,
  expectResource,
  expectStatus,
  q,
  sorted,
  type ScimClient,
} from '../http/helpers.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

/** Each client provisions into its own directory so that counts are its own. */
async function directory(slug: string): Promise<ScimClient> {
  const dir = await roster.createDirectory(`${slug}-${Math.random().toString(36).slice(2, 8)}`);
  return directoryClient(dir.baseUrl, dir.token);
}

describe('OneLogin (admin-edited JSON templates)', () => {
  let onelogin: ScimClient;
  beforeAll(async () => {
    onelogin = await directory('onelogin');
  });

  it('accepts a user whose schemas list SCIM 1.0 and custom URIs, dropping the custom attributes', async () => {
    const res = await onelogin.scim('POST', '/Users', {
      schemas: ['urn:scim:schemas:core:1.0', USER_SCHEMA, 'urn:scim:my:custom:schema'],
      userName: 'kim.lee@onelogin.example',
      name: { givenName: 'Kim', familyName: 'Lee' },
      emails: [{ value: 'kim.lee@onelogin.example', primary: true }],
      externalId: '123456789',
      'urn:scim:my:custom:schema': { costCode: 'CC-9', badge: 'B-1' },
      customAttribute: 'y',
    });
    const user = expectResource(res, 201, 'User');
    expect(user).toMatchObject({ userName: 'kim.lee@onelogin.example', name: { givenName: 'Kim', familyName: 'Lee' }, externalId: '123456789' });
    expect(JSON.stringify(user)).not.toMatch(/costCode|customAttribute/);
  });

  it('accepts a template whose only schema URI is urn:scim:schemas:core:1.0', async () => {
    const res = await onelogin.scim('POST', '/Users', {
      schemas: ['urn:scim:schemas:core:1.0'],
      userName: 'old.template@onelogin.example',
      displayName: 'Old Template',
    });
    const user = expectResource(res, 201, 'User');
    expect(user.displayName).toBe('Old Template');
    expect(user.schemas).toContain(USER_SCHEMA);
  });

  it('accepts a template with no schemas at all', async () => {
    const res = await onelogin.scim('POST', '/Users', { userName: 'no.schemas@onelogin.example' });
    expect(res.status === 201 || res.status === 400, res.text).toBe(true);
    if (res.status === 400) expectError(res, 400);
  });

  it('accepts a custom schema URI on an update too', async () => {
    const user = await createUser(onelogin, { userName: 'upd@onelogin.example' });
    const res = await onelogin.scim('PUT', `/Users/${user.id}`, {
      schemas: [USER_SCHEMA, 'urn:scim:my:custom:schema'],
      userName: 'upd@onelogin.example',
      title: 'Updated',
      'urn:scim:my:custom:schema': { costCode: 'x' },
    });
    expect(expectResource(res, 200, 'User').title).toBe('Updated');
  });

  it('deleting a group in OneLogin sends nothing, so the group stays', async () => {
    const res = await onelogin.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'OneLogin Role' });
    const group = expectResource(res, 201, 'Group');
    expectStatus(await onelogin.scim('GET', `/Groups/${group.id}`), 200);
  });
});

describe('JumpCloud', () => {
  let jumpcloud: ScimClient;
  beforeAll(async () => {
    jumpcloud = await directory('jumpcloud');
  });

  it('"Test Connection" creates a test user and a test group, then deletes both', async () => {
    const userRes = await jumpcloud.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'jctest-connection@jumpcloud.example',
      name: { givenName: 'JumpCloud', familyName: 'Test' },
      emails: [{ value: 'jctest-connection@jumpcloud.example', type: 'work', primary: true }],
      active: true,
    });
    const user = expectResource(userRes, 201, 'User');
    const groupRes = await jumpcloud.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'JumpCloud Test Group', members: [] });
    const group = expectResource(groupRes, 201, 'Group');

    const delUser = await jumpcloud.scim('DELETE', `/Users/${user.id}`);
    expectStatus(delUser, 204);
    const delGroup = await jumpcloud.scim('DELETE', `/Groups/${group.id}`);
    expectStatus(delGroup, 204);
    expectError(await jumpcloud.scim('GET', `/Users/${user.id}`), 404);
    expectError(await jumpcloud.scim('GET', `/Groups/${group.id}`), 404);

    // The next Test Connection uses the same names again.
    expectStatus(await jumpcloud.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'jctest-connection@jumpcloud.example', active: true }), 201);
    expectStatus(await jumpcloud.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'JumpCloud Test Group', members: [] }), 201);
  });

  it('the deactivate fallback works: replace active false', async () => {
    const user = await createUser(jumpcloud, { userName: 'fallback@jumpcloud.example', active: true });
    const res = await jumpcloud.scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expectStatus(res, 200);
    expect(res.body.active).toBe(false);
  });

  it('membership PATCHes in the Entra default form: members with a value list, no filter', async () => {
    const users = [];
    for (const name of ['a', 'b', 'c']) users.push(await createUser(jumpcloud, { userName: `${name}@jumpcloud.example` }));
    const group = expectResource(await jumpcloud.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'JC Engineering', members: [] }), 201, 'Group');
    const add = await jumpcloud.scim('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: users.map((u) => ({ value: u.id })) }],
    });
    expectStatus(add, 204);
    const remove = await jumpcloud.scim('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'members', value: [{ value: users[1].id }] }],
    });
    expectStatus(remove, 204);
    const fetched = await jumpcloud.scim('GET', `/Groups/${group.id}`);
    expect(sorted(fetched.body.members.map((m: any) => m.value))).toEqual(sorted([users[0].id, users[2].id]));
  });
});

describe('Ping (PingFederate SCIM provisioner)', () => {
  let ping: ScimClient;
  beforeAll(async () => {
    ping = await directory('ping');
  });

  it('the GET /Users/0 probe answers 404 with a SCIM Error body', async () => {
    const res = await ping.scim('GET', '/Users/0');
    expectError(res, 404);
    expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  });

  it('matches on userName, creates when absent, then finds the created user', async () => {
    const lookup = await ping.scim('GET', `/Users?filter=${q('userName eq "sam.ping@example.com"')}`);
    expectList(lookup);
    expect(lookup.body.totalResults).toBe(0);
    const created = expectResource(
      await ping.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'sam.ping@example.com',
        name: { givenName: 'Sam', familyName: 'Ping' },
        emails: [{ value: 'sam.ping@example.com', type: 'work', primary: true }],
        externalId: 'ping-42',
        active: true,
      }),
      201,
      'User',
    );
    const again = await ping.scim('GET', `/Users?filter=${q('userName eq "sam.ping@example.com"')}`);
    expect(expectList(again).map((u) => u.id)).toEqual([created.id]);
  });

  it('matches with another configured filter expression', async () => {
    const byExternal = await ping.scim('GET', `/Users?filter=${q('externalId eq "ping-42"')}`);
    expect(expectList(byExternal)).toHaveLength(1);
    const byEmail = await ping.scim('GET', `/Users?filter=${q('emails.value eq "SAM.PING@example.com"')}`);
    expect(expectList(byEmail)).toHaveLength(1);
  });

  it('"remove user action" disable: active false', async () => {
    const found = expectList(await ping.scim('GET', `/Users?filter=${q('userName eq "sam.ping@example.com"')}`))[0];
    const res = await ping.scim('PATCH', `/Users/${found.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expectStatus(res, 200);
    expect(res.body.active).toBe(false);
    const put = await ping.scim('PUT', `/Users/${found.id}`, { ...res.body, active: true });
    expect(expectResource(put, 200, 'User').active).toBe(true);
  });

  it('"remove user action" delete: DELETE answers 204, then 404', async () => {
    const found = expectList(await ping.scim('GET', `/Users?filter=${q('userName eq "sam.ping@example.com"')}`))[0];
    expectStatus(await ping.scim('DELETE', `/Users/${found.id}`), 204);
    expectError(await ping.scim('GET', `/Users/${found.id}`), 404);
  });
});

describe('Google Workspace', () => {
  let google: ScimClient;
  beforeAll(async () => {
    google = await directory('google');
  });

  it('the GET /Users?count=1 probe answers a ListResponse on an empty directory', async () => {
    const res = await google.scim('GET', '/Users?count=1');
    expect(expectList(res)).toEqual([]);
    expect(res.body.totalResults).toBe(0);
  });

  it('the probe answers at most one user and the true total', async () => {
    await createUser(google, { userName: 'g1@google.example' });
    await createUser(google, { userName: 'g2@google.example' });
    const res = await google.scim('GET', '/Users?count=1');
    const list = expectList(res);
    expect(list).toHaveLength(1);
    expect(res.body).toMatchObject({ totalResults: 2, itemsPerPage: 1, startIndex: 1 });
    expect(list[0].userName).toBe('g1@google.example');
  });
});
