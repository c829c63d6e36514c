import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './tables.js';

type Work<T> = (tx: Transaction<Database>) => Promise<T>;

interface Job {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most transactions one commit carries; bounds how long readers wait behind a batch. */
const MAX_BATCH = 64;

/**
 * Work that rides along in a commit that carries writes anyway, after them: the provisioning log's rows, which
 * would otherwise need a commit (and an fsync, on the event loop) of their own. `write` runs, when `ready` says
 * there is enough to do, in a savepoint of its own; when it throws, its work is rolled back and the writes commit
 * as if it had not run.
 */
export interface CommitRider {
  ready(): boolean;
  write(tx: Transaction<Database>): Promise<void>;
}

/**
 * Group commit for SQLite. With synchronous=FULL every COMMIT waits for an fsync (about 1.7 ms here), which
 * would cap writes near 600 a second. Transactions that arrive while one is running share the next COMMIT:
 * each runs inside its own SAVEPOINT, so a failing one rolls back alone, and nobody is answered before the
 * fsync that makes their write durable. One connection serves SQLite anyway, so batching costs no concurrency.
 */
export class GroupCommit {
  private readonly queue: Job[] = [];
  private readonly riders = new Set<CommitRider>();
  private running = false;

  constructor(private readonly db: Kysely<Database>) {}

  /** Adds work to every commit that carries a write; returns the function that removes it. */
  ride(rider: CommitRider): () => void {
    this.riders.add(rider);
    return () => this.riders.delete(rider);
  }

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work: work as Work<unknown>, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        // One turn of the event loop first: requests that have arrived meanwhile queue their writes and share
        // this commit (better-sqlite3 is synchronous, so nothing else runs while a batch executes).
        await new Promise((resolve) => setImmediate(resolve));
        await this.batch();
      }
    } finally {
      this.running = false;
    }
  }

  private async batch(): Promise<void> {
    const done: { job: Job; value: unknown }[] = [];
    const failed: { job: Job; error: unknown }[] = [];
    try {
      await this.db.connection().execute(async (conn) => {
        try {
          await sql`begin immediate`.execute(conn);
        } catch (error) {
          // Another process holds the write lock past busy_timeout: those waiting now get the error.
          for (const job of this.queue.splice(0, MAX_BATCH)) failed.push({ job, error });
          return;
        }
        try {
          // Jobs that queue while this batch runs join it, up to MAX_BATCH.
          while (this.queue.length > 0 && done.length + failed.length < MAX_BATCH) {
            const job = this.queue.shift()!;
            const outcome = await inSavepoint(conn, job.work);
            if (outcome.ok) done.push({ job, value: outcome.value });
            else failed.push({ job, error: outcome.error });
          }
          if (done.length > 0) {
            // A rider reports its own failure; the writes it rode with stand either way.
            for (const rider of this.riders) if (rider.ready()) await inSavepoint(conn, (tx) => rider.write(tx));
          }
          await sql`commit`.execute(conn);
        } catch (error) {
          await sql`rollback`.execute(conn).catch(() => {});
          throw error;
        }
      });
    } catch (error) {
      // The commit (or the connection) failed: nothing of this batch is written.
      for (const { job } of done) job.reject(error);
      for (const { job } of failed) job.reject(error);
      return;
    }
    for (const { job, value } of done) job.resolve(value);
    for (const { job, error } of failed) job.reject(error);
  }
}

/** Runs `work` in a savepoint of the open transaction: kept when it succeeds, rolled back alone when it throws. */
async function inSavepoint<T>(conn: Kysely<Database>, work: Work<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  await sql`savepoint roster_part`.execute(conn);
  try {
    const value = await work(conn as unknown as Transaction<Database>);
    await sql`release roster_part`.execute(conn);
    return { ok: true, value };
  } catch (error) {
    await sql`rollback to roster_part`.execute(conn);
    await sql`release roster_part`.execute(conn);
    return { ok: false, error };
  }
}
