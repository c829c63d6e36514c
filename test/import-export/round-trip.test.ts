// An export imports back into an empty directory to the same state: users with every attribute (enterprise
// extension and manager included), groups, nested groups, empty groups and memberships.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/directory/context.js';
import { CSV_COLUMNS } from '../../src/directory/import-export.js';
import { ENTERPRISE, GROUP, USER, comparableState, openEnv, runExport, runImport, type Env } from './support.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let env: Env;
let source: Scope;

beforeAll(async () => {
  env = await openEnv();
  source = await env.directory('source');
  const { users, groups } = env.roster;
  const boss = await users.create(source, {
    schemas: [USER, ENTERPRISE],
    userName: 'boss@example.com',
    externalId: 'ext-boss',
    name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane', honorificPrefix: 'Ms.', honorificSuffix: 'III' },
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
      { value: 'boss@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    phoneNumbers: [{ value: '+1 555 555 5555', type: 'work' }, { value: '+1 555 555 4444', type: 'mobile' }],
    ims: [{ value: 'someaimhandle', type: 'aim' }],
    photos: [{ value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' }],
    addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'USA', formatted: '100 Universal City Plaza\nHollywood, CA 91608 USA', primary: true }],
    entitlements: [{ value: 'Full time' }],
    roles: [{ value: 'Admin', type: 'WindowsAzureActiveDirectoryRole', primary: false }],
    [ENTERPRISE]: { employeeNumber: '701984', costCenter: '4130', organization: 'Universal Studios', division: 'Theme Park', department: 'Tour Operations' },
  });
  const worker = await users.create(source, {
    schemas: [USER, ENTERPRISE],
    userName: 'worker@example.com',
    name: { givenName: 'Wes', familyName: 'Worker' },
    active: false,
    [ENTERPRISE]: { department: 'Tour Operations', manager: { value: boss.id } },
  });
  const plain = await users.create(source, { schemas: [USER], userName: 'plain@example.com', password: 'Never-Exported-1' });
  // A manager created after the user it manages: the import must wait for it.
  const early = await users.create(source, { schemas: [USER], userName: 'early@example.com' });
  const late = await users.create(source, { schemas: [USER], userName: 'late@example.com' });
  await users.patch(source, early.id as string, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: late.id }] });

  // A group that contains a group created after it.
  const outer = await groups.create(source, { schemas: [GROUP], displayName: 'Outer', externalId: 'ext-outer' });
  const engineering = await groups.create(source, { schemas: [GROUP], displayName: 'Engineering', members: [{ value: worker.id }, { value: plain.id }] });
  const leads = await groups.create(source, { schemas: [GROUP], displayName: 'Leads', members: [{ value: boss.id }, { value: engineering.id, type: 'Group' }] });
  await groups.create(source, { schemas: [GROUP], displayName: 'Empty' });
  await groups.patch(source, outer.id as string, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: leads.id }, { value: early.id }] }] });
});
afterAll(async () => {
  await env.close();
});

describe('NDJSON export and import', () => {
  let exported: string;

  it('writes users, then groups with members, one resource per line, without passwords', async () => {
    exported = await runExport(env, source, 'ndjson');
    const lines = exported.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.userName ?? l.displayName)).toEqual([
      'boss@example.com', 'worker@example.com', 'plain@example.com', 'early@example.com', 'late@example.com',
      'Outer', 'Engineering', 'Leads', 'Empty',
    ]);
    expect(exported).not.toContain('Never-Exported-1');
    expect(exported).not.toContain('password');
    for (const user of lines.slice(0, 5)) expect(user.groups).toBeUndefined(); // derived from the groups' members
    expect(lines[7].members).toHaveLength(2);
  });

  it('imports into an empty directory to the same state', async () => {
    const target = await env.directory('ndjson-target');
    const report = await runImport(env, target, exported, { format: 'scim' });
    expect(report.rejected).toEqual([]);
    expect(report.users).toEqual({ created: 5, updated: 0 });
    expect(report.groups).toEqual({ created: 4, updated: 0 });
    const [before, after] = [await comparableState(env, source), await comparableState(env, target)];
    expect(after).toEqual(before);
    // Spot checks that the comparison is not vacuous.
    expect(before.users.find((u) => u.userName === 'worker@example.com')![ENTERPRISE]).toMatchObject({ manager: 'User:boss@example.com' });
    expect(before.users.find((u) => u.userName === 'plain@example.com')!.groups).toEqual(['Group:Engineering/direct', 'Group:Leads/indirect', 'Group:Outer/indirect']);
    expect(before.groups.find((g) => g.displayName === 'Outer')!.members).toEqual(['Group:Leads', 'User:early@example.com']);
    expect(before.users.find((u) => u.userName === 'boss@example.com')).toMatchObject({ phoneNumbers: expect.any(Array), addresses: expect.any(Array), roles: expect.any(Array) });
  });

  it('imports into the directory it came from without changing anything', async () => {
    const before = await comparableState(env, source);
    const report = await runImport(env, source, exported, { format: 'scim' });
    expect(report.rejected).toEqual([]);
    expect(report.users).toEqual({ created: 0, updated: 5 });
    expect(report.groups).toEqual({ created: 0, updated: 4 });
    expect(await comparableState(env, source)).toEqual(before);
  });

  it('pages through the directory without repeating or skipping anything', async () => {
    expect(await runExport(env, source, 'ndjson', 2)).toBe(await runExport(env, source, 'ndjson', 500));
    expect(await runExport(env, source, 'ndjson', 1)).toBe(await runExport(env, source, 'ndjson', 3));
  });
});

describe('CSV export and import', () => {
  it('writes the documented columns, managers as userNames and direct groups', async () => {
    const csv = await runExport(env, source, 'csv');
    const [header, ...rows] = csv.trimEnd().split('\n');
    expect(header).toBe(CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(5);
    expect(rows[1]).toBe('worker@example.com,Wes,Worker,,,,false,,Tour Operations,,boss@example.com,Engineering');
    expect(rows[0]).toBe('boss@example.com,Barbara,Jensen,Babs Jensen,boss@example.com,ext-boss,true,Tour Guide,Tour Operations,701984,,Leads');
    expect(rows[3]).toBe('early@example.com,,,,,,,,,,late@example.com,Outer');
  });

  it('imports back to the same state for what CSV carries', async () => {
    const csvSource = await env.directory('csv-source');
    const { users, groups } = env.roster;
    const ann = await users.create(csvSource, {
      schemas: [USER, ENTERPRISE],
      userName: 'ann@example.com',
      name: { givenName: 'Ann', familyName: "O'Neil, Jr." },
      displayName: 'Ann "AJ" O\'Neil',
      emails: [{ value: 'ann@example.com', type: 'work', primary: true }],
      externalId: 'e-1',
      active: true,
      title: 'Line1\nLine2',
      [ENTERPRISE]: { department: 'Ops', employeeNumber: '42' },
    });
    const ben = await users.create(csvSource, {
      schemas: [USER, ENTERPRISE],
      userName: 'ben@example.com',
      active: false,
      [ENTERPRISE]: { manager: { value: ann.id } },
    });
    await groups.create(csvSource, { schemas: [GROUP], displayName: 'Ops; Night shift', members: [{ value: ann.id }, { value: ben.id }] });
    await groups.create(csvSource, { schemas: [GROUP], displayName: 'Back\\slash', members: [{ value: ben.id }] });

    const csv = await runExport(env, csvSource, 'csv');
    const target = await env.directory('csv-target');
    const report = await runImport(env, target, csv, { format: 'csv' });
    expect(report.rejected).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(await comparableState(env, target)).toEqual(await comparableState(env, csvSource));
  });
});
