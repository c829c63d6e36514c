import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimLease, releaseLease } from '../../src/directory/leases.js';
import { migrate, openStorage, type Storage } from '../../src/storage/database.js';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';

// Background jobs run on any number of instances without doing work twice: each run needs the job's lease.
describe('job leases', () => {
  let database: TestDatabase;
  let instances: Storage[];

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    // Separate connections stand for separate instances (on SQLite, separate handles on one file).
    instances = Array.from({ length: 4 }, () => openStorage(database.url));
    await migrate(instances[0]);
  });
  afterAll(async () => {
    await Promise.all(instances.map((s) => s.close()));
    await database.drop();
  });

  it('grants a lease to exactly one of several instances claiming it at once', async () => {
    const won = await Promise.all(instances.map((s, i) => claimLease(s, 'purge', 60_000, `instance-${i}`)));
    expect(won.filter(Boolean)).toHaveLength(1);
    // Still held: nobody else gets it, not even the holder again before it expires.
    expect(await Promise.all(instances.map((s, i) => claimLease(s, 'purge', 60_000, `instance-${i}`)))).toEqual([false, false, false, false]);
  });

  it('gives a crashed holder’s lease to another instance once it expires', async () => {
    const start = new Date('2030-01-01T00:00:00Z');
    expect(await claimLease(instances[0], 'crashy', 1000, 'crashed', start)).toBe(true);
    expect(await claimLease(instances[1], 'crashy', 1000, 'other', new Date(start.getTime() + 500))).toBe(false);
    expect(await claimLease(instances[1], 'crashy', 1000, 'other', new Date(start.getTime() + 1500))).toBe(true);
  });

  it('lets a released lease be claimed again at once', async () => {
    expect(await claimLease(instances[2], 'short', 60_000, 'a')).toBe(true);
    await releaseLease(instances[2], 'short', 'a');
    expect(await claimLease(instances[3], 'short', 60_000, 'b')).toBe(true);
  });
});
