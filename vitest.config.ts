import pg from 'pg';
import { defineConfig } from 'vitest/config';

// The suite runs twice: on SQLite, and on PostgreSQL where one answers (ROSTER_TEST_POSTGRES_URL, or
// 127.0.0.1:5432). Pure unit tests run once. Without PostgreSQL the second half is skipped, with a notice.
const postgresUrl = process.env.ROSTER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresAnswers(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const databaseTests = ['test/**/*.test.ts'];
const databaseFree = ['test/unit/**', 'test/fuzz/**'];

export default defineConfig(async () => {
  const problem = await postgresAnswers();
  if (problem) {
    console.warn(`\n[roster] PostgreSQL half SKIPPED: nothing answers at ${postgresUrl.replace(/\/\/[^@]*@/, '//')} (${problem}). Set ROSTER_TEST_POSTGRES_URL to run it.\n`);
  }
  const shared = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const };
  return {
    test: {
      ...shared,
      projects: [
        { extends: true, test: { name: 'sqlite', include: databaseTests, env: { ROSTER_TEST_BACKEND: 'sqlite' } } },
        ...(problem
          ? []
          : [{
              extends: true,
              test: {
                name: 'postgres',
                include: databaseTests,
                exclude: databaseFree,
                env: { ROSTER_TEST_BACKEND: 'postgres', ROSTER_TEST_POSTGRES_URL: postgresUrl },
              },
            }]),
      ],
    },
  };
});
