import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { spawnRoster, type RosterProcess } from '../support/process.js';

// The bundle that `bin/roster.js` runs (dist/bundle/roster.mjs, scripts/bundle.mjs) is one file with the packages
// inside and the native drivers outside: what could break is what a bundle moves, so these run the bundle itself
// through the parts that find files or load drivers at run time, on each backend (the PostgreSQL driver too).
const bundle = join(process.cwd(), 'dist', 'bundle', 'roster.mjs');
const token = 'rst_bundle_test_token_0123456789abcdef';
const scim = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
let database: TestDatabase;
let server: RosterProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await spawnRoster({ entry: bundle, databaseUrl: database.url, env: { ROSTER_BOOTSTRAP_TOKEN: token } });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('the bundled server', () => {
  it('is at least as new as the compiled modules, so bin/roster.js runs it', () => {
    expect(statSync(bundle).mtimeMs).toBeGreaterThanOrEqual(statSync(join(process.cwd(), 'dist', 'cli', 'main.js')).mtimeMs);
  });

  it('provisions a user with a password (the argon2 driver is loaded from node_modules)', async () => {
    const created = await fetch(`${server.origin}/scim/v2/Users`, {
      method: 'POST',
      headers: scim,
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bundle@example.com', password: 'Correct-Horse-1' }),
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; password?: string };
    expect(user.password).toBeUndefined();
    const read = await fetch(`${server.origin}/scim/v2/Users/${user.id}`, { headers: scim });
    expect(((await read.json()) as { userName: string }).userName).toBe('bundle@example.com');
  });

  it('serves the console with its stylesheet and scripts (found from the bundle\'s folder)', async () => {
    const page = await fetch(`${server.origin}/admin/login`);
    expect(page.status).toBe(200);
    const assets = [...(await page.text()).matchAll(/\/admin\/assets\/[\w.-]+\?v=[0-9a-f]+/g)].map((m) => m[0]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of new Set(assets)) {
      const answer = await fetch(`${server.origin}${asset}`);
      expect(answer.status, asset).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/(css|javascript)/);
      expect((await answer.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });

  it('answers the CLI\'s --help like the compiled modules do', async () => {
    const run = promisify(execFile);
    const fromBundle = await run(process.execPath, [bundle, '--help']);
    const fromModules = await run(process.execPath, [join(process.cwd(), 'dist', 'cli', 'main.js'), '--help']);
    expect(fromBundle.stdout).toBe(fromModules.stdout);
    expect(fromBundle.stdout).toMatch(/Usage: roster/);
  });
});
