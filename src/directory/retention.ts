import { claimLease } from './leases.js';
import type { Roster } from './roster.js';

// Purges users soft-deleted longer ago than their directory's retention. Runs by itself on every instance's
// schedule; the lease makes one instance do each round.

const LEASE = 'purge-deleted-users';

export async function purgeDeletedUsers(roster: Roster, now = new Date()): Promise<number> {
  let purged = 0;
  for (const directory of await roster.tenants.listDirectories()) {
    purged += await roster.users.purgeExpired({ directory, base: '', actor: { kind: 'system', label: 'retention purge' } }, now);
  }
  return purged;
}

/** Starts the hourly purge; returns a function that stops it. Timers never keep the process alive. */
export function startRetentionPurge(roster: Roster, intervalMs = 3_600_000, onError: (error: unknown) => void = () => {}): () => void {
  const run = async () => {
    try {
      if (await claimLease(roster.storage, LEASE, intervalMs * 0.9)) await purgeDeletedUsers(roster);
    } catch (error) {
      onError(error);
    }
  };
  const first = setTimeout(run, Math.min(60_000, intervalMs));
  const timer = setInterval(run, intervalMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
