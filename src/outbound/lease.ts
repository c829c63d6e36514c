import { randomUUID } from 'node:crypto';
import { claimLease, releaseLease } from '../directory/leases.js';
import type { Storage } from '../storage/database.js';

// An endpoint is served by one holder at a time: a lease row in job_leases, claimed when free or expired, renewed
// while the work goes on, given back when it ends. A holder that loses its lease (it stalled longer than the lease)
// notices at its next renewal and stops before delivering anything more.

/** Lease holders are UUIDs (as job_leases expects). */
export type Holder = ReturnType<typeof randomUUID>;

export class EndpointLease {
  private renewedAt = 0;

  constructor(
    private readonly storage: Storage,
    readonly name: string,
    private readonly ms: number,
    readonly holder: Holder = randomUUID(),
  ) {}

  async acquire(): Promise<boolean> {
    if (await this.renew()) return true;
    const claimed = await claimLease(this.storage, this.name, this.ms, this.holder);
    if (claimed) this.renewedAt = Date.now();
    return claimed;
  }

  /** Extends the lease when it is still this holder's; false when another holder has it now. */
  async renew(): Promise<boolean> {
    const result = await this.storage.db
      .updateTable('job_leases')
      .set({ expires_at: new Date(Date.now() + this.ms).toISOString() })
      .where('name', '=', this.name)
      .where('holder', '=', this.holder)
      .executeTakeFirst();
    const ok = Number(result.numUpdatedRows) > 0;
    if (ok) this.renewedAt = Date.now();
    return ok;
  }

  /** Renews when a third of the lease has passed: cheap to call before every delivery. */
  async keep(): Promise<boolean> {
    if (Date.now() - this.renewedAt < this.ms / 3) return true;
    return this.renew();
  }

  async release(): Promise<void> {
    await releaseLease(this.storage, this.name, this.holder);
  }
}

/** Waits (polling) until the lease is free, at most `waitMs`. */
export async function acquireWaiting(lease: EndpointLease, waitMs: number, stepMs = 200): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (;;) {
    if (await lease.acquire()) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
