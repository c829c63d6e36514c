import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import type * as Argon2 from '@node-rs/argon2';

// argon2id with one of OWASP's equivalent minimum settings: 7 MiB, 5 passes, 1 lane. The same cost to an attacker
// as 19 MiB with 2 passes, but a server hashing on four threads at once holds 28 MiB instead of 76 MiB (and the
// allocator keeps what each thread used). Hashing runs off the main thread, at most one hash per core at a time:
// more would only share the cores, each holding its 7 MiB meanwhile. Stored hashes carry their own parameters,
// so older ones still verify.
// The native module loads on first use: a directory that never syncs passwords never maps it.
let argon2: typeof Argon2 | undefined;
const native = () => (argon2 ??= createRequire(import.meta.url)('@node-rs/argon2') as typeof Argon2);

const MAX_AT_ONCE = Math.max(1, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` once fewer than MAX_AT_ONCE hashes are running; the others wait their turn, in order. */
async function oneOfFew<T>(work: () => Promise<T>): Promise<T> {
  // A finishing hash hands its place straight to the next in line, so none can slip in between.
  if (running >= MAX_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export const hashPassword = (password: string) =>
  oneOfFew(() => native().hash(password, { algorithm: native().Algorithm.Argon2id, memoryCost: 7_168, timeCost: 5, parallelism: 1 }));
export const verifyPassword = (stored: string, password: string) => oneOfFew(() => native().verify(stored, password));
