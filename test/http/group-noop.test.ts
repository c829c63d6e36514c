import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';

// A PATCH whose member changes all turn out to be no-ops (adding a member twice, removing a stranger) leaves
// the group as it was: same version, no history entry, nothing for outbound sync to deliver.
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('group PATCH that changes nothing', () => {
  let roster: Roster;
  let member: string;
  let stranger: string;
  let group: string;

  beforeAll(async () => {
    roster = await startRoster();
    member = (await roster.scim('POST', '/Users', { schemas: [USER], userName: 'member@example.com' })).body.id;
    stranger = (await roster.scim('POST', '/Users', { schemas: [USER], userName: 'stranger@example.com' })).body.id;
    group = (await roster.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Team', members: [{ value: member }] })).body.id;
  });
  afterAll(async () => roster?.close());

  const historyLength = async () => {
    const directory = (await roster.service.tenants.findDirectory('default'))!;
    return (await roster.service.history.list(directory, { resourceId: group })).length;
  };

  it.each([
    ['removing a non-member', () => ({ op: 'remove', path: `members[value eq "${stranger}"]` })],
    ['adding a present member', () => ({ op: 'add', path: 'members', value: [{ value: member }] })],
  ])('%s keeps the version and records nothing', async (_name, op) => {
    const before = await roster.scim('GET', `/Groups/${group}`);
    const entries = await historyLength();
    const patched = await roster.scim('PATCH', `/Groups/${group}`, { schemas: [PATCH], Operations: [op()] });
    expect(patched.status).toBe(204);
    const after = await roster.scim('GET', `/Groups/${group}`);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.body.meta.lastModified).toBe(before.body.meta.lastModified);
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([member]);
    expect(await historyLength()).toBe(entries);
  });

  it('still versions a real change', async () => {
    const before = await roster.scim('GET', `/Groups/${group}`);
    const patched = await roster.scim('PATCH', `/Groups/${group}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: stranger }] }] });
    expect(patched.status).toBe(204);
    const after = await roster.scim('GET', `/Groups/${group}`);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });
});
