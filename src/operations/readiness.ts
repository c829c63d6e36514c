import { sql } from 'kysely';
import { MIGRATION_NAMES, type Storage } from '../storage/database.js';

// Readiness: the database answers, and every migration this version of Roster needs is recorded as applied (a
// database not migrated yet, a half-created one, or an older backup restored under a running server makes the
// server not ready, naming what is missing). Migrations the database has beyond this version's list (a newer
// version ran on it) are reported but keep it ready: they are forward-only and additive. Works the same on
// SQLite and PostgreSQL.

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
  constructor(
    private readonly storage: Storage,
    private readonly timeoutMs = 2000,
    /** The migrations that must be applied: this version's list. */
    private readonly required: readonly string[] = MIGRATION_NAMES,
  ) {}

  async check(): Promise<ReadinessReport> {
    const started = performance.now();
    const database = await this.withTimeout(async () => {
      await sql`select 1`.execute(this.storage.db);
    });
    const databaseResult: CheckResult = { ...database, ms: Math.round(performance.now() - started) };
    const migrations: CheckResult = database.ok ? compareMigrations(this.required, await appliedMigrations(this.storage)) : { ok: false, detail: 'database unreachable' };
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

/** Every required migration applied? The detail names the missing ones (at most 5) and the latest applied. */
export function compareMigrations(required: readonly string[], applied: string[] | undefined): CheckResult {
  if (!applied || applied.length === 0) return { ok: false, detail: 'no migrations applied: run `roster migrate`' };
  const done = new Set(applied);
  const missing = required.filter((name) => !done.has(name));
  if (missing.length) {
    const names = missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
    return { ok: false, detail: `migrations not applied: ${names}: run \`roster migrate\`` };
  }
  const known = new Set(required);
  const newer = applied.filter((name) => !known.has(name)).length;
  return { ok: true, detail: `${required.length} applied, latest ${required[required.length - 1] ?? applied[applied.length - 1]}${newer ? ` (and ${newer} newer than this version)` : ''}` };
}
