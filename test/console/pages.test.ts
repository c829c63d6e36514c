import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_SCHEMA, USER_SCHEMA } from '../http/helpers.js';
import { backend } from '../support/backends.js';
import { expectAccessible, flushLog, hasChromium, inBrowser, screenshot, startConsole, type ConsoleHarness } from './browser.js';

// Every page of the console on a directory with realistic content: axe-core finds no WCAG 2 A or AA violation,
// nothing scrolls sideways in a narrow laptop window, and a screenshot of each page is saved in
// test-artifacts/console/. Presentation does not depend on the database, so this runs on the SQLite half only.

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const PEOPLE = [
  ['Grace', 'Hopper', 'Engineering', 'Rear Admiral'],
  ['Ada', 'Lovelace', 'Engineering', 'Analyst'],
  ['Katherine', 'Johnson', 'Research', 'Mathematician'],
  ['Alan', 'Turing', 'Research', 'Cryptanalyst'],
  ['Margaret', 'Hamilton', 'Engineering', 'Director'],
  ['Edsger', 'Dijkstra', 'Engineering', 'Professor'],
  ['Barbara', 'Liskov', 'Research', 'Institute Professor'],
  ['Dennis', 'Ritchie', 'Engineering', 'Engineer'],
  ['Frances', 'Allen', 'Research', 'Fellow'],
  ['Radia', 'Perlman', 'Sales', 'Account Executive'],
  ['Tim', 'Berners-Lee', 'Sales', 'Director'],
  ['Hedy', 'Lamarr', 'Sales', 'Inventor'],
];

/**
 * Six days of earlier provisioning calls, shaped like a working week of an Okta connection, with an afternoon when
 * the token was wrong (401s) and a brief database outage (503s): what the overview's chart is for.
 */
function seedHistory(h: ConsoleHarness, directoryId: string): void {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const now = Date.now();
  const startHour = Math.floor(now / 3_600_000) - 7 * 24 + 1;
  for (let hour = startHour; hour < Math.floor(now / 3_600_000) - 1; hour++) {
    const utcHour = hour % 24;
    const busy = utcHour >= 7 && utcHour <= 18;
    const calls = Math.round((busy ? 14 : 3) * (0.6 + random() * 0.8));
    const broken = hour - startHour >= 62 && hour - startHour < 66;
    const outage = hour - startHour === 112;
    for (let i = 0; i < calls; i++) {
      const status = broken ? 401 : outage && i % 2 === 0 ? 503 : random() < 0.04 ? 409 : i % 3 === 0 ? 201 : 200;
      const create = status === 201 || status === 409;
      h.roster.app.provisioningLog.record({
        directoryId,
        time: new Date(hour * 3_600_000 + Math.floor(random() * 3_600_000)),
        client: 'okta',
        tokenLabel: 'Okta production',
        method: create ? 'POST' : 'GET',
        path: create ? '/scim/v2/Users' : '/scim/v2/Users?filter=userName%20eq%20%22someone%40example.com%22',
        operation: create ? 'create' : 'lookup',
        summary: create ? `create user user${i}@example.com` : `lookup user by userName user${i}@example.com`,
        status,
        durationMs: 5 + Math.floor(random() * 40),
        ...(status >= 400 ? { errorDetail: status === 401 ? 'The bearer token is not valid for this directory' : status === 503 ? 'The database is unavailable right now; retry shortly' : 'A User with this userName already exists in this directory' } : {}),
      });
    }
  }
}

describe.skipIf((!hasChromium && !process.env.CI) || backend !== 'sqlite')('admin console pages', { timeout: 120_000 }, () => {
  let h: ConsoleHarness;
  let context: BrowserContext;
  let page: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startConsole();
    const users: string[] = [];
    for (const [given, family, department, title] of PEOPLE) {
      const userName = `${given.toLowerCase()}.${family.toLowerCase()}@example.com`;
      const created = await h.roster.scim('POST', '/Users', {
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName,
        externalId: `00u${given.toLowerCase().padEnd(17, 'x')}`,
        name: { givenName: given, familyName: family },
        displayName: `${given} ${family}`,
        title,
        emails: [{ value: userName, type: 'work', primary: true }],
        active: true,
        [ENTERPRISE]: { department, employeeNumber: String(1000 + users.length) },
      }, OKTA);
      users.push(created.body.id);
    }
    ids.person = users[0];
    for (const [name, members] of [['Engineering', [0, 1, 4, 5, 7]], ['Research', [2, 3, 6, 8]], ['Sales', [9, 10, 11]], ['Everyone', []]] as const) {
      const group = await h.roster.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: name, members: members.map((i) => ({ value: users[i] })) }, OKTA);
      ids[name] = group.body.id;
    }
    await h.roster.scim('PATCH', `/Groups/${ids.Everyone}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ids.Engineering }, { value: ids.Research }, { value: ids.Sales }] }],
    }, OKTA);
    const directory = await h.roster.service.tenants.requireDirectory('default');
    const scope = { directory, base: h.roster.baseUrl, actor: { kind: 'cli' as const } };
    await h.roster.service.roles.mapGroup(scope, ids.Engineering, ['engineer']);
    await h.roster.service.roles.mapGroup(scope, ids.Everyone, ['staff']);
    await h.roster.service.roles.addRule(scope, `${ENTERPRISE}:department eq "Sales"`, 'sales');
    // A deactivation, a rejected duplicate and a bad token: what the log and overview show.
    await h.roster.scim('PATCH', `/Users/${users[11]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] }, OKTA);
    await h.roster.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'grace.hopper@example.com' }, OKTA);
    await h.roster.request('GET', `${h.roster.baseUrl}/Users`, undefined, { authorization: 'Bearer rst_wrong-token-0000000000', ...OKTA });
    await h.roster.scim('PATCH', `/Users/${users[3]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Professor' }] }, OKTA);
    await h.roster.scim('DELETE', `/Users/${users[10]}`, undefined, OKTA);
    seedHistory(h, directory.id);
    await flushLog(h.roster);
    ids.logEntry = (await h.roster.app.provisioningLog.query(directory.id, { limit: 1, status: { min: 409, max: 409 } })).entries[0].id;
    ids.deleted = users[10];
    ({ context, page } = await h.newSession());
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  const pages = (): [string, string][] => [
    ['overview', '/admin/d/default'],
    ['inbound', '/admin/d/default/inbound'],
    ['people', '/admin/d/default/people'],
    ['people-filtered', `/admin/d/default/people?status=active&role=${ids.Engineering}`],
    ['people-empty', '/admin/d/default/people?q=nobody-is-called-this'],
    ['people-deleted', '/admin/d/default/people?status=deleted'],
    ['people-by-source', '/admin/d/default/people?source=okta&status=blocked'],
    ['person', `/admin/d/default/people/${ids.person}`],
    ['person-deleted', `/admin/d/default/people/${ids.deleted}`],
    ['person-edit', `/admin/d/default/people/${ids.person}/edit`],
    ['person-new', '/admin/d/default/people/new'],
    ['roles', '/admin/d/default/roles'],
    ['role', `/admin/d/default/roles/${ids.Engineering}`],
    ['log', '/admin/d/default/log'],
    ['log-failed', '/admin/d/default/log?status=error'],
    ['log-entry', `/admin/d/default/log/${ids.logEntry}`],
    ['directories', '/admin/directories'],
    ['not-found', '/admin/d/default/no-such-page'],
  ];

  it('passes axe-core on every page, and saves a screenshot of each', async () => {
    for (const [name, path] of pages()) {
      const response = await page.goto(`${h.roster.origin}${path}`);
      expect(response?.status(), name).toBe(name === 'not-found' ? 404 : 200);
      await expectAccessible(page, name);
      await screenshot(page, name);
    }
  });

  it('passes axe-core on the Configure page showing a new token and an open guide', async () => {
    await page.goto(`${h.roster.origin}/admin/d/default/inbound`);
    await page.getByLabel('Label').fill('Okta production');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#guide-okta summary').click();
    await expectAccessible(page, 'inbound with a new token');
    await screenshot(page, 'inbound-new-token');
  });

  it('fits a narrow laptop window without sideways scrolling', async () => {
    await page.setViewportSize({ width: 800, height: 900 });
    for (const [name, path] of pages().filter(([n]) => ['overview', 'people', 'person', 'log', 'role'].includes(n))) {
      await page.goto(`${h.roster.origin}${path}`);
      const overflow = await inBrowser<number>(page, 'document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
      await expectAccessible(page, `narrow ${name}`);
      await screenshot(page, `narrow-${name}`);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('passes axe-core on the sign-in and setup pages', async () => {
    const anonymous = await h.browser.newContext({ bypassCSP: true });
    const tab = await anonymous.newPage();
    await tab.goto(`${h.roster.origin}/admin/login`);
    await expectAccessible(tab, 'login');
    await screenshot(tab, 'login');
    await tab.getByLabel('Email').fill('admin@example.com');
    await tab.getByLabel('Password').fill('wrong password');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => tab.getByRole('alert').count()).toBe(1);
    await expectAccessible(tab, 'login with an error');
    const admin = await h.admins.create('someone@example.com');
    await tab.goto(`${h.roster.origin}/admin/setup/${await h.admins.createSetupLink(admin.id)}`);
    await expectAccessible(tab, 'setup');
    await screenshot(tab, 'setup');
    await tab.goto(`${h.roster.origin}/admin/setup/not-a-valid-link`);
    await expectAccessible(tab, 'setup link expired');
    await anonymous.close();
  });

  it('can be used by keyboard: skip link, then the navigation', async () => {
    await page.goto(`${h.roster.origin}/admin/d/default/people`);
    await page.keyboard.press('Tab');
    expect(await inBrowser<string>(page, 'document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await inBrowser<string>(page, 'document.activeElement?.id')).toBe('main');
    await context.clearPermissions();
  });
});
