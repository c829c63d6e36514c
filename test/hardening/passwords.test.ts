// Password hashing takes one hash per core at a time (directory/passwords.ts): more hashes than that wait their
// turn and all finish, each verifying against its own password only.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/directory/passwords.js';

describe('password hashing under load', () => {
  it('finishes every hash of a burst three times the cores, and each verifies only its own password', async () => {
    const passwords = Array.from({ length: 3 * availableParallelism() + 1 }, (_, i) => `burst-password-${i}`);
    const hashes = await Promise.all(passwords.map((p) => hashPassword(p)));
    expect(new Set(hashes).size).toBe(passwords.length);
    const checks = await Promise.all(hashes.map((h, i) => Promise.all([verifyPassword(h, passwords[i]), verifyPassword(h, passwords[(i + 1) % passwords.length])])));
    expect(checks).toEqual(passwords.map(() => [true, false]));
  });

  it('keeps taking work after a hash fails', async () => {
    await expect(verifyPassword('not a hash', 'x')).rejects.toThrow();
    const results = await Promise.allSettled(Array.from({ length: 2 * availableParallelism() }, () => verifyPassword('$argon2id$bad', 'x')));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(await verifyPassword(await hashPassword('after-failures'), 'after-failures')).toBe(true);
  });
});
