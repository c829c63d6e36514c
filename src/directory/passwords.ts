import { Algorithm, hash, verify } from '@node-rs/argon2';

// argon2id with one of OWASP's equivalent minimum settings: 7 MiB, 5 passes, 1 lane. The same cost to an attacker
// as 19 MiB with 2 passes, but a server hashing on four threads at once holds 28 MiB instead of 76 MiB (and the
// allocator keeps what each thread used). Hashing runs off the main thread; stored hashes carry their own
// parameters, so older ones still verify.
const options = { algorithm: Algorithm.Argon2id, memoryCost: 7_168, timeCost: 5, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, options);
export const verifyPassword = (stored: string, password: string) => verify(stored, password);
