import { Option } from 'commander';
import { Roster } from '../directory/roster.js';
import { loadConfig, type Config } from '../config.js';
import { migrate, openStorage } from '../storage/database.js';

export const databaseOption = () => new Option('--database <url>', 'database URL (env ROSTER_DATABASE_URL; default sqlite:./data/roster.db)');
export const jsonOption = () => new Option('--json', 'print machine-readable JSON');

/** Opens the database (migrating it), runs one command's work, and closes it again. */
export async function withRoster<T>(flags: { database?: string }, work: (roster: Roster, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig({ database: flags.database });
  const storage = openStorage(config.databaseUrl);
  try {
    await migrate(storage);
    return await work(new Roster(storage), config);
  } finally {
    await storage.close();
  }
}

export const print = (json: boolean | undefined, data: unknown, text: string) => console.log(json ? JSON.stringify(data, null, 2) : text);
