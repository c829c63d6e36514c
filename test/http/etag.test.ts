// Versions (RFC 7644 section 3.14): weak ETags equal to meta.version, If-Match on writes, If-None-Match on reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  GROUP_SCHEMA,
  USER_SCHEMA,
  WEAK_ETAG,
  createGroup,
  createUser,
  expectError,
  expectStatus,
  getResource,
  memberIds,
  patch,
} from './helpers.js';

let roster: Roster;
beforeAll(async () => {
  roster = await startRoster();
});
afterAll(async () => {
  await roster?.close();
});

const STALE = 'W/"stale-version"';

describe('ETag', () => {
  it('is advertised in ServiceProviderConfig', async () => {
    const res = await roster.scim('GET', '/ServiceProviderConfig');
    expect(res.body.etag.supported).toBe(true);
  });

  it('is a weak tag equal to meta.version on POST and GET', async () => {
    const user = await createUser(roster);
    expect(user.meta.version).toMatch(WEAK_ETAG);
    const res = await roster.scim('GET', `/Users/${user.id}`);
    expect(res.headers.get('etag')).toBe(user.meta.version);
    expect(res.body.meta.version).toBe(user.meta.version);
  });

  it('changes on PUT, on PATCH, and on a group membership change', async () => {
    const user = await createUser(roster);
    const put = await roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, title: 'T1' });
    expect(put.headers.get('etag')).toBe(put.body.meta.version);
    expect(put.body.meta.version).not.toBe(user.meta.version);
    const patched = await roster.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'T2' }));
    expect(patched.headers.get('etag')).toBe(patched.body.meta.version);
    expect(patched.body.meta.version).not.toBe(put.body.meta.version);

    const group = await createGroup(roster);
    expectStatus(await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: user.id }] })), 204);
    const after = await roster.scim('GET', `/Groups/${group.id}`);
    expect(after.body.meta.version).not.toBe(group.meta.version);
    expect(after.headers.get('etag')).toBe(after.body.meta.version);
  });

  it('does not change on a read', async () => {
    const user = await createUser(roster);
    await getResource(roster, `/Users/${user.id}`);
    expect((await getResource(roster, `/Users/${user.id}`)).meta.version).toBe(user.meta.version);
  });
});

describe('If-None-Match on GET', () => {
  it('answers 304 with no body for the current version', async () => {
    const user = await createUser(roster);
    const res = await roster.scim('GET', `/Users/${user.id}`, undefined, { 'if-none-match': user.meta.version });
    expectStatus(res, 304);
    expect(res.text).toBe('');
  });

  it('answers 200 for a stale version', async () => {
    const user = await createUser(roster);
    const res = await roster.scim('GET', `/Users/${user.id}`, undefined, { 'if-none-match': STALE });
    expectStatus(res, 200);
    expect(res.body.id).toBe(user.id);
  });

  it('answers 200 after the resource changed', async () => {
    const user = await createUser(roster);
    await roster.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'new' }));
    const res = await roster.scim('GET', `/Users/${user.id}`, undefined, { 'if-none-match': user.meta.version });
    expectStatus(res, 200);
    expect(res.body.title).toBe('new');
  });

  it('works for groups', async () => {
    const group = await createGroup(roster);
    expectStatus(await roster.scim('GET', `/Groups/${group.id}`, undefined, { 'if-none-match': group.meta.version }), 304);
  });

  it('answers 404, not 304, for an unknown id', async () => {
    expectError(await roster.scim('GET', '/Users/does-not-exist', undefined, { 'if-none-match': '*' }), 404);
  });
});

describe('If-Match on writes', () => {
  it('PUT with a stale version answers 412 and changes nothing', async () => {
    const user = await createUser(roster, { title: 'Before' });
    const res = await roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, title: 'After' }, { 'if-match': STALE });
    expectError(res, 412);
    expect((await getResource(roster, `/Users/${user.id}`)).title).toBe('Before');
  });

  it('PUT with the current version succeeds, and then that version is stale', async () => {
    const user = await createUser(roster);
    const first = await roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, title: 'One' }, { 'if-match': user.meta.version });
    expectStatus(first, 200);
    const second = await roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, title: 'Two' }, { 'if-match': user.meta.version });
    expectError(second, 412);
    const third = await roster.scim('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName, title: 'Three' }, { 'if-match': first.body.meta.version });
    expectStatus(third, 200);
  });

  it('PATCH with a stale version answers 412 and changes nothing', async () => {
    const user = await createUser(roster, { title: 'Before' });
    const res = await roster.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'After' }), { 'if-match': STALE });
    expectError(res, 412);
    expect((await getResource(roster, `/Users/${user.id}`)).title).toBe('Before');
  });

  it('PATCH with the current version succeeds', async () => {
    const user = await createUser(roster);
    const res = await roster.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'After' }), { 'if-match': user.meta.version });
    expectStatus(res, 200);
    expect(res.body.title).toBe('After');
  });

  it('DELETE with a stale version answers 412 and keeps the resource', async () => {
    const user = await createUser(roster);
    expectError(await roster.scim('DELETE', `/Users/${user.id}`, undefined, { 'if-match': STALE }), 412);
    await getResource(roster, `/Users/${user.id}`);
  });

  it('DELETE with the current version answers 204', async () => {
    const user = await createUser(roster);
    expectStatus(await roster.scim('DELETE', `/Users/${user.id}`, undefined, { 'if-match': user.meta.version }), 204);
    expectError(await roster.scim('GET', `/Users/${user.id}`), 404);
  });

  it('If-Match: * matches any current version', async () => {
    const user = await createUser(roster);
    expectStatus(await roster.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'Star' }), { 'if-match': '*' }), 200);
  });

  it('group PATCH with a stale version answers 412 and keeps the members', async () => {
    const user = await createUser(roster);
    const group = await createGroup(roster);
    const res = await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: user.id }] }), { 'if-match': STALE });
    expectError(res, 412);
    expect(await memberIds(roster, group.id)).toEqual([]);
    const ok = await roster.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: user.id }] }), { 'if-match': group.meta.version });
    expectStatus(ok, 204);
    expect(await memberIds(roster, group.id)).toEqual([user.id]);
  });

  it('group PUT and DELETE honour If-Match', async () => {
    const group = await createGroup(roster);
    expectError(await roster.scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: `${group.displayName} x` }, { 'if-match': STALE }), 412);
    expectError(await roster.scim('DELETE', `/Groups/${group.id}`, undefined, { 'if-match': STALE }), 412);
    expect((await getResource(roster, `/Groups/${group.id}`)).displayName).toBe(group.displayName);
    expectStatus(await roster.scim('DELETE', `/Groups/${group.id}`, undefined, { 'if-match': group.meta.version }), 204);
  });

  it('accepts a list of tags when one of them is current', async () => {
    const user = await createUser(roster);
    const res = await roster.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'Listed' }), { 'if-match': `${STALE}, ${user.meta.version}` });
    expectStatus(res, 200);
  });
});
