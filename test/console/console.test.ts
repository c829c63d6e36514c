import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../http/helpers.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, expectAccessible, flushLog, hasChromium, inBrowser, signIn, startConsole, type ConsoleHarness } from './browser.js';

// The admin console in a real browser against a real server: what an administrator does, checked the way they
// would check it, and every change confirmed over SCIM.

const XSS_USER = '<script>window.__pwned=1</script>@example.com';
const XSS_NAME = '<img src=x onerror="window.__pwned=2">';

describe.skipIf(!hasChromium && !process.env.CI)('admin console', { timeout: 90_000 }, () => {
  let h: ConsoleHarness;
  // One signed-in tab for the tests that need no session of their own (a new browser context costs seconds).
  let context: BrowserContext;
  let page: Page;
  const url = (path: string) => `${h.roster.origin}${path}`;
  const flash = () => page.locator('.flash').first().textContent();

  beforeAll(async () => {
    h = await startConsole();
    ({ context, page } = await h.newSession());
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('asks for a sign-in, refuses a wrong password, and serves its pages under a strict CSP', async () => {
    const fresh = await h.browser.newContext();
    const tab = await fresh.newPage();
    const first = await tab.goto(url('/admin/d/default/people'));
    expect(tab.url()).toContain('/admin/login');
    const csp = first?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');

    await tab.getByLabel('Email').fill(ADMIN_EMAIL);
    await tab.getByLabel('Password').fill('not the password');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => tab.getByRole('alert').textContent()).toContain('not correct');

    await tab.getByLabel('Password').fill(ADMIN_PASSWORD);
    await Promise.all([tab.waitForURL(/\/admin\/d\/default\/people/), tab.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await tab.getByRole('heading', { level: 1 }).textContent()).toBe('People');
    const session = (await fresh.cookies()).find((c) => c.name === 'roster_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    expect(session?.path).toBe('/admin');
    await fresh.close();
  });

  it('connects an identity provider with the base URL and token copied from the page, then lists the person', async () => {
    await page.goto(url('/admin/d/default/inbound'));
    await page.getByRole('button', { name: 'Copy SCIM base URL' }).click();
    await expect.poll(() => page.locator('.copy-status').first().textContent()).toContain('Copied');
    const baseUrl = await inBrowser<string>(page, 'navigator.clipboard.readText()');
    expect(baseUrl).toBe(`${h.roster.origin}/scim/v2`);

    await page.getByLabel('Label').fill('Okta production');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('button', { name: 'Copy Bearer token' }).click();
    await expect.poll(() => page.locator('.copy-status').filter({ hasText: 'Copied' }).count()).toBe(1);
    const token = await inBrowser<string>(page, 'navigator.clipboard.readText()');
    expect(token).toMatch(/^rst_[A-Za-z0-9_-]{43}$/);
    // The Okta steps carry this directory's values, the new token included.
    await page.locator('#guide-okta summary').click();
    const steps = await page.locator('#guide-okta').textContent();
    expect(steps).toContain(baseUrl);
    expect(steps).toContain(token);

    const created = await fetch(`${baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0' },
      body: JSON.stringify({
        schemas: [USER_SCHEMA],
        userName: 'grace@example.com',
        name: { givenName: 'Grace', familyName: 'Hopper' },
        emails: [{ value: 'grace@example.com', primary: true, type: 'work' }],
        active: true,
      }),
    });
    expect(created.status).toBe(201);

    await page.goto(url('/admin/d/default/people'));
    const row = page.getByRole('row', { name: /Grace Hopper/ });
    expect(await row.count()).toBe(1);
    const text = await row.textContent();
    expect(text).toContain('grace@example.com');
    expect(text).toContain('Active');
    expect(text).toContain('Okta');
  });

  it('shows IdP-sent markup as text and never runs it', async () => {
    const created = await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: XSS_USER, displayName: XSS_NAME });
    expect(created.status).toBe(201);
    await page.goto(url(`/admin/d/default/people?q=${encodeURIComponent('script')}`));
    expect(await page.getByRole('cell', { name: XSS_USER }).count()).toBe(1);
    await page.getByRole('link', { name: XSS_NAME }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('<img src=x');
    expect(await page.locator('main').textContent()).toContain(XSS_USER);
    expect(await inBrowser<number | undefined>(page, 'window.__pwned')).toBeUndefined();
    expect(await page.locator('main img, main script').count()).toBe(0);
  });

  it('filters people as one types, by status, role and source, and pages through them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const n = String(i).padStart(2, '0');
      ids.push((await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `bulk${n}@example.com`, active: i % 10 !== 0 })).body.id);
    }
    await page.goto(url('/admin/d/default/people?q=bulk&sort=name'));
    expect(await page.locator('.pager').textContent()).toContain('Showing 50 of 60 people');
    expect(await page.locator('#people-results tbody tr').first().textContent()).toContain('bulk00@example.com');
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(() => page.locator('#people-results tbody tr').count()).toBe(10);
    expect(await page.locator('.pager').textContent()).toContain('Showing 10 of 60 people');
    expect(await page.locator('#people-results tbody tr').last().textContent()).toContain('bulk59@example.com');
    await page.getByRole('link', { name: 'Previous page' }).click();
    await expect.poll(() => page.locator('#people-results tbody tr').count()).toBe(50);
    expect(await page.locator('#people-results tbody tr').first().textContent()).toContain('bulk00@example.com');

    // Typing filters in place (htmx) and keeps the address in step, so the view can be bookmarked.
    await page.goto(url('/admin/d/default/people'));
    await page.getByLabel('Search').fill('bulk0');
    await expect.poll(() => page.locator('#people-results tbody tr').count()).toBe(10);
    expect(page.url()).toContain('q=bulk0');
    await page.getByLabel('Status').selectOption('blocked');
    await expect.poll(() => page.locator('#people-results tbody tr').count()).toBe(1);
    expect(await page.locator('#people-results').textContent()).toContain('bulk00@example.com');
    expect(page.url()).toContain('status=blocked');

    // A role: that group's members only, combined with the other filters.
    await h.roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Bulk crew', members: [0, 1, 2, 15].map((i) => ({ value: ids[i] })) });
    await page.goto(url('/admin/d/default/people?q=bulk'));
    await page.getByLabel('Role').selectOption({ label: 'Bulk crew' });
    await expect.poll(() => page.locator('#people-results tbody tr').count()).toBe(4);
    await page.getByLabel('Status').selectOption('active');
    await expect.poll(() => page.locator('#people-results tbody tr').count()).toBe(3);
    expect(await page.locator('#people-results').textContent()).not.toContain('bulk00@example.com');

    // A source: who created them. Grace came from Okta; the bulk people from a client Roster does not recognise.
    await page.goto(url('/admin/d/default/people'));
    await page.getByLabel('Source').selectOption({ label: 'Okta' });
    await expect.poll(() => page.url()).toContain('source=okta');
    await expect.poll(() => page.locator('#people-results tbody tr').count()).toBe(1);
    expect(await page.locator('#people-results').textContent()).toContain('Grace Hopper');
    await page.getByLabel('Search').fill('bulk');
    await expect.poll(() => page.locator('#people-results').textContent()).toContain('Nobody matches');
  });

  it('obeys a policy switched off in the console on the next SCIM call', async () => {
    await page.goto(url('/admin/d/default/inbound'));
    await page.getByLabel('Create people').uncheck();
    await page.getByRole('button', { name: 'Save policies' }).click();
    await expect.poll(flash).toContain('Policies saved');
    expect(await page.getByLabel('Create people').isChecked()).toBe(false);

    const refused = await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'late@example.com' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('"create"');

    await page.getByLabel('Create people').check();
    await page.getByLabel('Hard delete: remove them at once').check();
    await page.getByLabel('Retention (days)').fill('14');
    await page.getByRole('button', { name: 'Save policies' }).click();
    await expect.poll(flash).toContain('Policies saved');
    expect((await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'late@example.com' })).status).toBe(201);
    const policy = h.roster.service.policies.get(await h.roster.service.tenants.requireDirectory('default'));
    expect(policy).toMatchObject({ create: true, deletion: 'hard', retentionDays: 14 });

    await page.getByLabel('Soft delete: keep deleted people for the retention period, restorable').check();
    await page.getByRole('button', { name: 'Save policies' }).click();
    await expect.poll(flash).toContain('Policies saved');
  });

  it('blocks, unblocks, assigns a role, deletes and restores a person, each seen over SCIM', async () => {
    const user = (await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ada@example.com', displayName: 'Ada Lovelace' })).body;
    const group = (await h.roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering' })).body;
    const overScim = async () => (await h.roster.scim('GET', `/Users/${user.id}`)).body;
    await page.goto(url(`/admin/d/default/people/${user.id}`));

    await page.getByRole('button', { name: 'Block' }).click();
    await expect.poll(flash).toContain('is blocked');
    expect((await overScim()).active).toBe(false);
    expect(await page.locator('.page-head').textContent()).toContain('Blocked');

    await page.getByRole('button', { name: 'Unblock' }).click();
    await expect.poll(flash).toContain('is unblocked');
    expect((await overScim()).active).toBe(true);

    await page.getByLabel('Add to a role (group)').fill('Engineering');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(flash).toContain('Added to Engineering');
    expect(((await overScim()).groups ?? []).map((g: { value: string }) => g.value)).toEqual([group.id]);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(flash).toContain('is deleted');
    expect((await h.roster.scim('GET', `/Users/${user.id}`)).status).toBe(404);
    // Deleted people are listed under their own status.
    await page.goto(url('/admin/d/default/people?status=deleted'));
    await page.getByRole('link', { name: 'ada@example.com' }).click();

    await page.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(flash).toContain('is restored');
    const restored = await overScim();
    expect(restored.userName).toBe('ada@example.com');
    expect((restored.groups ?? []).map((g: { value: string }) => g.value)).toEqual([group.id]);

    // The history names the administrator for each action.
    const history = await page.locator('section', { has: page.getByRole('heading', { name: 'Change history' }) }).textContent();
    for (const event of ['Blocked', 'Unblocked', 'Deleted', 'Restored']) expect(history).toContain(event);
    expect(history).toContain(`${ADMIN_EMAIL} (console)`);

    await page.getByRole('button', { name: 'Remove from Engineering' }).click();
    await expect.poll(flash).toContain('Removed from Engineering');
    expect((await overScim()).groups ?? []).toEqual([]);
  });

  it('a role that does not exist is reported next to the field', async () => {
    const user = (await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'nora@example.com' })).body;
    await page.goto(url(`/admin/d/default/people/${user.id}`));
    await page.getByLabel('Add to a role (group)').fill('No such group');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.locator('#assign-error').textContent()).toContain('There is no role (group) named “No such group”');
    await expectAccessible(page, 'person page with a field error');
  });

  it('creates and edits a person, and refuses an edit of a stale version', async () => {
    await page.goto(url('/admin/d/default/people/new'));
    await page.getByLabel('userName').fill('linus@example.com');
    await page.getByLabel('Work email').fill('linus@example.com');
    await page.getByRole('button', { name: 'Create person' }).click();
    await expect.poll(flash).toContain('created');
    const id = page.url().split('/').pop()!;
    expect((await h.roster.scim('GET', `/Users/${id}`)).body).toMatchObject({ userName: 'linus@example.com', active: true });

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Given name').fill('Linus');
    await page.getByLabel('Family name').fill('Torvalds');
    await page.getByLabel('Work email').fill('lt@example.com');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(flash).toContain('saved');
    const after = (await h.roster.scim('GET', `/Users/${id}`)).body;
    expect(after.name).toEqual({ givenName: 'Linus', familyName: 'Torvalds' });
    expect(after.emails).toEqual([{ value: 'lt@example.com', type: 'work', primary: true }]);

    await page.goto(url(`/admin/d/default/people/${id}/edit`));
    await h.roster.scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Chief' }] });
    await page.getByLabel('Title').fill('Maintainer');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Someone changed this person');
    expect((await h.roster.scim('GET', `/Users/${id}`)).body.title).toBe('Chief');
  });

  it('shows a failed provisioning call with the error Roster sent back', async () => {
    const failed = await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'grace@example.com' }, { 'user-agent': 'Okta SCIM Client 1.0.0' });
    expect(failed.status).toBe(409);
    await flushLog(h.roster);
    await page.goto(url('/admin/d/default/log'));
    await page.getByLabel('Status').selectOption('error');
    await expect.poll(() => page.url()).toContain('status=error');
    await expect.poll(() => page.locator('#log-results tbody tr').filter({ hasText: '409' }).count()).toBeGreaterThan(0);
    const row = page.locator('#log-results tbody tr').filter({ hasText: '409' }).first();
    expect(await row.textContent()).toContain('create user grace@example.com');
    expect(await row.textContent()).toContain('already exists');
    await row.getByRole('link').click();
    await expect.poll(() => page.getByRole('heading', { name: 'What Roster answered' }).count()).toBe(1);
    const detail = await page.locator('main').textContent();
    expect(detail).toContain('uniqueness');
    expect(detail).toContain('A User with this userName already exists');
    expect(detail).toContain('POST /scim/v2/Users');
    expect(detail).toContain('Okta');
    // Filtered by person and status.
    await page.goto(url('/admin/d/default/log?user=grace%40example.com&status=409'));
    expect(await page.locator('#log-results tbody tr').count()).toBe(1);
    // The overview shows it at a glance: counts, the chart, the recent failures.
    await page.goto(url('/admin/d/default'));
    expect(await page.locator('section', { has: page.getByRole('heading', { name: 'Recent failed calls' }) }).textContent()).toContain('create user grace@example.com');
    expect(Number(await page.locator('.stat', { hasText: 'Failed (24 h)' }).locator('.value').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.locator('svg.chart rect.bar-client').count()).toBeGreaterThanOrEqual(1);
  });

  it('refuses forms without the session’s CSRF token, or from another site', async () => {
    const user = (await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'csrf@example.com' })).body;
    const block = url(`/admin/d/default/people/${user.id}/block`);
    const without = await context.request.post(block, { form: { x: '1' }, maxRedirects: 0 });
    expect(without.status()).toBe(403);
    const wrong = await context.request.post(block, { form: { _csrf: 'A'.repeat(32) }, maxRedirects: 0 });
    expect(wrong.status()).toBe(403);
    await page.goto(url(`/admin/d/default/people/${user.id}`));
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const crossSite = await context.request.post(block, { form: { _csrf: csrf }, headers: { 'sec-fetch-site': 'cross-site' }, maxRedirects: 0 });
    expect(crossSite.status()).toBe(403);
    expect((await h.roster.scim('GET', `/Users/${user.id}`)).body.active).not.toBe(false);
    // Without a session, the token is worth nothing.
    const anonymous = await fetch(block, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}`, redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/admin/login');
    expect((await h.roster.scim('GET', `/Users/${user.id}`)).body.active).not.toBe(false);
    const good = await context.request.post(block, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(good.status()).toBe(303);
    expect((await h.roster.scim('GET', `/Users/${user.id}`)).body.active).toBe(false);
    // A sign-in posted without the form's cookie (login CSRF) is refused too.
    const login = await fetch(url('/admin/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD, _login: 'x'.repeat(32) }).toString(),
      redirect: 'manual',
    });
    expect(login.status).toBe(403);
  });

  it('ends a session on the server at sign-out, and gives a new session id at each sign-in', async () => {
    const { context: own, page: tab } = await h.newSession();
    const before = (await own.cookies()).find((c) => c.name === 'roster_session')!.value;
    await tab.getByRole('button', { name: 'Sign out' }).click();
    await tab.waitForURL(/\/admin\/login\?signed_out=1/);
    expect(await tab.getByRole('status').textContent()).toContain('You are signed out');
    // The old cookie, replayed, opens nothing.
    const replay = await fetch(url('/admin/d/default/people'), { headers: { cookie: `roster_session=${before}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/admin\/login\?expired=1&next=/);
    await signIn(tab, h.roster.origin);
    const after = (await own.cookies()).find((c) => c.name === 'roster_session')!.value;
    expect(after).not.toBe(before);
    // The database holds only hashes of session ids.
    const rows = await h.roster.storage.db.selectFrom('console_sessions').select('id_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.id_hash)).not.toContain(after);
    await own.close();
  });

  it('throttles failed sign-ins per email, even when the right password comes next', async () => {
    await h.admins.create('victim@example.com', 'a long enough password');
    const fresh = await h.browser.newContext();
    const tab = await fresh.newPage();
    await tab.goto(url('/admin/login'));
    for (let i = 0; i < 5; i++) {
      await tab.getByLabel('Email').fill('victim@example.com');
      await tab.getByLabel('Password').fill(`guess ${i}`);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => tab.getByRole('alert').textContent()).toContain('not correct');
    }
    await tab.getByLabel('Email').fill('victim@example.com');
    await tab.getByLabel('Password').fill('a long enough password');
    const [answer] = await Promise.all([
      tab.waitForResponse((r) => r.url().endsWith('/admin/login') && r.request().method() === 'POST'),
      tab.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(answer.status()).toBe(429);
    expect(await tab.getByRole('alert').textContent()).toContain('Too many failed sign-ins');
    await fresh.close();
  });

  it('lets a new administrator choose a password through the one-time setup link', async () => {
    const admin = await h.admins.create('new-admin@example.com');
    const secret = await h.admins.createSetupLink(admin.id);
    const fresh = await h.browser.newContext({ bypassCSP: true });
    const tab = await fresh.newPage();
    await tab.goto(url(`/admin/setup/${secret}`));
    await expectAccessible(tab, 'setup page');
    await tab.getByLabel('New password').fill('too short');
    await tab.getByLabel('Repeat the password').fill('too short');
    await tab.getByRole('button', { name: 'Save and sign in' }).click();
    await expect.poll(() => tab.getByRole('alert').textContent()).toContain('at least 12 characters');
    await tab.getByLabel('New password').fill('twelve chars plus');
    await tab.getByLabel('Repeat the password').fill('twelve chars plus');
    await Promise.all([tab.waitForURL(/\/admin\/d\//), tab.getByRole('button', { name: 'Save and sign in' }).click()]);
    expect(await tab.locator('.who').textContent()).toBe('new-admin@example.com');
    // The link worked once.
    expect((await fetch(url(`/admin/setup/${secret}`))).status).toBe(404);
    await fresh.close();
  });

  it('creates a directory, rotates its token, maps a group to roles and adds a rule, seen in effectiveRoles', async () => {
    await page.goto(url('/admin/directories'));
    await page.getByLabel('Name').fill('Acme <Corp>');
    await page.getByLabel('Slug').fill('acme');
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.waitForURL(/\/admin\/d\/acme\/inbound/);
    expect(await page.locator('.sidenav .dir-name').textContent()).toBe('Acme <Corp>');
    expect(await page.locator('#base-url').inputValue()).toBe(`${h.roster.origin}/d/acme/scim/v2`);
    await page.getByLabel('Label').fill('Entra');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.locator('#new-token').inputValue();
    const acme = (token: string, method: string, path: string, body?: unknown) =>
      fetch(`${h.roster.origin}/d/acme/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await acme(token, 'GET', '/Users')).status).toBe(200);

    // Rotating replaces the token: the old one fails at once, the new one works.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Rotate Entra' }).click();
    await expect.poll(() => page.locator('#new-token').count()).toBe(1);
    const rotated = await page.locator('#new-token').inputValue();
    expect(rotated).not.toBe(token);
    expect((await acme(token, 'GET', '/Users')).status).toBe(401);
    expect((await acme(rotated, 'GET', '/Users')).status).toBe(200);

    const user = (await (await acme(rotated, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'mia@acme.test', title: 'Seller' })).json()) as { id: string };
    const group = (await (await acme(rotated, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Eng-All', members: [{ value: user.id }] })).json()) as { id: string };
    await page.goto(url(`/admin/d/acme/roles/${group.id}`));
    expect(await page.locator('main').textContent()).toContain('mia@acme.test');
    await page.getByLabel('Grants roles').fill('engineer, reviewer');
    await page.getByRole('button', { name: 'Save roles' }).click();
    await expect.poll(flash).toContain('now grants engineer, reviewer');

    await page.goto(url('/admin/d/acme/roles'));
    expect(await page.getByRole('row', { name: /Eng-All/ }).textContent()).toContain('engineer');
    await page.getByLabel('SCIM filter').fill('title eq "Seller"');
    await page.getByLabel('Grants role').fill('sales');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(flash).toContain('grants sales');
    const read = (await (await acme(rotated, 'GET', `/Users/${user.id}`)).json()) as Record<string, { effectiveRoles?: unknown[] }>;
    const roles = read['urn:roster:params:scim:schemas:extension:roles:2.0:User']?.effectiveRoles ?? [];
    expect(roles.map((r) => (typeof r === 'string' ? r : (r as { value: string }).value)).sort()).toEqual(['engineer', 'reviewer', 'sales']);

    // A filter that does not parse is explained, not a crash.
    await page.getByLabel('SCIM filter').fill('title eq');
    await page.getByLabel('Grants role').fill('x');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.locator('#rule-filter-error').count()).toBe(1);

    // Members are added and removed from the group page; the change shows over SCIM.
    const other = (await (await acme(rotated, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'otto@acme.test' })).json()) as { id: string };
    await page.goto(url(`/admin/d/acme/roles/${group.id}`));
    await page.getByLabel('Add a person by userName').fill('otto@acme.test');
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect.poll(flash).toContain('otto@acme.test added');
    const members = async () =>
      (((await (await acme(rotated, 'GET', `/Groups/${group.id}`)).json()) as { members?: { value: string }[] }).members ?? []).map((m) => m.value).sort();
    expect(await members()).toEqual([user.id, other.id].sort());
    await page.getByRole('button', { name: 'Remove otto@acme.test' }).click();
    await expect.poll(flash).toContain('Member removed');
    expect(await members()).toEqual([user.id]);
  });

  it('declares a custom schema extension from the Configure page', async () => {
    await page.goto(url('/admin/d/default/inbound'));
    await page.getByLabel('Add an extension (schema JSON)').fill(JSON.stringify({
      id: 'urn:example:params:scim:schemas:extension:acme:2.0:User',
      name: 'Acme',
      attributes: [{ name: 'costCenter', type: 'string' }],
    }));
    await page.getByRole('button', { name: 'Add extension' }).click();
    await expect.poll(flash).toContain('Extension Acme declared');
    const schemas = await h.roster.scim('GET', '/Schemas');
    expect(JSON.stringify(schemas.body)).toContain('urn:example:params:scim:schemas:extension:acme:2.0:User');
    await page.getByLabel('Add an extension (schema JSON)').fill('{ not json');
    await page.getByRole('button', { name: 'Add extension' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid JSON');
  });

  it('can be read without JavaScript', async () => {
    const { context: own, page: tab } = await h.newSession({ javaScript: false });
    await tab.goto(url('/admin/d/default/people?q=grace'));
    expect(await tab.locator('#people-results tbody tr').count()).toBe(1);
    await tab.getByRole('link', { name: 'Grace Hopper' }).click();
    expect(await tab.getByRole('heading', { level: 1 }).textContent()).toContain('Grace Hopper');
    await tab.goto(url('/admin/d/default/log?status=error'));
    expect(await tab.locator('#log-results tbody tr').count()).toBeGreaterThan(0);
    // Copy buttons need JavaScript; without it they stay hidden and the value can be selected by hand.
    await tab.goto(url('/admin/d/default/inbound'));
    expect(await tab.getByRole('button', { name: 'Copy SCIM base URL' }).count()).toBe(0);
    await own.close();
  });
});
