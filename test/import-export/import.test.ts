import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/directory/context.js';
import { ImportFileError } from '../../src/directory/import-export.js';
import { verifyPassword } from '../../src/directory/passwords.js';
import { ENTERPRISE, GROUP, USER, everything, openEnv, runImport, type Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await openEnv();
});
afterAll(async () => {
  await env.close();
});

const findUser = async (scope: Scope, userName: string) =>
  (await env.roster.users.list(scope, { filter: `userName eq ${JSON.stringify(userName)}`, startIndex: 1, count: 2, sortOrder: 'ascending' }, true)).resources;
const findGroup = async (scope: Scope, name: string) =>
  (await env.roster.groups.list(scope, { filter: `displayName eq ${JSON.stringify(name)}`, startIndex: 1, count: 2, sortOrder: 'ascending' }, true)).resources[0];

// Line numbers matter: the report names them.
const MIXED_CSV = [
  'userName,givenName,familyName,displayName,email,externalId,active,title,department,employeeNumber,manager,groups', // 1
  'alice@example.com,Alice,Archer,Alice Archer,alice@example.com,E1,true,CTO,Engineering,1001,,Engineering;Leads', // 2
  ',No,Name,,,,,,,,,', // 3: no userName
  'bob@example.com,Bob,Baker,,bob@example.com,E2,maybe,,,,,', // 4: bad active
  'carol@example.com,Carol,Cole,"Cole, Carol",carol@example.com,E3,yes,"Engineer, ""Senior""",Engineering,1003,dave@example.com,Engineering', // 5: manager later in file
  'dave@example.com,Dave,Dunn,Dave Dunn,dave@example.com,E4,,VP,Engineering,1004,alice@example.com,', // 6
  'erin@example.com,Erin,,,,,,,,,nobody@example.com,', // 7: manager nowhere
  'frank@example.com,Frank,"Fo', // 8: quoted field across lines
  'x",,,,false,,,,,Sales', // 9
  '', // 10: blank
  'grace@example.com,Grace,,,,,,,,,,,extra', // 11: an extra cell
  'hank@example.com,Hank,,,not-an-email,,,,,,,', // 12: still fine (emails are not checked for shape)
  'ALICE@example.com,,,,,,,Chief Technology Officer,,,,', // 13: same user as line 2, other case: an update
].join('\n');

describe('CSV import', () => {
  let scope: Scope;
  beforeAll(async () => {
    scope = await env.directory('csv-mixed');
  });

  it('applies the good rows and reports each bad one with its line and reason', async () => {
    const report = await runImport(env, scope, MIXED_CSV, { format: 'csv' });
    expect(report.rows).toBe(10); // lines 8-9 are one record; the blank line 10 is none
    expect(report.users).toEqual({ created: 5, updated: 1 });
    expect(report.groups).toEqual({ created: 3, updated: 0 });
    expect(report.rejected.map((r) => [r.line, r.key])).toEqual([
      [3, undefined],
      [4, 'bob@example.com'],
      [7, 'erin@example.com'],
      [11, 'grace@example.com'],
    ]);
    expect(report.rejected[0].reason).toBe('userName is empty');
    expect(report.rejected[1].reason).toBe('active must be true or false, not "maybe"');
    expect(report.rejected[2].reason).toContain('manager "nobody@example.com"');
    expect(report.rejected[3].reason).toBe('the row has 13 cells but the header has 12 columns');
    expect(report.warnings).toEqual([]);
  });

  it('leaves nothing of a rejected row behind', async () => {
    for (const userName of ['bob@example.com', 'erin@example.com', 'grace@example.com']) expect(await findUser(scope, userName)).toEqual([]);
    const { users } = await everything(env, scope);
    expect(users.map((u) => u.userName).sort()).toEqual(['ALICE@example.com', 'carol@example.com', 'dave@example.com', 'frank@example.com', 'hank@example.com']);
  });

  it('maps every column', async () => {
    const [alice] = await findUser(scope, 'alice@example.com');
    expect(alice).toMatchObject({
      userName: 'ALICE@example.com', // line 13 updated the user, spelling included
      name: { givenName: 'Alice', familyName: 'Archer' },
      displayName: 'Alice Archer',
      emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
      externalId: 'E1',
      active: true,
      title: 'Chief Technology Officer', // updated by line 13
      [ENTERPRISE]: { department: 'Engineering', employeeNumber: '1001' },
    });
    const [carol] = await findUser(scope, 'carol@example.com');
    const [dave] = await findUser(scope, 'dave@example.com');
    expect(carol.displayName).toBe('Cole, Carol');
    expect(carol.title).toBe('Engineer, "Senior"');
    expect(carol.active).toBe(true);
    expect((carol[ENTERPRISE] as { manager: { value: string } }).manager.value).toBe(dave.id);
    expect((dave[ENTERPRISE] as { manager: { value: string } }).manager.value).toBe(alice.id);
    const [frank] = await findUser(scope, 'frank@example.com');
    expect(frank).toMatchObject({ name: { givenName: 'Frank', familyName: 'Fo\nx' }, active: false });
  });

  it('creates missing groups and adds the members', async () => {
    const engineering = await findGroup(scope, 'Engineering');
    const members = (engineering.members as { display: string }[]).map((m) => m.display).sort();
    expect(members).toEqual(['Alice Archer', 'Cole, Carol']);
    expect(((await findGroup(scope, 'Leads')).members as unknown[]).length).toBe(1);
    expect(((await findGroup(scope, 'Sales')).members as unknown[]).length).toBe(1);
  });

  it('updates an existing user without duplicating it and keeps what the CSV has no column for', async () => {
    const own = await env.directory('csv-update');
    const created = await env.roster.users.create(own, {
      schemas: [USER],
      userName: 'Pat@Example.com',
      phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
      emails: [{ value: 'old@example.com', type: 'work', primary: true }, { value: 'home@example.com', type: 'home' }],
      title: 'Old title',
    });
    const report = await runImport(env, own, 'username,Title,email\npat@example.com,New title,new@example.com\n', { format: 'csv' });
    expect(report.users).toEqual({ created: 0, updated: 1 });
    const users = await findUser(own, 'pat@example.com');
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({
      id: created.id,
      userName: 'pat@example.com',
      title: 'New title',
      phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
      emails: [{ value: 'new@example.com', type: 'work', primary: true }, { value: 'home@example.com', type: 'home' }],
    });
  });

  it('adds an existing group member once, and a user to an existing group', async () => {
    const own = await env.directory('csv-groups');
    await env.roster.groups.create(own, { schemas: [GROUP], displayName: 'Existing' });
    const csv = 'userName,groups\na@x.com,Existing;existing;New\\;Odd\nb@x.com, Existing ;;\n';
    const report = await runImport(env, own, csv, { format: 'csv' });
    expect(report.groups).toEqual({ created: 1, updated: 0 });
    expect(((await findGroup(own, 'Existing')).members as unknown[]).length).toBe(2);
    expect(await findGroup(own, 'New;Odd')).toBeDefined();
  });

  it.each([
    ['an unknown column', 'userName,nickname\na,b\n', 'Unknown column "nickname"'],
    ['a repeated column', 'userName,email,Email\na,b,c\n', 'appears twice'],
    ['no userName column', 'email\na@x\n', 'no userName column'],
    ['an empty file', '\n\n', 'empty'],
    ['an unclosed quote', 'userName\n"abc\n', 'never closed'],
  ])('rejects a file with %s before writing anything', async (_label, csv, message) => {
    const own = await env.directory(`csv-bad-${Math.random().toString(36).slice(2, 8)}`);
    await expect(runImport(env, own, csv, { format: 'csv' })).rejects.toThrow(ImportFileError);
    await expect(runImport(env, own, csv, { format: 'csv' })).rejects.toThrow(message);
    expect((await everything(env, own)).users).toEqual([]);
  });

  it('reads a byte-order mark, CRLF line ends and case-insensitive headers', async () => {
    const own = await env.directory('csv-bom');
    const report = await runImport(env, own, '\uFEFFUSERNAME,GivenName\r\nz@x.com,Zed\r\n', { format: 'csv' });
    expect(report.users.created).toBe(1);
    expect((await findUser(own, 'z@x.com'))[0]).toMatchObject({ name: { givenName: 'Zed' } });
  });
});

describe('dry run', () => {
  it('reports what an import would do and writes nothing', async () => {
    const scope = await env.directory('dry');
    await env.roster.users.create(scope, { schemas: [USER], userName: 'alice@example.com' });
    const before = await everything(env, scope);
    const report = await runImport(env, scope, MIXED_CSV, { format: 'csv', dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.users).toEqual({ created: 4, updated: 2 });
    expect(report.groups).toEqual({ created: 3, updated: 0 });
    expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 7, 11]);
    expect(await everything(env, scope)).toEqual(before);
  });

  it('validates through the same rules as SCIM', async () => {
    const scope = await env.directory('dry-scim');
    const ndjson = [
      JSON.stringify({ schemas: [USER], userName: 'ok@x.com' }),
      JSON.stringify({ schemas: [USER], userName: 'bad@x.com', emails: 'not-a-list' }),
      JSON.stringify({ schemas: [USER], userName: '   ' }),
      JSON.stringify({ schemas: [GROUP], displayName: 'G', members: [{ value: 'nobody' }] }),
    ].join('\n');
    const report = await runImport(env, scope, ndjson, { format: 'scim', dryRun: true });
    expect(report.users.created).toBe(1);
    expect(report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, 'emails must be an array (it is multi-valued)'],
      [3, 'userName must not be empty'],
      [4, 'member "nobody" is not a user or group of this directory or of the file'],
    ]);
    expect((await everything(env, scope)).users).toEqual([]);
  });
});

describe('SCIM JSON import', () => {
  it('reads NDJSON, maps the file\'s ids, waits for resources defined later, and reports bad lines', async () => {
    const scope = await env.directory('scim-ndjson');
    const lines = [
      { schemas: [GROUP], id: 'g-outer', displayName: 'Outer', members: [{ value: 'g-inner', type: 'Group' }, { value: 'u-boss' }] },
      { schemas: [USER, ENTERPRISE], id: 'u-worker', userName: 'worker@x.com', [ENTERPRISE]: { manager: { value: 'u-boss', $ref: 'https://old/Users/u-boss', displayName: 'Boss' } }, password: 'Imported-Pw-1' },
      'not json at all',
      { schemas: [GROUP], id: 'g-inner', displayName: 'Inner', members: [{ value: 'u-worker', type: 'User' }] },
      [1, 2],
      { id: 'mystery', foo: 1 },
      { schemas: [USER], id: 'u-boss', userName: 'boss@x.com', meta: { resourceType: 'User', created: '2020-01-01T00:00:00Z' } },
      { schemas: [GROUP], id: 'g-broken', displayName: 'Broken', members: [{ value: 'ghost' }] },
    ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    const report = await runImport(env, scope, lines.join('\n'), { format: 'scim' });
    expect(report.users).toEqual({ created: 2, updated: 0 });
    expect(report.groups).toEqual({ created: 2, updated: 0 });
    expect(report.rejected.map((r) => [r.line, r.key])).toEqual([
      [3, undefined],
      [5, undefined],
      [6, undefined],
      [8, 'Broken'],
    ]);
    expect(report.rejected[0].reason).toMatch(/^not valid JSON/);
    expect(report.rejected[1].reason).toContain('one JSON object');
    expect(report.rejected[2].reason).toContain('User or a Group');
    expect(report.rejected[3].reason).toContain('member "ghost"');

    const [boss] = await findUser(scope, 'boss@x.com');
    const [worker] = await findUser(scope, 'worker@x.com');
    expect(boss.id).not.toBe('u-boss');
    expect(worker[ENTERPRISE]).toEqual({ manager: { value: boss.id } });
    const outer = await findGroup(scope, 'Outer');
    const inner = await findGroup(scope, 'Inner');
    expect((outer.members as { value: string; type: string }[]).map((m) => [m.value, m.type]).sort()).toEqual(
      [[inner.id, 'Group'], [boss.id, 'User']].sort(),
    );
    expect((worker.groups as { display: string; type: string }[]).map((g) => `${g.display}/${g.type}`).sort()).toEqual(['Inner/direct', 'Outer/indirect']);
    // The password was hashed through the service, never stored as given.
    const row = await env.storage.db.selectFrom('users').select(['password_hash']).where('id', '=', worker.id as string).executeTakeFirstOrThrow();
    expect(row.password_hash).not.toContain('Imported-Pw-1');
    expect(await verifyPassword(row.password_hash!, 'Imported-Pw-1')).toBe(true);
  });

  it('reads one ListResponse, pretty-printed, and names rejected items by position', async () => {
    const scope = await env.directory('scim-list');
    const document = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 3,
      Resources: [
        { schemas: [USER], id: '1', userName: 'one@x.com' },
        { schemas: [USER], id: '2', userName: 'one@x.com', displayName: 'Same userName: an update' },
        { schemas: [USER], id: '3' },
        'text',
      ],
    };
    const report = await runImport(env, scope, JSON.stringify(document, null, 2), { format: 'scim' });
    expect(report.users).toEqual({ created: 1, updated: 1 });
    expect(report.rejected).toEqual([
      { item: 3, reason: 'userName is required' },
      { item: 4, reason: 'a resource must be a JSON object' },
    ]);
    expect((await findUser(scope, 'one@x.com'))[0].displayName).toBe('Same userName: an update');
  });

  it('reads a one-line ListResponse and a JSON array', async () => {
    const scope = await env.directory('scim-array');
    const list = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], Resources: [{ schemas: [USER], userName: 'l@x.com' }] };
    expect((await runImport(env, scope, JSON.stringify(list), { format: 'scim' })).users.created).toBe(1);
    const array = [{ schemas: [USER], userName: 'a1@x.com' }, { schemas: [GROUP], displayName: 'Arr', members: [] }];
    const report = await runImport(env, scope, JSON.stringify(array, null, 1), { format: 'scim' });
    expect([report.users.created, report.groups.created]).toEqual([1, 1]);
  });

  it('updates groups found by displayName and replaces their members', async () => {
    const scope = await env.directory('scim-group-update');
    const u = await env.roster.users.create(scope, { schemas: [USER], userName: 'm@x.com' });
    await env.roster.groups.create(scope, { schemas: [GROUP], displayName: 'Team', members: [{ value: u.id }] });
    const report = await runImport(env, scope, JSON.stringify({ schemas: [GROUP], displayName: 'TEAM', externalId: 'x', members: [] }), { format: 'scim' });
    expect(report.groups).toEqual({ created: 0, updated: 1 });
    const team = await findGroup(scope, 'team');
    expect(team.externalId).toBe('x');
    expect(team.members).toBeUndefined();
  });

  it('rejects a membership cycle it cannot order (and writes neither group)', async () => {
    const scope = await env.directory('scim-cycle');
    const lines = [
      { schemas: [GROUP], id: 'a', displayName: 'A', members: [{ value: 'b', type: 'Group' }] },
      { schemas: [GROUP], id: 'b', displayName: 'B', members: [{ value: 'a', type: 'Group' }] },
    ].map((l) => JSON.stringify(l));
    const report = await runImport(env, scope, lines.join('\n'), { format: 'scim' });
    expect(report.rejected.map((r) => r.line)).toEqual([1, 2]);
    expect((await everything(env, scope)).groups).toEqual([]);
  });

  it.each([
    ['an empty file', ''],
    ['a document that is not JSON', '{\n  "schemas": [\n'],
    ['a scalar', '42'],
  ])('rejects %s', async (_label, text) => {
    const scope = await env.directory('scim-bad-file');
    await expect(runImport(env, scope, text, { format: 'scim' })).rejects.toThrow(ImportFileError);
  });

  it('reports progress as rows go by', async () => {
    const scope = await env.directory('scim-progress');
    const seen: number[] = [];
    const text = Array.from({ length: 5 }, (_, i) => JSON.stringify({ schemas: [USER], userName: `p${i}@x.com` })).join('\n');
    await runImport(env, scope, text, { format: 'scim', onProgress: (p) => seen.push(p.rows) });
    expect(seen.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  });
});
