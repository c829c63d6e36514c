import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// Which database a test run uses. vitest.config.ts runs the suite twice: once on SQLite and, where PostgreSQL
// answers, once with ROSTER_TEST_BACKEND=postgres. Each PostgreSQL test database is a fresh schema, dropped after.

export type Backend = 'sqlite' | 'postgres';
export const backend: Backend = process.env.ROSTER_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
export const postgresAdminUrl = process.env.ROSTER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  /** The SQLite file, for tests that look at it directly. */
  file?: string;
  drop(): Promise<void>;
}

/** A new, empty database for one test file (or one test). */
export async function createTestDatabase(which: Backend = backend): Promise<TestDatabase> {
  if (which === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'roster-test-'));
    const file = join(folder, 'roster.db');
    return { url: `sqlite:${file}`, file, drop: async () => rmSync(folder, { recursive: true, force: true }) };
  }
  const schema = `rt_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
