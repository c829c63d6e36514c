/**
 * The benchmark's fast loader: writes a directory of N users straight through Kysely, in the exact row shapes the
 * directory service writes (src/directory/users.ts `columnsFor`/`writeEmails`, groups.ts `columnsFor` and
 * `insertMembers`), in batched multi-row inserts inside transactions. Going through the SCIM API would take hours
 * at a million users; this takes minutes.
 *
 * What it writes, deterministic by index i (0 <= i < users) so the runner can name users without reading them:
 * - user i: userName `user{i}@bench.example`, externalId `ext-{i}`, name, displayName, title, active, two emails
 *   (`user{i}@bench.example` type work primary, `user{i}@home.example` type home) and the enterprise extension
 *   (employeeNumber, department); every document goes through the protocol core's normalizeResource, so it is
 *   the canonical document a POST would store. No password (an IdP push without passwords, as Entra does).
 * - `bench-big`: one group of `bigGroup` members (every (users/bigGroup)-th user), the large-group scenarios' target;
 * - `bench-team-{t}`: `teams` groups that share every user between them (user i is in team i % teams);
 * - `bench-everyone`: a group whose one member is the group `bench-big`, so big-group members have an indirect
 *   group and the recursive groups query does real work.
 * Not written: the change history and the provisioning log (loaded rows have no history, as after `roster copy`
 * from a server without it).
 *
 * Run alone: `node bench/.build/bench/load.js --database sqlite:bench/data/roster.db --users 1000000`
 * (after `npm run bench:build`); `npm run bench` calls it when its database does not exist yet.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { normalizeResource } from '../src/protocol/resource.js';
import { groupResources, userResources } from '../src/protocol/schema/registry.js';
import { Tenants } from '../src/directory/tenants.js';
import { emailRows } from '../src/directory/users.js';
import { fold, migrate, openStorage, type Storage } from '../src/storage/database.js';
import type { Database } from '../src/storage/tables.js';

export interface LoadOptions {
  databaseUrl: string;
  users: number;
  /** Members of the big group (capped at half the users). */
  bigGroup: number;
  teams: number;
  /** The bearer token the default directory gets (ROSTER_BOOTSTRAP_TOKEN of the server). */
  token: string;
  log?: (line: string) => void;
}

export const userNameOf = (i: number) => `user${i}@bench.example`;
export const BIG_GROUP = 'bench-big';
export const PARENT_GROUP = 'bench-everyone';
export const teamName = (t: number) => `bench-team-${t}`;
/** Every `bigStep(...)`-th user (i % step === 0) is in the big group. */
export const bigStep = (users: number, bigGroup: number) => Math.max(2, Math.floor(users / Math.max(1, bigGroup)));

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');

/** The SCIM body an IdP would POST for user i. */
export function userBody(i: number): Record<string, unknown> {
  const given = `Given${i}`;
  const family = `Family${i % 5000}`;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName: userNameOf(i),
    externalId: `ext-${i}`,
    name: { givenName: given, familyName: family, formatted: `${given} ${family}` },
    displayName: `${given} ${family}`,
    title: `Engineer ${i % 7}`,
    active: true,
    emails: [
      { value: userNameOf(i), type: 'work', primary: true },
      { value: `user${i}@home.example`, type: 'home' },
    ],
    [ENTERPRISE]: { employeeNumber: String(i), department: `Department ${i % 40}` },
  };
}

type Db = Kysely<Database>;

/** Rows per statement: under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters (13 columns a user row). */
const ROWS_PER_INSERT = 2000;
/** Users per transaction. */
const USERS_PER_TX = 20_000;

export async function loadDirectory(options: LoadOptions): Promise<{ seconds: number }> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const storage = openStorage(options.databaseUrl);
  try {
    await migrate(storage);
    if (storage.dialect === 'sqlite') {
      // The loader's own connection only: a crash mid-load just means loading again.
      await sql`pragma synchronous = OFF`.execute(storage.db);
      await sql`pragma cache_size = -262144`.execute(storage.db);
    }
    const { directory } = await new Tenants(storage).bootstrap(options.token);
    const existing = await storage.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('directory_id', '=', directory.id).executeTakeFirstOrThrow();
    if (Number(existing.n) > 0) throw new Error(`The database already holds ${existing.n} users; load into a new one`);
    const dir = directory.id;
    const bigGroup = Math.min(options.bigGroup, Math.floor(options.users / 2));
    const step = bigStep(options.users, bigGroup);

    const bigId = randomUUID();
    const parentId = randomUUID();
    const teamIds = Array.from({ length: options.teams }, () => randomUUID());
    let bigCount = 0;
    for (let from = 0; from < options.users; from += USERS_PER_TX) {
      const to = Math.min(options.users, from + USERS_PER_TX);
      const users: Database['users'][] = [];
      const emails: Database['user_emails'][] = [];
      const members: Database['memberships'][] = [];
      for (let i = from; i < to; i++) {
        const id = randomUUID();
        const { doc } = normalizeResource(userResources, userBody(i));
        const at = new Date(BASE_TIME + i * 1000).toISOString();
        const userName = doc.userName as string;
        // = users.ts columnsFor + the row of Users.create
        users.push({
          directory_id: dir,
          id,
          user_name: userName,
          user_name_ci: fold(userName),
          external_id: (doc.externalId as string | undefined) ?? null,
          display_name: (doc.displayName as string | undefined) ?? null,
          active: doc.active === false ? 0 : 1,
          doc: JSON.stringify(doc),
          created: at,
          last_modified: at,
          version: 1,
          password_hash: null,
        } as Database['users']);
        emails.push(...emailRows(dir, id, doc));
        if (options.teams > 0) members.push({ directory_id: dir, group_id: teamIds[i % options.teams], member_id: id, member_type: 'User' });
        if (i % step === 0 && bigCount < bigGroup) {
          members.push({ directory_id: dir, group_id: bigId, member_id: id, member_type: 'User' });
          bigCount++;
        }
      }
      await storage.db.transaction().execute(async (tx) => {
        await insertChunks(tx, 'users', users);
        await insertChunks(tx, 'user_emails', emails);
        await insertChunks(tx, 'memberships', members);
      });
      if (to % 100_000 === 0 || to === options.users) log(`  ${to.toLocaleString('en')} users (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }

    // Groups last (their memberships are already in: the loader writes no foreign keys, like the service).
    const groups: Database['groups'][] = [
      groupRow(dir, bigId, BIG_GROUP, 0),
      groupRow(dir, parentId, PARENT_GROUP, 1),
      ...teamIds.map((id, t) => groupRow(dir, id, teamName(t), t + 2)),
    ];
    await storage.db.transaction().execute(async (tx) => {
      await insertChunks(tx, 'groups', groups);
      await tx.insertInto('memberships').values({ directory_id: dir, group_id: parentId, member_id: bigId, member_type: 'Group' }).execute();
    });
    await finish(storage);
    log(`  loaded ${options.users.toLocaleString('en')} users, a ${bigCount.toLocaleString('en')}-member group and ${options.teams} teams in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { seconds: (Date.now() - started) / 1000 };
  } finally {
    await storage.close();
  }
}

/** = groups.ts columnsFor + the row of Groups.create. */
function groupRow(dir: string, id: string, displayName: string, n: number): Database['groups'] {
  const { doc } = normalizeResource(groupResources, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, externalId: `gext-${n}` });
  const at = new Date(BASE_TIME - 1000 + n).toISOString();
  return {
    directory_id: dir,
    id,
    display_name: doc.displayName as string,
    display_name_ci: fold(doc.displayName as string),
    external_id: (doc.externalId as string | undefined) ?? null,
    created: at,
    last_modified: at,
    version: 1,
    doc: JSON.stringify(doc),
  } as Database['groups'];
}

async function insertChunks<T extends 'users' | 'user_emails' | 'memberships' | 'groups'>(db: Db, table: T, rows: Database[T][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await db.insertInto(table).values(rows.slice(i, i + ROWS_PER_INSERT) as any).execute();
  }
}

/** SQLite: checkpoint the WAL so the server starts on a clean file. PostgreSQL: statistics and dead row versions, as autovacuum would. */
async function finish(storage: Storage): Promise<void> {
  if (storage.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(storage.db);
  else await sql`vacuum analyze`.execute(storage.db);
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) out[arg.slice(2)] = argv[i + 1]?.startsWith('--') || argv[i + 1] === undefined ? 'true' : argv[++i];
  }
  return out;
}

// Run alone: node bench/.build/bench/load.js --database URL [--users N] [--big-group N] [--teams N] [--token T]
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = parseArgs(process.argv.slice(2));
  if (!args.database) {
    process.stderr.write('usage: load.js --database URL [--users 1000000] [--big-group 100000] [--teams 100] [--token T]\n');
    process.exit(2);
  }
  loadDirectory({
    databaseUrl: args.database,
    users: Number(args.users ?? 1_000_000),
    bigGroup: Number(args['big-group'] ?? 100_000),
    teams: Number(args.teams ?? 100),
    token: args.token ?? process.env.ROSTER_BOOTSTRAP_TOKEN ?? 'rst_bench_token_0123456789abcdef',
    log: (line) => process.stdout.write(`${line}\n`),
  }).catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
