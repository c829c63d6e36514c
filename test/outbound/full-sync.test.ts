import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import { fakeTarget, runCli, startSender, userBody, waitFor, type FakeTarget, type Sender } from './support.js';

// Full sync against a real Roster target: the initial sync pushes what exists; after the target is edited
// behind Roster's back, a dry run shows the repair plan and changes nothing, and a run repairs it. Resources
// Roster never managed are left alone.

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let sender: Sender;
let target: Roster;
const ids: Record<string, string> = {};

beforeAll(async () => {
  [sender, target] = await Promise.all([startSender(), startRoster()]);
  for (const name of ['u1', 'u2', 'u3', 'u4']) ids[name] = (await sender.roster.scim('POST', '/Users', userBody(`${name}@example.com`, { title: `title-${name}` }))).body.id;
  ids.G = (await sender.roster.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: ids.u1 }, { value: ids.u2 }] })).body.id;
  ids.H = (await sender.roster.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'H', members: [{ value: ids.u3 }] })).body.id;
});
afterAll(async () => {
  await sender?.close();
  await target?.close();
});

const remote = (method: string, path: string, body?: unknown) => target.scim(method, path, body);
const find = async (type: 'Users' | 'Groups', attribute: string, value: string) =>
  (await remote('GET', `/${type}?filter=${encodeURIComponent(`${attribute} eq "${value}"`)}`)).body.Resources?.[0];
async function memberNames(displayName: string): Promise<string[]> {
  const group = await find('Groups', 'displayName', displayName);
  if (!group) return [];
  const names = [];
  for (const m of group.members ?? []) names.push((await remote('GET', `/Users/${m.value}`)).body.userName);
  return names.sort();
}

describe('full sync', { timeout: 90_000 }, () => {
  it('pushes the existing directory when a target is added', async () => {
    const view = await sender.outbound.targets.add(sender.directory, { name: 'replica', url: target.baseUrl, auth: { type: 'bearer', token: target.token } });
    expect(view.state.fullSync.state?.status).toBe('requested');
    await waitFor('the initial sync done', async () => (await sender.outbound.targets.get(sender.directory, 'replica')).state.fullSync.state?.status === 'done', 45_000);
    expect((await remote('GET', '/Users')).body.totalResults).toBe(4);
    expect(await memberNames('G')).toEqual(['u1@example.com', 'u2@example.com']);
    expect(await memberNames('H')).toEqual(['u3@example.com']);
    expect((await find('Users', 'userName', 'u2@example.com')).title).toBe('title-u2');
  });

  it('plans (dry run) and then repairs a target edited behind Roster\'s back', async () => {
    const u1 = await find('Users', 'userName', 'u1@example.com');
    const u2 = await find('Users', 'userName', 'u2@example.com');
    const u3 = await find('Users', 'userName', 'u3@example.com');
    const u4 = await find('Users', 'userName', 'u4@example.com');
    const g = await find('Groups', 'displayName', 'G');
    const h = await find('Groups', 'displayName', 'H');
    expect((await remote('DELETE', `/Users/${u1.id}`)).status).toBe(204);
    await remote('PATCH', `/Users/${u2.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'tampered' }] });
    await remote('PATCH', `/Users/${u3.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'nickName', value: 'sneaky' }] });
    await remote('PATCH', `/Groups/${g.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${u2.id}"]` }, { op: 'add', path: 'members', value: [{ value: u4.id }] }] });
    await remote('DELETE', `/Groups/${h.id}`);
    await remote('POST', '/Users', userBody('stranger@example.com'));

    const { stdout } = await runCli(['sync', 'run', 'replica', '--dry-run', '--database', sender.roster.database.url]);
    expect(stdout).toContain('Dry run of the full sync of target replica');
    expect(stdout).toMatch(/users: {2}1 would be created, 2 would be updated/);
    expect(stdout).toContain('1 on the target not managed by Roster (left alone)');
    expect(stdout).toContain('create user u1@example.com');
    expect(stdout).toMatch(/update user u2@example.com \(title\)/);
    expect(stdout).toContain('create group H');
    expect(stdout).toContain('remove-members group G (1)');
    // A dry run changes nothing.
    expect(await find('Users', 'userName', 'u1@example.com')).toBeUndefined();
    expect((await find('Users', 'userName', 'u2@example.com')).title).toBe('tampered');

    const report = await sender.outbound.runFullSync(sender.directory, 'replica');
    expect(report.errors).toEqual([]);
    expect(report.users).toMatchObject({ create: 1, update: 2, unmanaged: 1 });
    expect(report.groups).toMatchObject({ create: 1 });
    expect((await find('Users', 'userName', 'u1@example.com')).title).toBe('title-u1');
    expect((await find('Users', 'userName', 'u2@example.com')).title).toBe('title-u2');
    expect((await find('Users', 'userName', 'u3@example.com')).nickName).toBeUndefined();
    expect(await memberNames('G')).toEqual(['u1@example.com', 'u2@example.com']);
    expect(await memberNames('H')).toEqual(['u3@example.com']);
    expect(await find('Users', 'userName', 'stranger@example.com')).toBeDefined();

    // A second run finds nothing to do.
    const again = await sender.outbound.runFullSync(sender.directory, 'replica');
    expect(again.actions).toEqual([]);
    expect(again.users.unchanged).toBe(4);
    const state = (await sender.outbound.targets.get(sender.directory, 'replica')).state.fullSync;
    expect(state.state).toMatchObject({ status: 'done', summary: { usersCreated: 0, errors: 0 } });
  });

  it('runs on its schedule', async () => {
    const before = (await sender.outbound.targets.get(sender.directory, 'replica')).state.fullSync.lastAt;
    await sender.outbound.targets.update(sender.directory, 'replica', { syncEvery: 1000 });
    await waitFor('a scheduled run', async () => (await sender.outbound.targets.get(sender.directory, 'replica')).state.fullSync.lastAt !== before, 40_000);
    await sender.outbound.targets.update(sender.directory, 'replica', { syncEvery: 'off' });
    expect((await sender.outbound.targets.get(sender.directory, 'replica')).syncEveryMs).toBeNull();
  });
});

describe('full sync of a large target', { timeout: 120_000 }, () => {
  let fake: FakeTarget;
  afterAll(async () => {
    await fake?.close();
  });

  it('reads the target a page at a time and misses nothing while it deletes there', async () => {
    fake = await fakeTarget();
    const scope = { directory: sender.directory, base: '', actor: { kind: 'cli' as const } };
    const created: string[] = [];
    for (let i = 0; i < 260; i++) created.push(String((await sender.roster.service.users.create(scope, userBody(`big${i}@example.com`, { title: 'here' }))).id));
    // Paused: only the full syncs below talk to it.
    await sender.outbound.targets.add(sender.directory, { name: 'big', url: fake.url, auth: { type: 'none' }, initialSync: false, enabled: false, operations: { groups: false } });
    const first = await sender.outbound.runFullSync(sender.directory, 'big');
    expect(first.errors).toEqual([]);
    const everyone = first.users.create;
    expect(everyone).toBeGreaterThanOrEqual(260);
    expect(fake.users.size).toBe(everyone);

    // Every other one of the first 120 is deleted here (deleted there by the sync, which moves the later pages
    // up), and every user after them is edited there behind Roster's back: each edit must still be repaired.
    for (let i = 0; i < 120; i += 2) await sender.roster.service.users.delete(scope, created[i]);
    for (const user of fake.users.values()) if (/^big(1[2-9]\d|2\d\d)@/.test(String(user.userName))) user.title = 'tampered';
    fake.requests.length = 0;
    const second = await sender.outbound.runFullSync(sender.directory, 'big');
    expect(second.errors).toEqual([]);
    expect(second.users).toMatchObject({ create: 0, deprovision: 60, update: 140, unmanaged: 0 });
    expect(fake.users.size).toBe(everyone - 60);
    expect([...fake.users.values()].filter((u) => String(u.userName).startsWith('big') && u.title !== 'here')).toEqual([]);
    const lists = fake.requests.filter((r) => r.method === 'GET' && r.path === '/Users' && !r.query.get('filter'));
    expect(lists.length).toBeGreaterThan(2);
    for (const list of lists) expect(Number(list.query.get('count'))).toBeLessThanOrEqual(100);

    const third = await sender.outbound.runFullSync(sender.directory, 'big');
    expect(third.actions).toEqual([]);
    expect(third.users.unchanged).toBe(everyone - 60);
  });
});
