// Token buckets: each key may spend `burst` requests at once and earns `perSecond` back continuously. Kept in
// process memory, bounded in size; the store interface is narrow so a shared store (Redis) can replace it when
// several instances serve one database.

export interface Rate {
  /** Requests earned back per second; a fraction for slow rates (0.5 = one every two seconds). */
  perSecond: number;
  /** The most requests that can be spent at once. */
  burst: number;
}

export interface BucketCharge {
  /** The bucket's name (`token`, `address`, ...): one map per name. */
  bucket: string;
  key: string;
  rate: Rate;
}

export type ChargeResult = { allowed: true } | { allowed: false; bucket: string; retryAfterSeconds: number };

export interface RateStore {
  /** Spends `cost` from every bucket when all can afford it; otherwise spends nothing and says which cannot. */
  charge(charges: BucketCharge[], cost?: number): ChargeResult;
  /** Spends from one bucket even below zero (failures are counted whether or not they are allowed). */
  spend(charge: BucketCharge, cost?: number): void;
  /** Whether a bucket has at least one request left (without spending), and when it will otherwise. */
  peek(charge: BucketCharge): ChargeResult;
}

interface Level {
  tokens: number;
  at: number;
}

/** The in-process store: one Map per bucket name, oldest entries dropped beyond `maxKeys`. */
export class MemoryRateStore implements RateStore {
  private readonly buckets = new Map<string, Map<string, Level>>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  charge(charges: BucketCharge[], cost = 1): ChargeResult {
    const now = this.now();
    const levels = charges.map((c) => this.level(c, now));
    let refused: ChargeResult | undefined;
    charges.forEach((c, i) => {
      const missing = cost - levels[i].tokens;
      if (missing > 0) {
        const retryAfterSeconds = waitSeconds(missing, c.rate);
        if (!refused || (refused.allowed === false && retryAfterSeconds > refused.retryAfterSeconds)) {
          refused = { allowed: false, bucket: c.bucket, retryAfterSeconds };
        }
      }
    });
    if (refused) return refused;
    for (const level of levels) level.tokens -= cost;
    return { allowed: true };
  }

  spend(charge: BucketCharge, cost = 1): void {
    this.level(charge, this.now()).tokens -= cost;
  }

  peek(charge: BucketCharge): ChargeResult {
    const level = this.level(charge, this.now());
    return level.tokens >= 1
      ? { allowed: true }
      : { allowed: false, bucket: charge.bucket, retryAfterSeconds: waitSeconds(1 - level.tokens, charge.rate) };
  }

  /** The bucket's level now, refilled for the time since it was last seen; touching it makes it the newest. */
  private level(charge: BucketCharge, now: number): Level {
    let map = this.buckets.get(charge.bucket);
    if (!map) this.buckets.set(charge.bucket, (map = new Map()));
    let level = map.get(charge.key);
    if (level) {
      map.delete(charge.key);
      level.tokens = Math.min(charge.rate.burst, level.tokens + ((now - level.at) / 1000) * charge.rate.perSecond);
      level.at = now;
    } else {
      level = { tokens: charge.rate.burst, at: now };
      if (map.size >= this.maxKeys) map.delete(map.keys().next().value!);
    }
    map.set(charge.key, level);
    return level;
  }
}

/** Whole seconds until `missing` tokens are earned back: what an integer Retry-After header can say. */
function waitSeconds(missing: number, rate: Rate): number {
  if (rate.perSecond <= 0) return 3600;
  return Math.max(1, Math.ceil(missing / rate.perSecond));
}
