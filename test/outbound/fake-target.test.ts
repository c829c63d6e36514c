import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeTarget, settled, sleep, startSender, userBody, waitFor, type FakeTarget, type Recorded, type Sender } from './support.js';

// Delivery against a controllable fake target: failures of every kind are retried and everything arrives, in
// order per resource; refusals are parked and retried on demand; AWS limits and group scopes are obeyed.

let sender: Sender;
let target: FakeTarget;

beforeAll(async () => {
  sender = await startSender();
});
afterAll(async () => {
  await sender?.close();
});
afterEach(async () => {
  for (const t of await sender.outbound.targets.list(sender.directory)) await sender.outbound.targets.remove(sender.directory, t.id);
  await target?.close();
});

async function addTarget(options: Record<string, unknown> = {}) {
  target = await fakeTarget({ token: 'fake-token-123' });
  return sender.outbound.targets.add(sender.directory, {
    name: `fake-${Math.random().toString(36).slice(2, 8)}`,
    url: target.url,
    auth: { type: 'bearer', token: 'fake-token-123' },
    initialSync: false,
    ...options,
  });
}

const scim = (method: string, path: string, body?: unknown) => sender.roster.scim(method, path, body);
const unique = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const writes = (t: FakeTarget) => t.requests.filter((r) => r.method !== 'GET');

/** Requests that touched one user on the fake (by userName in the body or the remote id in the path). */
function requestsFor(t: FakeTarget, userName: string): Recorded[] {
  const remote = t.user(userName)?.id;
  return t.requests.filter((r) => r.status && r.status < 300 && r.method !== 'GET' && (r.body?.userName === userName || (remote && r.path.endsWith(remote))));
}

describe('delivery to a SCIM target', { timeout: 90_000 }, () => {
  it('sends creates, updates, deactivation and deletion with the X-Roster-Origin of this directory', async () => {
    await addTarget();
    const name = unique('ann');
    const created = await scim('POST', '/Users', userBody(name, { title: 'Engineer', password: 'Secret-pass-123' }));
    expect(created.status).toBe(201);
    const id = created.body.id;
    await scim('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] });
    await scim('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await waitFor('deactivation to arrive', () => target.user(name)?.active === false);
    await settled(sender);
    const remote = target.user(name)!;
    expect(remote.title).toBe('Lead');
    expect(remote).not.toHaveProperty('password');
    const sent = writes(target);
    expect(sent.map((r) => r.method)).toEqual(['POST', 'PUT', 'PATCH']);
    expect(sent[0].headers['x-roster-origin']).toBe(sender.directory.id);
    expect(sent[0].headers.authorization).toBe('Bearer fake-token-123');
    expect(sent[2].body.Operations).toEqual([{ op: 'replace', path: 'active', value: false }]);
    expect(JSON.stringify(target.requests.map((r) => r.body))).not.toContain('Secret-pass-123');

    await scim('DELETE', `/Users/${id}`);
    await waitFor('deletion to arrive', () => !target.user(name));
    const state = await waitFor('the cursor at the end', async () => {
      const s = (await sender.outbound.targets.list(sender.directory))[0].state;
      return s.backlog === 0 ? s : undefined;
    });
    expect(state.failed + state.retrying).toBe(0);
  });

  it('retries 500s, dropped connections and timeouts, and delivers every change in order', async () => {
    await addTarget();
    let n = 0;
    // Every third request fails one way or another; each resource's requests must still land in order.
    target.behave = () => {
      n++;
      if (n === 1) return { status: 201, delayMs: 2_500 }; // beyond the 2 s request timeout
      if (n % 3 === 1) return { status: 500 };
      if (n % 3 === 2 && n % 2 === 0) return 'drop';
      return 'pass';
    };
    const names = Array.from({ length: 6 }, (_, i) => unique(`u${i}`));
    const ids: string[] = [];
    for (const name of names) ids.push((await scim('POST', '/Users', userBody(name))).body.id);
    for (const [i, id] of ids.entries()) {
      for (const title of ['one', 'two', 'three']) {
        await scim('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `${title}-${i}` }] });
      }
    }
    await waitFor('every user at its last title', () => names.every((name, i) => target.user(name)?.title === `three-${i}`), 40_000);
    await settled(sender, 40_000);
    for (const name of names) {
      const seen = requestsFor(target, name);
      expect(seen[0].method).toBe('POST');
      // Successful deliveries of one user are in history order: its titles only move forward.
      const titles = seen.filter((r) => r.method === 'PUT').map((r) => String(r.body.title).split('-')[0]);
      const order = ['one', 'two', 'three'];
      expect(titles.map((t) => order.indexOf(t))).toEqual([...titles.map((t) => order.indexOf(t))].sort());
      expect(titles[titles.length - 1]).toBe('three');
    }
    expect(target.requests.some((r) => r.status === 0)).toBe(true);
    expect(target.requests.some((r) => r.status === 500)).toBe(true);
    const log = await sender.outbound.deliveries(sender.directory, 'scim', (await sender.outbound.targets.list(sender.directory))[0].id, { limit: 1000, outcome: 'retrying' });
    expect(log.some((d) => /no answer within 2000 ms/.test(d.message ?? ''))).toBe(true);
    expect(log.some((d) => /network error/.test(d.message ?? ''))).toBe(true);
  });

  it('honours Retry-After on 429', async () => {
    await addTarget();
    let limited = false;
    target.behave = (r) => {
      if (!limited && r.method === 'POST') {
        limited = true;
        return { status: 429, headers: { 'retry-after': '1' } };
      }
      return 'pass';
    };
    const name = unique('rate');
    await scim('POST', '/Users', userBody(name));
    await waitFor('the user after the rate limit', () => target.user(name), 40_000);
    const posts = target.requests.filter((r) => r.method === 'POST');
    expect(posts[0].status).toBe(429);
    expect(posts[1].time - posts[0].time).toBeGreaterThanOrEqual(950);
  });

  it('rides out a long outage with few requests, then delivers everything', async () => {
    await addTarget();
    target.behave = () => ({ status: 503 });
    const names = Array.from({ length: 12 }, (_, i) => unique(`out${i}`));
    for (const name of names) await scim('POST', '/Users', userBody(name));
    await sleep(2_500);
    const duringOutage = target.requests.length;
    // Backoff (60 ms doubling to 400 ms, endpoint-wide): a few probes a second, never one per waiting change each poll.
    expect(duringOutage).toBeLessThan(40);
    const waiting = (await sender.outbound.targets.list(sender.directory))[0].state;
    expect(waiting.failures).toBeGreaterThan(0);
    expect(waiting.lastError).toContain('503');
    target.behave = () => 'pass';
    await waitFor('every user after the outage', () => names.every((name) => target.user(name)), 40_000);
    expect(target.users.size).toBe(names.length);
  });

  it('parks a refused change, holds that resource\'s later changes, and delivers them in order after a retry', async () => {
    const view = await addTarget();
    const bad = unique('bad');
    const good = unique('good');
    let refuse = true;
    target.behave = (r) => (refuse && r.method === 'POST' && r.body?.userName === bad ? { status: 400, body: { status: '400', scimType: 'invalidValue', detail: 'title is not allowed' } } : 'pass');
    const badId = (await scim('POST', '/Users', userBody(bad))).body.id;
    await scim('PATCH', `/Users/${badId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'after' }] });
    await scim('POST', '/Users', userBody(good));
    await waitFor('the good user', () => target.user(good));
    await sleep(300);
    expect(target.user(bad)).toBeUndefined();
    const lanes = await sender.outbound.lanes(sender.directory, 'scim', view.id);
    expect(lanes).toHaveLength(1);
    expect(lanes[0]).toMatchObject({ state: 'failed', resourceId: badId, resourceName: bad, lastStatus: 400 });
    expect(lanes[0].lastError).toContain('title is not allowed');
    const state = (await sender.outbound.targets.get(sender.directory, view.id)).state;
    expect(state.failed).toBe(1);
    const log = await sender.outbound.deliveries(sender.directory, 'scim', view.id, { outcome: 'failed' });
    expect(log[0]).toMatchObject({ outcome: 'failed', httpStatus: 400, resourceId: badId });
    // Parked: no more attempts by itself.
    const attempts = target.requests.length;
    await sleep(400);
    expect(target.requests.length).toBe(attempts);

    refuse = false;
    expect(await sender.outbound.retry(sender.directory, 'scim', view.id)).toBe(1);
    await waitFor('the parked user with its later change', () => target.user(bad)?.title === 'after');
    await waitFor('the lane gone', async () => (await sender.outbound.lanes(sender.directory, 'scim', view.id)).length === 0);
  });

  it('links to an existing resource when a create answers 409', async () => {
    await addTarget();
    const name = unique('exists');
    target.users.set('pre-existing', { id: 'pre-existing', userName: name, title: 'stale' });
    const id = (await scim('POST', '/Users', userBody(name, { title: 'fresh' }))).body.id;
    await waitFor('the existing user updated', () => target.users.get('pre-existing')?.title === 'fresh');
    expect(target.users.size).toBe(1);
    await scim('DELETE', `/Users/${id}`);
    await waitFor('the linked user deleted', () => !target.users.has('pre-existing'));
  });

  it('sends group memberships; the AWS preset sends at most 100 per PATCH and one email', async () => {
    await addTarget({ preset: 'aws' });
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) {
      const created = await sender.roster.service.users.create(
        { directory: sender.directory, base: '', actor: { kind: 'cli' } },
        userBody(unique(`m${i}`), { emails: [{ value: `a${i}@x.example`, type: 'home' }, { value: `b${i}@x.example`, type: 'work', primary: true }] }),
      );
      ids.push(String(created.id));
    }
    const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Big', members: ids.map((value) => ({ value })) });
    expect(group.status).toBe(201);
    await waitFor('105 members on the target', () => (target.group('Big')?.members as unknown[] | undefined)?.length === 105, 40_000);
    const patches = target.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/Groups'));
    for (const patch of patches) {
      const changes = (patch.body.Operations as { value?: unknown[] }[]).reduce((n, op) => n + (Array.isArray(op.value) ? op.value.length : 1), 0);
      expect(changes).toBeLessThanOrEqual(100);
    }
    const someone = [...target.users.values()][0];
    expect(someone.emails).toEqual([{ value: expect.stringMatching(/^b\d+@x\.example$/), type: 'work', primary: true }]);
    expect(someone.displayName).toBe(someone.userName);
    // Removing members arrives as member removals.
    await scim('PATCH', `/Groups/${group.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ids.slice(0, 5).map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })) });
    await waitFor('100 members on the target', () => (target.group('Big')?.members as unknown[]).length === 100);
  });

  it('takes a member removal the target already made (noTarget) as done', async () => {
    const view = await addTarget();
    const a = (await scim('POST', '/Users', userBody(unique('a')))).body.id;
    const b = (await scim('POST', '/Users', userBody(unique('b')))).body.id;
    const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Strict', members: [{ value: a }, { value: b }] });
    await waitFor('two members there', () => (target.group('Strict')?.members as unknown[] | undefined)?.length === 2);
    const remote = target.group('Strict')!;
    remote.members = (remote.members as { value: string }[]).slice(1); // removed there, behind Roster's back
    await scim('PATCH', `/Groups/${group.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: 'members' }] });
    await settled(sender);
    expect(target.group('Strict')!.members).toEqual([]);
    expect(target.requests.some((r) => r.status === 400)).toBe(true);
    expect((await sender.outbound.targets.get(sender.directory, view.id)).state.failed).toBe(0);
  });

  it('sends only the members of chosen groups, and deactivates people who leave them', async () => {
    const chosen = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Chosen-${Math.random()}` });
    await addTarget({ groups: [chosen.body.displayName] });
    const inside = unique('inside');
    const outside = unique('outside');
    const insideId = (await scim('POST', '/Users', userBody(inside))).body.id;
    await scim('POST', '/Users', userBody(outside));
    await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Other-${Math.random()}` });
    await scim('PATCH', `/Groups/${chosen.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: insideId }] }] });
    await waitFor('the member on the target, in the group', () => {
      const remote = target.user(inside);
      const group = target.group(chosen.body.displayName);
      return remote && group && (group.members as { value: string }[]).some((m) => m.value === remote.id);
    });
    expect(target.user(outside)).toBeUndefined();
    expect(target.groups.size).toBe(1);
    await scim('PATCH', `/Groups/${chosen.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${insideId}"]` }] });
    await waitFor('the person deactivated there', () => target.user(inside)?.active === false);
  });

  it('deprovisions the people a deleted group was the way in for, and follows a change of groups', async () => {
    const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
    const [ann, bob, cy] = [unique('ann'), unique('bob'), unique('cy')];
    const annId = (await scim('POST', '/Users', userBody(ann))).body.id;
    const bobId = (await scim('POST', '/Users', userBody(bob))).body.id;
    const cyId = (await scim('POST', '/Users', userBody(cy))).body.id;
    const inner = await scim('POST', '/Groups', { schemas: [GROUP], displayName: `Inner-${Math.random()}`, members: [{ value: bobId }] });
    const chosen = await scim('POST', '/Groups', { schemas: [GROUP], displayName: `Chosen-${Math.random()}`, members: [{ value: annId }, { value: inner.body.id, type: 'Group' }] });
    const other = await scim('POST', '/Groups', { schemas: [GROUP], displayName: `Other-${Math.random()}`, members: [{ value: cyId }] });
    const view = await addTarget({ groups: [chosen.body.id], deprovision: 'delete', initialSync: true });
    await waitFor('ann and bob there', () => target.user(ann) && target.user(bob));
    expect(target.user(cy)).toBeUndefined();

    // The nested group goes: bob has no way in any more (its memberships are gone with it, unrecorded).
    await scim('DELETE', `/Groups/${inner.body.id}`);
    await waitFor('bob deleted there', () => !target.user(bob));
    expect(target.user(ann)).toBeDefined();
    // The chosen group goes: the group there, and ann with it.
    await scim('DELETE', `/Groups/${chosen.body.id}`);
    await waitFor('ann and the group deleted there', () => !target.user(ann) && target.groups.size === 0);
    await settled(sender);
    const log = await sender.outbound.deliveries(sender.directory, 'scim', view.id, { limit: 100 });
    expect(log.some((d) => d.event === 'group.deleted' && /deprovision 1 person who left/.test(d.message ?? ''))).toBe(true);

    // Other groups chosen: a full sync brings their people in at once.
    const changed = await sender.outbound.targets.update(sender.directory, view.id, { groups: [other.body.displayName] });
    expect(changed.state.fullSync.requestedAt).not.toBeNull();
    await waitFor('cy there', () => target.user(cy)?.active !== false && target.group(other.body.displayName));
  });

  it('authenticates with OAuth 2.0 client credentials (a cached token, renewed after a 401) and with basic auth', async () => {
    target = await fakeTarget({ token: 'issued-token-1' });
    target.oauth = { clientId: 'roster', clientSecret: 'client-secret-1', issued: 0 };
    await sender.outbound.targets.add(sender.directory, {
      name: 'oauth',
      url: target.url,
      auth: { type: 'oauth2', tokenUrl: target.url.replace('/scim/v2', '/oauth/token'), clientId: 'roster', clientSecret: 'client-secret-1', scope: 'scim' },
      initialSync: false,
    });
    const first = unique('oauth1');
    await scim('POST', '/Users', userBody(first));
    await scim('POST', '/Users', userBody(unique('oauth2')));
    await waitFor('both users', () => target.users.size === 2);
    expect(target.oauth.issued).toBe(1);
    // The target revokes the token: the next request gets 401, a new token is fetched, the delivery goes through.
    target.token = 'issued-token-2';
    await scim('POST', '/Users', userBody(unique('oauth3')));
    await waitFor('the third user', () => target.users.size === 3);
    expect(target.oauth.issued).toBe(2);
    await sender.outbound.targets.remove(sender.directory, 'oauth');
    await target.close();

    target = await fakeTarget();
    target.authorization = `Basic ${Buffer.from('svc:pa:ss').toString('base64')}`;
    await sender.outbound.targets.add(sender.directory, { name: 'basic', url: target.url, auth: { type: 'basic', username: 'svc', password: 'pa:ss' }, initialSync: false });
    expect((await sender.outbound.targets.test(sender.directory, 'basic')).ok).toBe(true);
    await scim('POST', '/Users', userBody(unique('basic')));
    await waitFor('the user over basic auth', () => target.users.size === 1);
  });

  it('"test" checks the live target and its credentials', async () => {
    const view = await addTarget();
    expect(await sender.outbound.targets.test(sender.directory, view.id)).toMatchObject({ ok: true, status: 200 });
    target.token = 'another-token';
    const refused = await sender.outbound.targets.test(sender.directory, view.id);
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/refused the credentials/);
    await target.close();
    const down = await sender.outbound.targets.test(sender.directory, view.id);
    expect(down).toMatchObject({ ok: false });
    expect(down.message).toMatch(/network error/);
  });
});
