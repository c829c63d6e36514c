import { createRequire } from 'node:module';
import type * as Argon2 from '@node-rs/argon2';

// argon2id with one of OWASP's equivalent minimum settings: 7 MiB, 5 passes, 1 lane. The same cost to an attacker
// as 19 MiB with 2 passes, but a server hashing on four threads at once holds 28 MiB instead of 76 MiB (and the
// allocator keeps what each thread used). Hashing runs off the main thread; stored hashes carry their own
// parameters, so older ones still verify.
// The native module loads on first use: a directory that never syncs passwords never maps it.
let argon2: typeof Argon2 | undefined;
const native = () => (argon2 ??= createRequire(import.meta.url)('@node-rs/argon2') as typeof Argon2);

export const hashPassword = (password: string) =>
  native().hash(password, { algorithm: native().Algorithm.Argon2id, memoryCost: 7_168, timeCost: 5, parallelism: 1 });
export const verifyPassword = (stored: string, password: string) => native().verify(stored, password);
