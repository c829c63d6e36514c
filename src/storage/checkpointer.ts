import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop (SQLite, the server only).
 *
 * SQLite checkpoints inside the COMMIT that takes the WAL past `wal_autocheckpoint` pages: that commit then
 * writes a thousand pages back into the database file and fsyncs it, on the event loop. Measured at a million
 * users: 11–14 ms, once in about a hundred group PATCHes, which was their whole p99. Here a worker thread with its
 * own connection runs a PASSIVE checkpoint every 100 ms; a PASSIVE checkpoint takes no lock that readers or
 * the writer wait for. The main connection keeps a higher threshold as a safety net, should the worker fall behind.
 *
 * The worker is a few lines of CommonJS evaluated in place, so the same code runs from `src` (tests) and `dist`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = FULL'); // fsync the WAL before copying it and the database file after
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A failed checkpoint changes nothing; the next tick, or the main connection's own, tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage('closed');
});
`;

/** Pages the WAL may reach before the main connection checkpoints itself (4,000 pages: 16 MB with 4 KB pages). */
export const MAIN_CONNECTION_CHECKPOINT_PAGES = 4000;

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 100): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  worker.unref(); // never keeps the process alive
  let stopped = false;
  worker.on('error', () => {
    stopped = true; // the main connection's own checkpoints carry on
  });
  let closing: Promise<void> | undefined;
  const close = async () => {
    if (stopped) return;
    const closed = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('close');
    await closed;
    stopped = true;
    await worker.terminate();
  };
  return { close: () => (closing ??= close()) };
}
