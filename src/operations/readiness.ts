import { sql } from 'kysely';
import type { Storage } from '../storage/database.js';

// Readiness: the database answers, and the schema this process started on is still in place (every migration
// recorded when the server started is still recorded: a restore of an older backup under a running server, or
// a half-created database, makes the server not ready). Works the same on SQLite and PostgreSQL.

export interface ReadinessReport {
  ready: boolean;
  checks: { database: CheckResult; migrations: CheckResult };
}

export interface CheckResult {
  ok: boolean;
  detail?: string;
  ms?: number;
}

const MIGRATIONS_TABLE = 'roster_migrations';

/** The migration names recorded in the database, or undefined when the table does not exist. */
export async function appliedMigrations(storage: Storage): Promise<string[] | undefined> {
  try {
    const result = await sql<{ name: string }>`select name from ${sql.table(MIGRATIONS_TABLE)} order by name`.execute(storage.db);
    return result.rows.map((r) => r.name);
  } catch {
    return undefined;
  }
}

export class ReadinessProbe {
  private baseline: string[] | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly timeoutMs = 2000,
  ) {}

  /** Records the migrations in place now as the ones that must stay (called when the server starts). */
  async remember(): Promise<void> {
    this.baseline = await appliedMigrations(this.storage);
  }

  async check(): Promise<ReadinessReport> {
    const started = performance.now();
    const database = await this.withTimeout(async () => {
      await sql`select 1`.execute(this.storage.db);
    });
    const databaseResult: CheckResult = { ...database, ms: Math.round(performance.now() - started) };
    let migrations: CheckResult;
    if (!database.ok) {
      migrations = { ok: false, detail: 'database unreachable' };
    } else {
      const applied = await appliedMigrations(this.storage);
      if (this.baseline === undefined) this.baseline = applied;
      if (!applied || applied.length === 0) migrations = { ok: false, detail: 'no migrations applied: run `roster migrate`' };
      else {
        const missing = (this.baseline ?? []).filter((name) => !applied.includes(name));
        migrations = missing.length
          ? { ok: false, detail: `migrations missing since start: ${missing.join(', ')}` }
          : { ok: true, detail: `${applied.length} applied, latest ${applied[applied.length - 1]}` };
      }
    }
    return { ready: database.ok && migrations.ok, checks: { database: databaseResult, migrations } };
  }

  private async withTimeout(work: () => Promise<void>): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        work(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message.slice(0, 200) };
    } finally {
      clearTimeout(timer);
    }
  }
}
