import { Algorithm, hash, verify } from '@node-rs/argon2';

// argon2id with the OWASP minimum parameters (19 MiB, 2 passes, 1 lane); hashing runs off the main thread.
const options = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, options);
export const verifyPassword = (stored: string, password: string) => verify(stored, password);
