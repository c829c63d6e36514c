import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { Admins } from '../../src/console/auth/admins.js';
import { startRoster, type Roster } from '../support/roster.js';

// The console's browser-test harness: a real Roster server (test/support/roster.ts), Debian's Chromium driven by
// playwright-core, an administrator to sign in with, axe-core for accessibility, and screenshots saved under
// test-artifacts/console/.

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const hasChromium = existsSync(CHROMIUM);
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface ConsoleHarness {
  roster: Roster;
  browser: Browser;
  admins: Admins;
  /** A signed-in browser context (CSP bypassed only so axe-core can be injected). */
  newSession(options?: { width?: number; height?: number; javaScript?: boolean }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function startConsole(): Promise<ConsoleHarness> {
  const roster = await startRoster();
  const admins = new Admins(roster.storage);
  await admins.create(ADMIN_EMAIL, ADMIN_PASSWORD);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    roster,
    browser,
    admins,
    async newSession({ width = 1280, height = 860, javaScript = true } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, bypassCSP: true, javaScriptEnabled: javaScript, baseURL: roster.origin });
      if (javaScript) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: roster.origin });
      const page = await context.newPage();
      await signIn(page, roster.origin);
      return { context, page };
    },
    async close() {
      await browser.close();
      await roster.close();
    },
  };
}

export async function signIn(page: Page, origin: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto(`${origin}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/d\//), page.getByRole('button', { name: 'Sign in' }).click()]);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core for WCAG 2.x A and AA on the page and fails with a readable list of what it found. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Expressions as strings: they run in the browser, and this test program has no DOM types.
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate<AxeViolation[]>(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }).then((r) => r.violations)",
  );
  const report = violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n')}`,
  );
  expect(report, `axe-core on ${name}`).toEqual([]);
}

/** Evaluates a browser expression (a string: the test program has no DOM types). */
export function inBrowser<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until the provisioning log wrote what it buffered (it writes in the background). */
export async function flushLog(roster: Roster): Promise<void> {
  await (roster.app as unknown as { provisioningLog: { flush(): Promise<void> } }).provisioningLog.flush();
}
