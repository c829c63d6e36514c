import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/** Users per block: a page at any startIndex skips whole blocks by their counts, then at most this many rows. */
export const USER_BLOCK_SIZE = 4096;

// Live-user counts per block of creation sequence (issue 7). A list page of a million users needs the total
// and, deep in the list, the position of its first row; counting either takes a scan of every live user.
// Triggers keep the counts in step with every write, whatever makes it (the service, `roster copy`, a loader),
// in the same transaction. Rows are only ever appended at the end of the sequence, so a block's count changes
// only through deletion and restore.
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await sql`create table user_blocks (
    directory_id text not null,
    block bigint not null,
    live integer not null,
    primary key (directory_id, block)
  )`.execute(db);
  const size = sql.lit(USER_BLOCK_SIZE);
  await sql`insert into user_blocks (directory_id, block, live)
    select directory_id, seq / ${size}, count(*) from users where deleted_at is null group by directory_id, seq / ${size}`.execute(db);

  // The list order (creation) over live users only, so a page never reads past soft-deleted rows.
  await sql`create index users_live on users (directory_id, seq) where deleted_at is null`.execute(db);

  if (dialect === 'sqlite') {
    const bump = (row: 'new' | 'old', delta: string) => sql`
      insert into user_blocks (directory_id, block, live) values (${sql.raw(row)}.directory_id, ${sql.raw(row)}.seq / ${size}, ${sql.raw(delta)})
      on conflict (directory_id, block) do update set live = live + excluded.live;`;
    await sql`create trigger users_blocks_insert after insert on users when new.deleted_at is null
      begin ${bump('new', '1')} end`.execute(db);
    await sql`create trigger users_blocks_delete after delete on users when old.deleted_at is null
      begin ${bump('old', '-1')} end`.execute(db);
    await sql`create trigger users_blocks_soft_delete after update of deleted_at on users
      when old.deleted_at is null and new.deleted_at is not null begin ${bump('new', '-1')} end`.execute(db);
    await sql`create trigger users_blocks_restore after update of deleted_at on users
      when old.deleted_at is not null and new.deleted_at is null begin ${bump('new', '1')} end`.execute(db);
    return;
  }
  await sql`create function roster_user_blocks() returns trigger language plpgsql as $$
    declare
      delta integer := 0;
      target users%rowtype;
    begin
      if tg_op = 'INSERT' then
        if new.deleted_at is null then delta := 1; end if;
        target := new;
      elsif tg_op = 'DELETE' then
        if old.deleted_at is null then delta := -1; end if;
        target := old;
      else
        if old.deleted_at is null and new.deleted_at is not null then delta := -1;
        elsif old.deleted_at is not null and new.deleted_at is null then delta := 1;
        end if;
        target := new;
      end if;
      if delta <> 0 then
        insert into user_blocks (directory_id, block, live) values (target.directory_id, target.seq / ${size}, delta)
        on conflict (directory_id, block) do update set live = user_blocks.live + excluded.live;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger users_blocks after insert or delete or update of deleted_at on users
    for each row execute function roster_user_blocks()`.execute(db);
  // A few hundred rows, each updated by every create and delete in its block: room on the page for HOT updates,
  // and vacuum after a few hundred dead versions rather than after a fifth of the table (dead versions of these
  // rows made reading the counts take 80 ms after a bulk load, 0.3 ms once vacuumed).
  await sql`alter table user_blocks set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 500)`.execute(db);
}
