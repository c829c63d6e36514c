import { toRecord } from '../directory/history.js';
import type { Directory } from '../directory/tenants.js';
import type { Storage } from '../storage/database.js';
import { changeView, type ChangeView } from './change-view.js';

// The pull API for applications that cannot receive webhooks: the ordered changes after a cursor (a `seq`),
// waiting up to `waitMs` for one to appear (long polling). Reads the history directly: any instance answers.

export interface FeedPage {
  changes: ChangeView[];
  /** Pass as `after` next time: the last change returned, or `after` itself when none. */
  next: number;
  /** More changes are waiting right now. */
  hasMore: boolean;
}

export class ChangeFeed {
  constructor(private readonly storage: Storage) {}

  async read(directory: Directory, after: number, limit: number): Promise<FeedPage> {
    const rows = await this.storage.db
      .selectFrom('changes')
      .selectAll()
      .where('directory_id', '=', directory.id)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    const changes = rows.slice(0, limit).map((row) => changeView(toRecord(row)));
    return { changes, next: changes.length ? changes[changes.length - 1].seq : after, hasMore: rows.length > limit };
  }

  /** Like read, but when nothing is there yet, looks again (every 100 ms at first, then up to 1 s) until `waitMs`. */
  async wait(directory: Directory, after: number, limit: number, waitMs: number, abandoned: () => boolean = () => false): Promise<FeedPage> {
    const until = Date.now() + waitMs;
    let pause = 100;
    for (;;) {
      const page = await this.read(directory, after, limit);
      if (page.changes.length > 0 || Date.now() >= until || abandoned()) return page;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, until - Date.now()))));
      pause = Math.min(1000, pause * 2);
    }
  }
}
