// Bulk (RFC 7644 section 3.7): BulkRequest in, BulkResponse out, bulkId references, failOnErrors, limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoster, type Roster } from '../support/roster.js';
import {
  BULK_REQUEST,
  BULK_RESPONSE,
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  PATCH_OP,
  USER_SCHEMA,
  createUser,
  expectError,
  expectHandled,
  expectList,
  expectScimJson,
  expectStatus,
  getResource,
  memberIds,
  q,
  unique,
  userGroups,
  type ScimResponse,
} from './helpers.js';

let roster: Roster;
let limits: { maxOperations: number; maxPayloadSize: number };
beforeAll(async () => {
  roster = await startRoster();
  const spc = await roster.scim('GET', '/ServiceProviderConfig');
  limits = spc.body.bulk;
});
afterAll(async () => {
  await roster?.close();
});

const bulk = (operations: unknown[], failOnErrors?: number) =>
  roster.scim('POST', '/Bulk', { schemas: [BULK_REQUEST], ...(failOnErrors === undefined ? {} : { failOnErrors }), Operations: operations });

function expectBulkResponse(res: ScimResponse): any[] {
  expectStatus(res, 200);
  expectScimJson(res);
  expect(res.body.schemas).toEqual([BULK_RESPONSE]);
  expect(Array.isArray(res.body.Operations)).toBe(true);
  for (const op of res.body.Operations) {
    expect(typeof op.status, `status of ${JSON.stringify(op)}`).toBe('string');
    expect(op.status).toMatch(/^\d{3}$/);
    if (Number(op.status) >= 400) {
      expect(op.response?.schemas, JSON.stringify(op)).toEqual([ERROR_SCHEMA]);
      expect(op.response.status).toBe(op.status);
    }
  }
  return res.body.Operations;
}

const userData = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName, ...extra });

describe('ServiceProviderConfig bulk', () => {
  it('advertises bulk support with integer limits', async () => {
    const res = await roster.scim('GET', '/ServiceProviderConfig');
    expect(res.body.bulk.supported).toBe(true);
    expect(Number.isInteger(res.body.bulk.maxOperations)).toBe(true);
    expect(Number.isInteger(res.body.bulk.maxPayloadSize)).toBe(true);
    expect(res.body.bulk.maxOperations).toBeGreaterThan(0);
    expect(res.body.bulk.maxPayloadSize).toBeGreaterThan(0);
  });
});

describe('POST /Bulk', () => {
  it('creates a user and a group that references it by bulkId', async () => {
    const userName = unique('bulk');
    const displayName = unique('Bulk group ');
    const res = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'u1', data: userData(userName) },
      { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [GROUP_SCHEMA], displayName, members: [{ type: 'User', value: 'bulkId:u1' }] } },
    ]);
    const ops = expectBulkResponse(res);
    expect(ops).toHaveLength(2);
    expect(ops[0]).toMatchObject({ method: 'POST', bulkId: 'u1', status: '201' });
    expect(ops[1]).toMatchObject({ method: 'POST', bulkId: 'g1', status: '201' });
    expect(ops[0].location).toMatch(new RegExp(`^${roster.baseUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/Users/[^/]+$`));
    expect(ops[1].location).toMatch(/\/Groups\/[^/]+$/);
    const user = await getResource(roster, ops[0].location.slice(roster.baseUrl.length));
    const group = await getResource(roster, ops[1].location.slice(roster.baseUrl.length));
    expect(user.userName).toBe(userName);
    expect(group.displayName).toBe(displayName);
    expect(group.members.map((m: any) => m.value)).toEqual([user.id]);
    if (ops[0].version !== undefined) expect(ops[0].version).toBe(user.meta.version);
    expect(await userGroups(roster, user.id)).toEqual({ [group.id]: 'direct' });
  });

  it('resolves a bulkId referenced in a PATCH value of a later operation', async () => {
    const group = (await bulk([{ method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA], displayName: unique('Later ') } }])).body.Operations[0];
    const groupId = group.location.split('/').pop();
    const res = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'late', data: userData(unique('late')) },
      { method: 'PATCH', path: `/Groups/${groupId}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:late' }] }] } },
    ]);
    const ops = expectBulkResponse(res);
    expect(ops[0].status).toBe('201');
    expect(['200', '204']).toContain(ops[1].status);
    const userId = ops[0].location.split('/').pop();
    expect(await memberIds(roster, groupId)).toEqual([userId]);
  });

  it('runs PUT, PATCH and DELETE operations on existing resources', async () => {
    const a = await createUser(roster);
    const b = await createUser(roster);
    const c = await createUser(roster);
    const res = await bulk([
      { method: 'PUT', path: `/Users/${a.id}`, data: userData(a.userName, { title: 'Put' }) },
      { method: 'PATCH', path: `/Users/${b.id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Patched' }] } },
      { method: 'DELETE', path: `/Users/${c.id}` },
    ]);
    const ops = expectBulkResponse(res);
    expect(ops.map((o) => o.status)).toEqual(['200', '200', '204']);
    expect(ops.map((o) => String(o.method).toUpperCase())).toEqual(['PUT', 'PATCH', 'DELETE']);
    expect(ops[0].location).toBe(a.meta.location);
    expect((await getResource(roster, `/Users/${a.id}`)).title).toBe('Put');
    expect((await getResource(roster, `/Users/${b.id}`)).title).toBe('Patched');
    expectError(await roster.scim('GET', `/Users/${c.id}`), 404);
  });

  it('reports a failing operation with its Error and carries on without failOnErrors', async () => {
    const existing = await createUser(roster);
    const fresh = unique('fresh');
    const res = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'dup', data: userData(existing.userName) },
      { method: 'DELETE', path: '/Users/does-not-exist' },
      { method: 'POST', path: '/Users', bulkId: 'ok', data: userData(fresh) },
    ]);
    const ops = expectBulkResponse(res);
    expect(ops).toHaveLength(3);
    expect(ops[0]).toMatchObject({ bulkId: 'dup', status: '409' });
    expect(ops[0].response.scimType).toBe('uniqueness');
    expect(ops[1].status).toBe('404');
    expect(ops[2]).toMatchObject({ bulkId: 'ok', status: '201' });
    expect(expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${fresh}"`)}`))).toHaveLength(1);
  });

  it('stops after failOnErrors errors, leaving later operations undone', async () => {
    const existing = await createUser(roster);
    const never = unique('never');
    const res = await bulk(
      [
        { method: 'POST', path: '/Users', bulkId: 'first', data: userData(unique('first')) },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: userData(existing.userName) },
        { method: 'POST', path: '/Users', bulkId: 'never', data: userData(never) },
      ],
      1,
    );
    const ops = expectBulkResponse(res);
    expect(ops.length).toBeLessThanOrEqual(2);
    expect(ops[0]).toMatchObject({ bulkId: 'first', status: '201' });
    expect(ops[1]).toMatchObject({ bulkId: 'dup', status: '409' });
    expect(expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${never}"`)}`))).toHaveLength(0);
  });

  it('with failOnErrors 2 carries on past the first error and stops at the second', async () => {
    const existing = await createUser(roster);
    const second = unique('second');
    const never = unique('never2');
    const res = await bulk(
      [
        { method: 'POST', path: '/Users', bulkId: 'a', data: userData(existing.userName) },
        { method: 'POST', path: '/Users', bulkId: 'b', data: userData(second) },
        { method: 'DELETE', path: '/Users/does-not-exist' },
        { method: 'POST', path: '/Users', bulkId: 'c', data: userData(never) },
      ],
      2,
    );
    const ops = expectBulkResponse(res);
    expect(ops.map((o) => o.status)).toEqual(['409', '201', '404']);
    expect(expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${second}"`)}`))).toHaveLength(1);
    expect(expectList(await roster.scim('GET', `/Users?filter=${q(`userName eq "${never}"`)}`))).toHaveLength(0);
  });

  it('fails an operation whose bulkId reference cannot be resolved', async () => {
    const displayName = unique('Dangling ');
    const res = await bulk([{ method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA], displayName, members: [{ value: 'bulkId:nobody' }] } }]);
    const ops = expectBulkResponse(res);
    expect(ops[0].status).toMatch(/^4\d\d$/);
    expect(expectList(await roster.scim('GET', `/Groups?filter=${q(`displayName eq "${displayName}"`)}`))).toHaveLength(0);
  });

  it('answers a bad operation (unknown method or path) in its own slot, never 5xx', async () => {
    const res = await bulk([
      { method: 'GET', path: '/Users' },
      { method: 'POST', path: '/Nowhere', bulkId: 'x', data: {} },
      { method: 'POST', path: '/Users', data: userData(unique('nobulkid')) },
      { method: 'PATCH', path: '/Users', data: { schemas: [PATCH_OP], Operations: [] } },
      { path: '/Users', bulkId: 'm', data: userData(unique('nomethod')) },
    ]);
    expectHandled(res);
    if (res.status === 200) {
      const ops = expectBulkResponse(res);
      expect(ops).toHaveLength(5);
      expect(Number(ops[0].status)).toBeGreaterThanOrEqual(400);
      expect(Number(ops[1].status)).toBeGreaterThanOrEqual(400);
      expect(Number(ops[3].status)).toBeGreaterThanOrEqual(400);
    }
  });

  it('answers 400 for a body that is not a BulkRequest', async () => {
    for (const body of [{ schemas: [BULK_REQUEST] }, { schemas: [BULK_REQUEST], Operations: 'x' }, [], { Operations: { method: 'POST' } }]) {
      const res = await roster.scim('POST', '/Bulk', body);
      expectHandled(res, JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('answers an operation that is not an object either as a 400 request or as a 400 in its slot', async () => {
    const res = await bulk([null, 'DELETE', 7]);
    expectHandled(res);
    if (res.status === 200) expect(expectBulkResponse(res).map((o) => o.status)).toEqual(['400', '400', '400']);
    else expectError(res, 400);
  });

  it('answers 413 with an Error body when there are more than maxOperations operations', async () => {
    const operations = Array.from({ length: limits.maxOperations + 1 }, (_, i) => ({ method: 'DELETE', path: `/Users/none-${i}` }));
    const res = await bulk(operations);
    expectError(res, 413);
    expect(res.body.detail).toContain(String(limits.maxOperations));
  });

  it('answers 413 with an Error body when the payload is over maxPayloadSize', async () => {
    const padding = 'x'.repeat(limits.maxPayloadSize + 10);
    const res = await bulk([{ method: 'POST', path: '/Users', bulkId: 'big', data: userData(unique('big'), { nickName: padding }) }]);
    expectError(res, 413);
  });

  it('accepts exactly maxOperations operations', async () => {
    const n = Math.min(limits.maxOperations, 200);
    const tag = unique('many');
    const res = await bulk(Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: userData(`${tag}-${i}`) })));
    const ops = expectBulkResponse(res);
    expect(ops).toHaveLength(n);
    expect(ops.every((o) => o.status === '201')).toBe(true);
    const list = await roster.scim('GET', `/Users?filter=${q(`userName sw "${tag}-"`)}&count=0`);
    expect(list.body.totalResults).toBe(n);
  });

  it('is refused to a scim:read token with 403', async () => {
    const token = await roster.createToken({ scope: 'scim:read' });
    const res = await roster.scim(
      'POST',
      '/Bulk',
      { schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Users', bulkId: 'r', data: userData(unique('ro')) }] },
      { authorization: `Bearer ${token}` },
    );
    expectError(res, 403);
  });
});
