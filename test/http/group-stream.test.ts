import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';

// A group with more members than one read page (1,000) is written as a stream. What a client receives must be
// the same document it would get from a small group: every live member once, the projection obeyed, ETags.
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const MEMBERS = 2_300;

describe('large groups as a stream', () => {
  let roster: Roster;
  let groupId: string;
  let live: string[];
  let deleted: string[];

  beforeAll(async () => {
    roster = await startRoster();
    const directory = (await roster.service.tenants.findDirectory('default'))!;
    const scope = { directory, base: roster.baseUrl, actor: { kind: 'cli' as const } };
    const ids: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const user = await roster.service.users.create(scope, { schemas: [USER], userName: `member${i}@example.com`, displayName: `Member ${i}` });
      ids.push(user.id as string);
    }
    const nested = await roster.service.groups.create(scope, { schemas: [GROUP], displayName: 'Nested team' });
    const group = await roster.service.groups.create(scope, {
      schemas: [GROUP],
      displayName: 'Everyone "quoted" \u00e9',
      members: [...ids.map((value) => ({ value })), { value: nested.id }],
    });
    groupId = group.id as string;
    // Soft-deleted users keep their membership rows but are no members; put some at the page boundaries.
    const sorted = [...ids].sort();
    deleted = [sorted[0], sorted[999], sorted[1000], sorted[1999], sorted[MEMBERS - 1]];
    for (const id of deleted) expect((await roster.scim('DELETE', `/Users/${id}`)).status).toBe(204);
    live = ids.filter((id) => !deleted.includes(id));
    live.push(nested.id as string);
  }, 120_000);
  afterAll(async () => roster?.close());

  it('answers every live member once, with the same shape as a small group, and the group attributes', async () => {
    const response = await roster.scim('GET', `/Groups/${groupId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(response.headers.get('etag')).toBe(response.body.meta.version);
    expect(response.body.displayName).toBe('Everyone "quoted" \u00e9');
    expect(response.body.schemas).toEqual([GROUP]);
    expect(response.body.meta.location).toBe(`${roster.baseUrl}/Groups/${groupId}`);
    const members = response.body.members as { value: string; $ref: string; type: string; display?: string }[];
    expect(members.map((m) => m.value).sort()).toEqual([...live].sort());
    const someone = members.find((m) => m.type === 'User')!;
    expect(someone.$ref).toBe(`${roster.baseUrl}/Users/${someone.value}`);
    expect(someone.display).toMatch(/^Member \d+$/);
    const team = members.find((m) => m.type === 'Group')!;
    expect(team).toEqual({ value: team.value, $ref: `${roster.baseUrl}/Groups/${team.value}`, type: 'Group', display: 'Nested team' });
  });

  it('obeys attributes and excludedAttributes on members', async () => {
    const valuesOnly = await roster.scim('GET', `/Groups/${groupId}?attributes=members.value`);
    expect(valuesOnly.status).toBe(200);
    expect(valuesOnly.body.displayName).toBeUndefined();
    expect(valuesOnly.body.members).toHaveLength(live.length);
    expect(Object.keys(valuesOnly.body.members[0])).toEqual(['value']);
    const without = await roster.scim('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(without.body.members).toBeUndefined();
    expect(without.body.displayName).toBe('Everyone "quoted" \u00e9');
  });

  it('lists a page holding the large group with every live member (how Okta finds a group to push)', async () => {
    const filter = encodeURIComponent('displayName eq "Everyone \\"quoted\\" \u00e9"');
    const found = await roster.scim('GET', `/Groups?filter=${filter}&startIndex=1&count=100`);
    expect(found.status).toBe(200);
    expect(found.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(found.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(found.body.Resources).toHaveLength(1);
    const byId = await roster.scim('GET', `/Groups/${groupId}`);
    expect(found.body.Resources[0]).toEqual(byId.body);
    expect(found.body.Resources[0].members.map((m: { value: string }) => m.value).sort()).toEqual([...live].sort());
  });

  it('lists every group around the large one, with paging numbers, a cursor and projections', async () => {
    const all = await roster.scim('GET', '/Groups?sortBy=displayName');
    expect(all.status).toBe(200);
    expect(all.body.totalResults).toBe(2);
    expect(all.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['Everyone "quoted" \u00e9', 'Nested team']);
    expect(all.body.Resources[0].members).toHaveLength(live.length);
    expect(all.body.Resources[1].members ?? []).toEqual([]);
    const first = await roster.scim('GET', '/Groups?cursor=&count=1&attributes=members.value');
    expect(first.status).toBe(200);
    expect(first.body.itemsPerPage).toBe(1);
    expect(typeof first.body.nextCursor).toBe('string');
    const resources = [...first.body.Resources, ...(await roster.scim('GET', `/Groups?cursor=${encodeURIComponent(first.body.nextCursor)}&count=1&attributes=members.value`)).body.Resources];
    const big = resources.find((g: { id: string }) => g.id === groupId);
    expect(Object.keys(big).sort()).toEqual(['id', 'members', 'schemas']);
    expect(big.members).toHaveLength(live.length);
    expect(Object.keys(big.members[0])).toEqual(['value']);
    const searched = await roster.scim('POST', '/Groups/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `id eq "${groupId}"`, excludedAttributes: ['members'] });
    expect(searched.body.Resources[0].members).toBeUndefined();
    const searchedWhole = await roster.scim('POST', '/Groups/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `id eq "${groupId}"` });
    expect(searchedWhole.body.Resources[0].members).toHaveLength(live.length);
  });

  it('answers 304 to a matching If-None-Match without reading members', async () => {
    const first = await roster.scim('GET', `/Groups/${groupId}`);
    const again = await roster.scim('GET', `/Groups/${groupId}`, undefined, { 'if-none-match': first.headers.get('etag')! });
    expect(again.status).toBe(304);
  });
});
