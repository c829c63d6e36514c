import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { spawnRoster, type RosterProcess } from '../support/process.js';
import { startSender, userBody, waitFor, type Sender } from './support.js';

// A second, real Roster process (its own database) as the target: what the directory does arrives there with the
// shapes a SCIM client expects, ids mapped to the target's own, and each change recorded there with this
// directory as its origin.

const TOKEN = 'target-roster-token-0123456789';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let database: TestDatabase;
let remote: RosterProcess;
let remoteStorage: Storage;
let sender: Sender;

beforeAll(async () => {
  database = await createTestDatabase();
  remote = await spawnRoster({ databaseUrl: database.url, env: { ROSTER_BOOTSTRAP_TOKEN: TOKEN, ROSTER_OUTBOUND: 'off' } });
  remoteStorage = openStorage(database.url);
  sender = await startSender();
  await sender.outbound.targets.add(sender.directory, { name: 'mirror', url: `${remote.origin}/scim/v2`, auth: { type: 'bearer', token: TOKEN }, initialSync: false });
});

afterAll(async () => {
  await sender?.close();
  await remote?.stop();
  await remoteStorage?.close();
  await database?.drop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function there(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${remote.origin}/scim/v2${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
}
const find = async (type: 'Users' | 'Groups', attribute: string, value: string) =>
  (await there(`/${type}?filter=${encodeURIComponent(`${attribute} eq "${value}"`)}`)).body.Resources?.[0];
const here = (method: string, path: string, body?: unknown) => sender.roster.scim(method, path, body);

describe('a real Roster as the target', { timeout: 90_000 }, () => {
  it('receives users with their attributes, manager mapped to its own ids; updates, deactivation, deletion', async () => {
    const boss = await here('POST', '/Users', userBody('boss@example.com'));
    const created = await here(
      'POST',
      '/Users',
      userBody('jane@example.com', {
        externalId: 'okta-00u1',
        displayName: 'Jane Doe',
        title: 'Engineer',
        phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
        [ENTERPRISE]: { department: 'R&D', employeeNumber: '42', manager: { value: boss.body.id } },
        password: 'Jane-Secret-Pw-1',
      }),
    );
    expect(created.status).toBe(201);
    const jane = await waitFor('jane on the target', () => find('Users', 'userName', 'jane@example.com'));
    const remoteBoss = await find('Users', 'userName', 'boss@example.com');
    expect(jane.id).not.toBe(created.body.id);
    expect(jane).toMatchObject({
      userName: 'jane@example.com',
      externalId: 'okta-00u1',
      displayName: 'Jane Doe',
      title: 'Engineer',
      active: true,
      name: { givenName: 'jane', familyName: 'Tester' },
      emails: [{ value: 'jane@example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
      [ENTERPRISE]: { department: 'R&D', employeeNumber: '42', manager: { value: remoteBoss.id } },
    });
    expect(jane.schemas).toContain(ENTERPRISE);

    await here('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { title: 'Lead', 'name.familyName': 'Smith' } }] });
    await waitFor('the update', async () => (await find('Users', 'userName', 'jane@example.com'))?.title === 'Lead');
    expect((await find('Users', 'userName', 'jane@example.com')).name.familyName).toBe('Smith');

    await here('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await waitFor('the deactivation', async () => (await find('Users', 'userName', 'jane@example.com'))?.active === false);
    await here('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: true }] });
    await waitFor('the reactivation', async () => (await find('Users', 'userName', 'jane@example.com'))?.active === true);

    await here('DELETE', `/Users/${created.body.id}`);
    await waitFor('the deletion', async () => (await there(`/Users/${jane.id}`)).status === 404);

    // Every change the target recorded came from this directory (X-Roster-Origin), and no password travelled.
    const origins = await remoteStorage.db.selectFrom('changes').select(['origin', 'data']).execute();
    expect(origins.length).toBeGreaterThan(0);
    expect(new Set(origins.map((o) => o.origin))).toEqual(new Set([sender.directory.id]));
    const passwordHash = await remoteStorage.db.selectFrom('users').select('password_hash').where('user_name', '=', 'jane@example.com').executeTakeFirst();
    expect(passwordHash?.password_hash ?? null).toBeNull();
  });

  it('receives groups, their members as its own ids, renames, member changes and deletion', async () => {
    const a = await here('POST', '/Users', userBody('ann@example.com'));
    const b = await here('POST', '/Users', userBody('bob@example.com'));
    const inner = await here('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Inner', members: [{ value: b.body.id }] });
    const group = await here('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      externalId: 'eng-1',
      members: [{ value: a.body.id }, { value: b.body.id }, { value: inner.body.id, type: 'Group' }],
    });
    expect(group.status).toBe(201);
    const remoteAnn = await waitFor('ann', () => find('Users', 'userName', 'ann@example.com'));
    const remoteBob = await waitFor('bob', () => find('Users', 'userName', 'bob@example.com'));
    const remoteInner = await waitFor('inner', () => find('Groups', 'displayName', 'Inner'));
    const engineering = await waitFor('engineering with 3 members', async () => {
      const g = await find('Groups', 'displayName', 'Engineering');
      return g?.members?.length === 3 ? g : undefined;
    });
    expect(engineering.externalId).toBe('eng-1');
    expect(new Set(engineering.members.map((m: { value: string }) => m.value))).toEqual(new Set([remoteAnn.id, remoteBob.id, remoteInner.id]));
    expect(engineering.members.find((m: { value: string }) => m.value === remoteInner.id).type).toBe('Group');

    await here('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${a.body.id}"]` }, { op: 'replace', path: 'displayName', value: 'Platform' }] });
    await waitFor('rename and removal', async () => {
      const g = await find('Groups', 'displayName', 'Platform');
      return g?.members?.length === 2;
    });
    expect((await find('Users', 'userName', 'ann@example.com')).groups ?? []).toEqual([]);

    await here('DELETE', `/Groups/${group.body.id}`);
    await waitFor('the group deletion', async () => (await find('Groups', 'displayName', 'Platform')) === undefined);
    expect(await find('Groups', 'displayName', 'Inner')).toBeDefined();
  });
});
