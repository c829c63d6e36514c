// WAL checkpoints in the background (src/storage/checkpointer.ts): the server's SQLite writes reach the database
// file from a worker thread, not inside a request's commit. Checked by what a copy of the database file alone
// (without its -wal) holds: a checkpoint is the only way committed rows get there.
import { copyFileSync, existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { Tenants } from '../../src/directory/tenants.js';
import { migrate, openStorage, type Storage } from '../../src/storage/database.js';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';

const opened: { storage: Storage; database: TestDatabase }[] = [];
afterEach(async () => {
  for (const { storage, database } of opened.splice(0)) {
    await storage.close().catch(() => {});
    await database.drop();
  }
});

async function open(backgroundCheckpoints: boolean) {
  const database = await createTestDatabase('sqlite');
  const storage = openStorage(database.url, { backgroundCheckpoints });
  opened.push({ storage, database });
  await migrate(storage);
  // Migrations may have pushed the WAL past the threshold; start from a checkpointed file.
  await sql`pragma wal_checkpoint(truncate)`.execute(storage.db);
  return { storage, file: database.file!, tenants: new Tenants(storage) };
}

/** Directory slugs found in a copy of the database file alone: what checkpoints have written there. */
function slugsInFileAlone(file: string): string[] {
  const copy = `${file}.alone`;
  copyFileSync(file, copy);
  const db = new BetterSqlite3(copy);
  try {
    return (db.prepare("select slug from directories where slug like 'ck-%' order by slug").all() as { slug: string }[]).map((r) => r.slug);
  } finally {
    db.close();
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe.skipIf(backend !== 'sqlite')('SQLite checkpoints in the background', () => {
  const slugs = Array.from({ length: 20 }, (_, i) => `ck-${String(i).padStart(2, '0')}`);

  it('writes committed rows into the database file without a commit doing it', async () => {
    const { storage, file, tenants } = await open(true);
    for (const slug of slugs) await tenants.createDirectory(slug);
    expect(await waitFor(() => slugsInFileAlone(file).length === slugs.length, 5_000)).toBe(true);
    expect(slugsInFileAlone(file)).toEqual(slugs);
    await storage.close();
    expect(existsSync(`${file}-wal`)).toBe(false); // the worker let go first; the last connection removed the WAL
  });

  it('(control) without the worker, the same writes stay in the WAL until a commit reaches the threshold', async () => {
    const { file, tenants } = await open(false);
    for (const slug of slugs) await tenants.createDirectory(slug);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(slugsInFileAlone(file)).toEqual([]);
  });
});
