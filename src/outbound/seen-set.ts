import { createHash } from 'node:crypto';

// A set of resource ids in 16 to 32 bytes an id, whatever their length (what full sync keeps between its passes
// over a target of any size): each id is kept as 64 bits of its MD5 (a well-spread key, not a security measure) in
// an open-addressing table at most half full. Two of a million ids share 64 bits about once in 10^7 syncs; the
// cost would be one resource not re-created there until its next delivery or sync.

export class SeenSet {
  private slots = new Uint32Array(2 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(id: string): void {
    if ((this.count + 1) * 2 > this.slots.length / 2) this.grow();
    if (this.place(this.slots, key(id))) this.count++;
  }

  has(id: string): boolean {
    const [a, b] = key(id);
    const mask = this.slots.length / 2 - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = this.slots[2 * i];
      if (x === 0) return false;
      if (x === a && this.slots[2 * i + 1] === b) return true;
    }
  }

  /** Puts a key in a table; false when it was there. */
  private place(slots: Uint32Array, [a, b]: [number, number]): boolean {
    const mask = slots.length / 2 - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = slots[2 * i];
      if (x === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = b;
        return true;
      }
      if (x === a && slots[2 * i + 1] === b) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(this.slots, [old[i], old[i + 1]]);
  }
}

/** 64 bits of the id's MD5 as two words; the first is never 0 (0 marks an empty slot). */
function key(id: string): [number, number] {
  const digest = createHash('md5').update(id).digest();
  return [digest.readUInt32LE(0) || 1, digest.readUInt32LE(4)];
}
