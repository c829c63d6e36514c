import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbound } from '../../src/outbound/index.js';
import { SecretBox } from '../../src/outbound/secrets.js';
import type { DeliveryWorker } from '../../src/outbound/worker.js';
import { backend } from '../support/backends.js';
import { startRoster, type Roster } from '../support/roster.js';
import { FAST, SECRET_KEY, fakeTarget, userBody, waitFor, type FakeTarget } from '../outbound/support.js';
import { expectAccessible, hasChromium, screenshot, startConsole, type ConsoleHarness } from './browser.js';

// Configure outbound in a real browser: a target made from the console pointing at a second real Roster server
// ("Save and test" with a wrong token, then the right one), a user provisioned over SCIM arriving there, a change
// the (fake) target refuses parked and retried from the console, a full sync started from the console and
// followed to its end, a webhook with its test event in its delivery log; the overview tells where all of it stands.

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe.skipIf((!hasChromium && !process.env.CI) || backend !== 'sqlite')('admin console: outbound sync', { timeout: 120_000 }, () => {
  let h: ConsoleHarness;
  let second: Roster;
  let outbound: Outbound;
  let worker: DeliveryWorker;
  let fake: FakeTarget;
  let hookServer: Server;
  const received: Received[] = [];
  let hookUrl: string;
  let context: BrowserContext;
  let page: Page;
  const url = (path: string) => `${h.roster.origin}/admin/d/default${path}`;
  const flash = () => page.locator('.flash').first().textContent();
  const main = () => page.locator('main').innerText();
  const directory = () => h.roster.service.tenants.requireDirectory('default');
  const targetNamed = async (name: string) => (await outbound.targets.list(await directory())).find((t) => t.name === name)!;

  beforeAll(async () => {
    h = await startConsole();
    // What `roster serve` does (runOutboundWithServer): one outbound service, decorating the server for the
    // console, with its delivery worker running (fast settings).
    outbound = new Outbound(h.roster.service, { settings: FAST, secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')) });
    (h.roster.app as unknown as { outbound: Outbound }).outbound = outbound;
    worker = outbound.worker().start();
    second = await startRoster();
    fake = await fakeTarget();
    hookServer = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks/roster`;
    ({ context, page } = await h.newSession());
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await h?.close();
    await second?.close();
    await fake?.close();
    hookServer?.closeAllConnections();
    await new Promise((resolve) => hookServer?.close(resolve));
  });

  it('says outbound is not set up, then saves a target: "Save and test" shows a wrong token failing and the right one passing', async () => {
    await page.goto(url(''));
    const card = page.locator('section[aria-labelledby="outbound-title"]');
    expect(await card.innerText()).toContain('Not set up');
    await card.getByRole('link', { name: 'Set up outbound' }).click();
    await page.waitForURL(/\/outbound$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Configure outbound sync');
    expect(await main()).toContain('No targets yet');
    await expectAccessible(page, 'outbound (empty)');

    await page.getByRole('link', { name: 'Add a target' }).first().click();
    await page.waitForURL(/\/outbound\/targets\/new$/);
    await expectAccessible(page, 'new target form');
    await screenshot(page, 'outbound-target-new');
    await page.locator('#target-name').fill('mirror');
    await page.getByLabel('SCIM base URL').fill(second.baseUrl);
    await page.getByLabel('Bearer token').fill('not-the-right-token');
    await page.getByLabel('Push what the directory holds now').uncheck();
    await Promise.all([page.waitForURL(/\/outbound\/targets\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Save and test' }).click()]);
    expect(await page.getByRole('alert').textContent()).toMatch(/Target “mirror” saved\. Test failed: The target refused the credentials \(HTTP 401/);

    // The stored token shows as "set", never as itself; an empty field keeps it, a new value replaces it.
    await page.getByRole('link', { name: 'Edit mirror' }).click();
    expect(await page.locator('label[for="target-token"]').innerText()).toContain('set');
    expect(await page.locator('#target-token').inputValue()).toBe('');
    expect(await page.content()).not.toContain('not-the-right-token');
    await expectAccessible(page, 'edit target form');
    await page.getByLabel('Bearer token').fill(second.token);
    await Promise.all([page.waitForURL(/\/outbound\/targets\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Save and test' }).click()]);
    expect(await flash()).toMatch(/Target “mirror” saved\. Test passed: The target answered and accepted the credentials/);
    expect(await page.content()).not.toContain(second.token);

    // Saving again without typing the token keeps it: the test still passes.
    await page.getByRole('link', { name: 'Edit mirror' }).click();
    await page.getByLabel('Full sync on a schedule').fill('24h');
    await Promise.all([page.waitForURL(/\/outbound\/targets\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Save and test' }).click()]);
    expect(await flash()).toContain('Test passed');
    expect(await main()).toContain('Every 1d');
  });

  it('delivers a user provisioned over SCIM to the second Roster, and lists the delivery', async () => {
    const created = await h.roster.scim('POST', '/Users', userBody('ada.lovelace@example.com', { displayName: 'Ada Lovelace' }));
    expect(created.status).toBe(201);
    const filter = `/Users?filter=${encodeURIComponent('userName eq "ada.lovelace@example.com"')}`;
    const there = await waitFor('Ada on the second Roster', async () => {
      const list = await second.scim('GET', filter);
      return list.body.totalResults === 1 ? list.body.Resources[0] : undefined;
    });
    expect(there).toMatchObject({ userName: 'ada.lovelace@example.com', displayName: 'Ada Lovelace', active: true });
    expect(there.id).not.toBe(created.body.id);

    await page.goto(url(''));
    await page.getByRole('navigation', { name: 'Directory' }).getByRole('link', { name: 'Configure outbound' }).click();
    await page.getByRole('link', { name: 'mirror' }).click();
    const log = page.locator('#deliveries');
    await expect.poll(async () => (await page.reload(), await log.innerText()), { timeout: 10_000 }).toContain('ada.lovelace@example.com');
    expect(await log.innerText()).toMatch(/user\.created[\s\S]*Delivered[\s\S]*201/);
    expect(await main()).toContain('Up to date');
    await expectAccessible(page, 'target page');
    await screenshot(page, 'outbound-target');
  });

  it('parks a change the target refuses, shows it with the error, and "Retry" delivers it once the target is fixed', async () => {
    fake.behave = (r) => (r.method === 'POST' && r.path === '/Users' ? { status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: 'department is required here' } } : 'pass');
    await page.goto(url('/outbound/targets/new'));
    await page.locator('#target-name').fill('payroll');
    await page.getByLabel('SCIM base URL').fill(fake.url);
    await page.getByLabel('How Roster signs in to the target').selectOption('none');
    await page.getByLabel('Push what the directory holds now').uncheck();
    await Promise.all([page.waitForURL(/\/outbound\/targets\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Save and test' }).click()]);
    expect(await flash()).toContain('Test passed');

    await h.roster.scim('POST', '/Users', userBody('grace.hopper@example.com', { displayName: 'Grace Hopper' }));
    await waitFor('the refusal to be parked', async () => (await targetNamed('payroll')).state.failed === 1);
    await page.reload();
    const waiting = page.locator('#waiting');
    const row = waiting.getByRole('row', { name: /grace\.hopper@example\.com/ });
    expect(await row.innerText()).toMatch(/Failed[\s\S]*HTTP 400[\s\S]*department is required here/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('1 failed');
    await expectAccessible(page, 'target with a parked failure');
    await screenshot(page, 'outbound-target-parked');

    // The list and the overview show it too.
    await page.goto(url('/outbound'));
    expect(await page.locator('section[aria-labelledby="targets-title"]').getByRole('row', { name: /payroll/ }).innerText()).toContain('1 failed');
    await page.goto(url(''));
    const card = page.locator('section[aria-labelledby="outbound-title"]');
    expect(await card.innerText()).toMatch(/payroll[\s\S]*1 failed[\s\S]*1 parked failure/);

    fake.behave = () => 'pass';
    await card.getByRole('link', { name: 'payroll' }).click();
    await Promise.all([page.waitForURL(/#waiting$/), page.getByRole('button', { name: 'Retry grace.hopper@example.com' }).click()]);
    expect(await flash()).toContain('1 resource will be delivered again');
    await waitFor('Grace on the fixed target', () => fake.user('grace.hopper@example.com'));
    await expect.poll(async () => (await page.reload(), await page.locator('#deliveries').innerText()), { timeout: 10_000 }).toMatch(/user\.created[\s\S]*grace\.hopper@example\.com[\s\S]*Delivered/);
    expect(await page.locator('#waiting').innerText()).toContain('Nothing waiting');
  });

  it('starts a full sync from the console, follows its progress, and the target is repaired', async () => {
    // Behind Roster's back: Ada is deleted on the second Roster.
    const filter = `/Users?filter=${encodeURIComponent('userName eq "ada.lovelace@example.com"')}`;
    const ada = (await second.scim('GET', filter)).body.Resources[0];
    expect((await second.scim('DELETE', `/Users/${ada.id}`)).status).toBe(204);

    await page.goto(url('/outbound'));
    await page.getByRole('link', { name: 'mirror' }).click();
    await Promise.all([page.waitForURL(/\/sync$/), page.getByRole('button', { name: 'Start full sync' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Full sync of mirror');
    expect(await flash()).toContain('Full sync of “mirror” requested');
    // htmx polls the progress region; it stops once the sync has finished.
    const progress = page.locator('#sync-progress');
    await expect.poll(() => progress.innerText(), { timeout: 30_000 }).toMatch(/Finished[\s\S]*Full sync finished/);
    expect(await page.getByRole('region', { name: 'What the sync changed' }).innerText()).toMatch(/People created\s+1/);
    expect((await second.scim('GET', filter)).body.totalResults).toBe(1);
    expect(await progress.getByRole('button', { name: 'Run it again' }).isVisible()).toBe(true);
    await expectAccessible(page, 'full sync progress');
    await screenshot(page, 'outbound-full-sync');
  });

  it('creates a webhook, shows its signing secret once, sends a test event and lists it in the delivery log', async () => {
    await page.goto(url('/outbound'));
    await page.getByRole('link', { name: 'Add a webhook' }).first().click();
    await expectAccessible(page, 'new webhook form');
    await page.getByLabel('Endpoint URL').fill(hookUrl);
    await page.getByLabel('Name (optional)').fill('audit app');
    await page.getByLabel('Only these:').check();
    await page.getByLabel('user.created').check();
    await page.getByLabel('user.deactivated').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(secret).toMatch(/^whsec_/);
    await expectAccessible(page, 'new webhook with its secret');
    await screenshot(page, 'outbound-webhook-secret');

    // Shown once: the webhook's own page does not have it.
    await page.goto(url('/outbound'));
    await page.getByRole('link', { name: 'audit app' }).click();
    expect(await page.content()).not.toContain(secret);
    expect(await main()).toContain('user.created, user.deactivated');

    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.waitForURL(/#deliveries$/);
    expect(await flash()).toContain('Test event sent: The endpoint accepted the test event (HTTP 204)');
    expect(await page.locator('#deliveries').innerText()).toMatch(/roster\.test[\s\S]*Delivered[\s\S]*204[\s\S]*test event/);
    // What arrived is signed with the secret the page showed (Standard Webhooks: HMAC-SHA256 of id.timestamp.body).
    const test = received.find((r) => r.body.includes('"roster.test"'))!;
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${test.headers['webhook-id']}.${test.headers['webhook-timestamp']}.${test.body}`).digest('base64');
    expect(String(test.headers['webhook-signature']).split(' ')).toContain(`v1,${expected}`);

    // A real change is delivered and logged per endpoint too.
    await h.roster.scim('POST', '/Users', userBody('alan.turing@example.com'));
    await waitFor('user.created at the webhook', () => received.some((r) => r.body.includes('"user.created"') && r.body.includes('alan.turing@example.com')));
    await expect.poll(async () => (await page.reload(), await page.locator('#deliveries').innerText()), { timeout: 10_000 }).toMatch(/user\.created[\s\S]*alan\.turing@example\.com[\s\S]*Delivered/);
    await expectAccessible(page, 'webhook page');
    await screenshot(page, 'outbound-webhook');
  });

  it('lists every target and webhook with its health, and the overview says what is set up', async () => {
    await page.goto(url('/outbound'));
    const targets = await page.locator('section[aria-labelledby="targets-title"]').innerText();
    expect(targets).toMatch(/mirror[\s\S]*Up to date/);
    expect(targets).toMatch(/payroll[\s\S]*Up to date/);
    expect(await page.locator('section[aria-labelledby="webhooks-title"]').innerText()).toMatch(/audit app[\s\S]*user\.created, user\.deactivated[\s\S]*Up to date/);
    await expectAccessible(page, 'outbound list');
    await screenshot(page, 'outbound');

    await page.goto(url(''));
    const card = await page.locator('section[aria-labelledby="outbound-title"]').innerText();
    expect(card).not.toContain('Not set up');
    expect(card).toMatch(/mirror\s+SCIM target\s+Up to date\s+last delivery [^·]+ · 0 parked failures · backlog 0/);
    expect(card).toMatch(/audit app\s+webhook\s+Up to date/);
    expect(card).toContain('2 targets, 1 webhook');
    await expectAccessible(page, 'overview with outbound');
    await screenshot(page, 'outbound-overview');
  });

  it('works without JavaScript, and refuses a form without its CSRF token', async () => {
    const plain = await h.newSession({ javaScript: false });
    const tab = plain.page;
    await tab.goto(url('/outbound'));
    await tab.getByRole('link', { name: 'mirror' }).click();
    await tab.getByRole('button', { name: 'Test connection' }).click();
    expect(await tab.locator('.flash').first().textContent()).toContain('Test passed');
    await tab.getByRole('link', { name: 'Show progress' }).click();
    expect(await tab.locator('#sync-progress').innerText()).toContain('Full sync finished');

    const mirror = await targetNamed('mirror');
    const forged = await plain.context.request.post(url(`/outbound/targets/${mirror.id}/sync`), { form: { _csrf: 'A'.repeat(32) }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    const removal = await plain.context.request.post(url(`/outbound/targets/${mirror.id}/remove`), { form: {}, maxRedirects: 0 });
    expect(removal.status()).toBe(403);
    expect((await targetNamed('mirror')).state.fullSync.state?.status).toBe('done');
    await plain.context.close();
  });
});
