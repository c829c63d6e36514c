// Exponential backoff with jitter: the n-th consecutive failure waits about base·2^(n-1), capped, between half and
// all of it (so endpoints that failed together do not retry together). A target's Retry-After wins when given.

export function backoffDelay(failures: number, baseMs: number, maxMs: number, retryAfterMs?: number, random = Math.random): number {
  // Retry-After is the target's word: honoured up to an hour even when the backoff cap is lower.
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), Math.max(maxMs, 3_600_000));
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
