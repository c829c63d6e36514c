import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openStorage } from '../../src/storage/database.js';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';

// Instances that start together must not migrate twice: the migrator takes a lock, the others wait and find
// nothing left to do.
describe.skipIf(backend !== 'postgres')('migrations under a race', () => {
  let database: TestDatabase;
  afterAll(async () => database?.drop());

  it('applies each migration exactly once when four instances migrate at the same moment', async () => {
    database = await createTestDatabase('postgres');
    const instances = Array.from({ length: 4 }, () => openStorage(database.url));
    const applied = await Promise.all(instances.map((s) => migrate(s)));
    const all = applied.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(0);
    expect(applied.filter((list) => list.length > 0)).toHaveLength(1);
    const rows = await sql<{ name: string }>`select name from roster_migrations order by name`.execute(instances[0].db);
    expect(rows.rows.map((r) => r.name)).toEqual([...all].sort());
    expect(await migrate(instances[0])).toEqual([]);
    await Promise.all(instances.map((s) => s.close()));
  });
});
