import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/outbound/webhook-signing.js';
import { settled, sleep, startSender, userBody, waitFor, type Sender } from './support.js';

// Webhooks: every change as a Standard Webhooks message, verified here by an implementation written from the
// specification (not Roster's signing code), in order, retried with the same id, parked on refusal, with a test
// event and a delivery log.

/** The Standard Webhooks check, from the spec: HMAC-SHA256 over `id.timestamp.body`, key = base64 after `whsec_`. */
function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, toleranceSeconds = 300): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  status: number;
}

interface Receiver {
  url: string;
  received: Received[];
  answer: (message: Received) => number;
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const r: Receiver = { url: '', received: [], answer: () => 204, close: async () => {} };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const message: Received = { headers: req.headers, raw, body: JSON.parse(raw), status: 0 };
      message.status = r.answer(message);
      r.received.push(message);
      res.writeHead(message.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  r.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return r;
}

let sender: Sender;
let hooks: Receiver;
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

beforeAll(async () => {
  sender = await startSender();
  hooks = await receiver();
});
afterAll(async () => {
  await sender?.close();
  await hooks?.close();
});
afterEach(async () => {
  for (const webhook of await sender.outbound.webhooks.list(sender.directory)) await sender.outbound.webhooks.remove(sender.directory, webhook.id);
  hooks.answer = () => 204;
  hooks.received.length = 0;
});

const scim = (method: string, path: string, body?: unknown) => sender.roster.scim(method, path, body);
const delivered = (list: Received[]) => list.filter((m) => m.status < 300);

describe('webhooks', () => {
  it('signs exactly as the Standard Webhooks test vector says', () => {
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('delivers every change, signed, in order, with the event types of the issue', async () => {
    const { webhook, secret } = await sender.outbound.webhooks.add(sender.directory, { url: hooks.url, name: 'all' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(JSON.stringify(await sender.outbound.webhooks.list(sender.directory))).not.toContain(secret.slice(6));
    const user = await scim('POST', '/Users', userBody('hook@example.com', { password: 'Hook-Password-99' }));
    const id = user.body.id;
    await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { title: 'Boss', password: 'Hook-Password-100' } }] });
    await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: true }] });
    const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Hooked', members: [{ value: id }] });
    await scim('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }, { op: 'replace', path: 'displayName', value: 'Hooked 2' }] });
    await scim('DELETE', `/Groups/${group.body.id}`);
    await scim('DELETE', `/Users/${id}`);
    await sender.roster.service.users.restore({ directory: sender.directory, base: '', actor: { kind: 'cli' } }, id);
    const expected = [
      'user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'group.created', 'group.member_added',
      'group.updated', 'group.member_removed', 'group.deleted', 'user.deleted', 'user.restored',
    ];
    await waitFor('all events', () => delivered(hooks.received).length >= expected.length);
    await settled(sender);
    const messages = delivered(hooks.received);
    expect(messages.map((m) => m.body.type).sort()).toEqual([...expected].sort());
    // In history order: seq strictly increasing; the member removal and the rename of one PATCH in its order.
    const seqs = messages.map((m) => m.body.data.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    for (const message of messages) {
      expect(verifyStandardWebhook(secret, message.headers, message.raw)).toBe(true);
      expect(verifyStandardWebhook(`${secret.slice(0, 10)}${secret[10] === 'A' ? 'B' : 'A'}${secret.slice(11)}`, message.headers, message.raw)).toBe(false);
      expect(message.headers['content-type']).toBe('application/json');
      expect(message.headers['webhook-id']).toBe(`msg_${sender.directory.id.replace(/-/g, '')}_${message.body.data.seq}`);
      expect(message.body).toMatchObject({ timestamp: expect.any(String), data: { directory: 'default', resourceType: expect.stringMatching(/^(User|Group)$/), resourceId: expect.any(String) } });
    }
    const created = messages.find((m) => m.body.type === 'user.created')!;
    expect(created.body.data).toMatchObject({ resourceId: id, resourceName: 'hook@example.com', actor: { kind: 'scim', label: 'bootstrap' }, data: { changes: { userName: { after: 'hook@example.com' } } } });
    const updated = messages.find((m) => m.body.type === 'user.updated')!;
    expect(updated.body.data.data.changes).toMatchObject({ title: { after: 'Boss' }, password: { changed: true } });
    const added = messages.find((m) => m.body.type === 'group.member_added')!;
    expect(added.body.data.data.member).toEqual({ value: id, type: 'User' });
    expect(hooks.received.map((m) => m.raw).join('')).not.toMatch(/Hook-Password/);

    const log = await sender.outbound.deliveries(sender.directory, 'webhook', webhook.id, { limit: 100 });
    expect(log.filter((d) => d.outcome === 'delivered')).toHaveLength(expected.length);
    expect(log[0]).toMatchObject({ httpStatus: 204, attempt: 1 });
    await sender.outbound.webhooks.remove(sender.directory, webhook.id);
  });

  it('sends only the subscribed event types', async () => {
    hooks.received.length = 0;
    const { webhook } = await sender.outbound.webhooks.add(sender.directory, { url: hooks.url, name: 'creations', events: ['user.created', 'group.created'] });
    const user = await scim('POST', '/Users', userBody('only@example.com'));
    await scim('PATCH', `/Users/${user.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'x' }] });
    await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Only' });
    await waitFor('two creations', () => hooks.received.length >= 2);
    await sleep(300);
    expect(hooks.received.map((m) => m.body.type)).toEqual(['user.created', 'group.created']);
    await expect(sender.outbound.webhooks.add(sender.directory, { url: hooks.url, events: ['user.nope'] })).rejects.toThrow(/Unknown event type/);
    await sender.outbound.webhooks.remove(sender.directory, webhook.id);
  });

  it('retries failures with the same message id, parks refusals, and sends a test event', async () => {
    hooks.received.length = 0;
    const { webhook, secret } = await sender.outbound.webhooks.add(sender.directory, { url: hooks.url, name: 'flaky' });
    let failures = 2;
    let refuse = true;
    hooks.answer = (m) => {
      if (m.body.data?.resourceName === 'refused@example.com' && refuse) return 422;
      if (m.body.data?.resourceName === 'flaky@example.com' && failures-- > 0) return 500;
      return 200;
    };
    await scim('POST', '/Users', userBody('flaky@example.com'));
    await scim('POST', '/Users', userBody('refused@example.com'));
    await scim('POST', '/Users', userBody('after@example.com'));
    await waitFor('the flaky one and the later one', () => ['flaky@example.com', 'after@example.com'].every((n) => hooks.received.some((m) => m.status === 200 && m.body.data.resourceName === n)));
    const flaky = hooks.received.filter((m) => m.body.data.resourceName === 'flaky@example.com');
    expect(flaky.map((m) => m.status)).toEqual([500, 500, 200]);
    expect(new Set(flaky.map((m) => m.headers['webhook-id'])).size).toBe(1);
    const lanes = await sender.outbound.lanes(sender.directory, 'webhook', webhook.id);
    expect(lanes).toMatchObject([{ state: 'failed', resourceName: 'refused@example.com', lastStatus: 422 }]);

    refuse = false;
    await sender.outbound.retry(sender.directory, 'webhook', webhook.id);
    await waitFor('the refused one after the retry', () => hooks.received.some((m) => m.status === 200 && m.body.data.resourceName === 'refused@example.com'));
    await settled(sender);

    const test = await sender.outbound.webhooks.sendTest(sender.directory, webhook.id);
    expect(test).toMatchObject({ ok: true, status: 200 });
    const event = hooks.received.at(-1)!;
    expect(event.body).toMatchObject({ type: 'roster.test', data: { directory: 'default' } });
    expect(verifyStandardWebhook(secret, event.headers, event.raw)).toBe(true);
    const log = await sender.outbound.deliveries(sender.directory, 'webhook', webhook.id, { limit: 100 });
    expect(log[0]).toMatchObject({ event: 'roster.test', outcome: 'delivered' });
    expect(log.filter((d) => d.outcome === 'retrying')).toHaveLength(2);
    expect(log.filter((d) => d.outcome === 'failed')).toHaveLength(1);

    // A rotated secret signs from then on; the old one no longer verifies.
    const rotated = await sender.outbound.webhooks.rotateSecret(sender.directory, webhook.id);
    await sender.outbound.webhooks.sendTest(sender.directory, webhook.id);
    const last = hooks.received.at(-1)!;
    expect(verifyStandardWebhook(rotated, last.headers, last.raw)).toBe(true);
    expect(verifyStandardWebhook(secret, last.headers, last.raw)).toBe(false);
    hooks.answer = () => 204;
    await sender.outbound.webhooks.remove(sender.directory, webhook.id);
  });

  it('keeps secrets sealed in the database', async () => {
    const { webhook, secret } = await sender.outbound.webhooks.add(sender.directory, { url: hooks.url, name: 'sealed' });
    const rows = await sender.roster.storage.db.selectFrom('outbound_endpoints').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret.slice(6));
    expect(rows.find((r) => r.id === webhook.id)!.secret).toMatch(/^v1:[0-9a-f]{12}:/);
    await sender.outbound.webhooks.remove(sender.directory, webhook.id);
  });
});
