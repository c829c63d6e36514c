import { usersUnderGroups } from '../directory/roles.js';
import { groupsOf } from '../directory/users.js';
import type { Storage } from '../storage/database.js';
import type { PeopleScope } from './types.js';

// Who a target receives: everyone, or the members (direct or through nested groups) of its chosen groups, which
// are then the only groups it receives. Read from the database at delivery time, so it is always current.

export class TargetPeople {
  private readonly chosen: Set<string>;

  constructor(
    private readonly storage: Storage,
    private readonly directoryId: string,
    readonly scope: PeopleScope,
  ) {
    this.chosen = new Set(scope.mode === 'groups' ? scope.groupIds : []);
  }

  get everyone(): boolean {
    return this.scope.mode === 'all';
  }

  /** For a user known to exist (and not deleted). */
  async includesUser(userId: string): Promise<boolean> {
    if (this.scope.mode === 'all') return true;
    const groups = await groupsOf(this.storage.db, this.storage.dialect, this.directoryId, userId);
    return groups.some((g) => this.chosen.has(g.value));
  }

  includesGroup(groupId: string): boolean {
    return this.scope.mode === 'all' || this.chosen.has(groupId);
  }

  /** The users under groups (nested included): whose scope a member change of those groups may change. */
  usersUnder(groupIds: string[]): Promise<string[]> {
    return usersUnderGroups(this.storage.db, this.directoryId, groupIds);
  }

  /** Every user in scope, in pages of ids (full sync). */
  async *userIds(): AsyncGenerator<string[]> {
    if (this.scope.mode === 'groups') {
      const ids = await usersUnderGroups(this.storage.db, this.directoryId, [...this.chosen]);
      for (let i = 0; i < ids.length; i += PAGE) yield ids.slice(i, i + PAGE);
      return;
    }
    yield* pagesBySeq((after) =>
      this.storage.db.selectFrom('users').select(['id', 'seq']).where('directory_id', '=', this.directoryId).where('deleted_at', 'is', null).where('seq', '>', after).orderBy('seq').limit(PAGE).execute(),
    );
  }

  /** Every group in scope, in pages of ids. */
  async *groupIds(): AsyncGenerator<string[]> {
    if (this.scope.mode === 'groups') {
      const rows = this.chosen.size
        ? await this.storage.db.selectFrom('groups').select('id').where('directory_id', '=', this.directoryId).where('id', 'in', [...this.chosen]).execute()
        : [];
      if (rows.length) yield rows.map((r) => r.id);
      return;
    }
    yield* pagesBySeq((after) =>
      this.storage.db.selectFrom('groups').select(['id', 'seq']).where('directory_id', '=', this.directoryId).where('seq', '>', after).orderBy('seq').limit(PAGE).execute(),
    );
  }
}

const PAGE = 500;

/** Ids a page at a time in creation order (keyset on seq): the same cost for the last page as the first. */
async function* pagesBySeq(page: (after: number) => Promise<{ id: string; seq: number }[]>): AsyncGenerator<string[]> {
  for (let after = -1; ; ) {
    const rows = await page(after);
    if (rows.length === 0) return;
    yield rows.map((r) => r.id);
    after = Number(rows[rows.length - 1].seq);
  }
}
