import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 4 KB at a time: one call into the system's generator per 256 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let used = pool.length;

/**
 * New resource ids: UUID version 7 (RFC 9562), a millisecond timestamp followed by random bits. Ids made one
 * after another sort together, so the (directory_id, id) indexes grow at their end instead of touching a random
 * page per insert; with random (v4) ids every create rewrote pages all over each index. Still unguessable: 74
 * random bits.
 */
export function newId(now = Date.now()): string {
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = Buffer.from(pool.subarray(used, used + 16));
  used += 16;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
