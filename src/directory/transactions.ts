import type { Transaction } from 'kysely';
import type { Storage } from '../storage/database.js';
import { isRetryable } from '../storage/errors.js';
import type { Database } from '../storage/tables.js';

/** Runs `work` in one transaction, again (a few times) when the database reports a serialization failure. */
export async function inTransaction<T>(storage: Storage, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await storage.transact(work);
    } catch (error) {
      if (!isRetryable(error) || attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt + Math.random() * 10));
    }
  }
}
