import { setValueLimits } from '../protocol/attribute-limits.js';
import { userInfo } from 'node:os';
import { Option } from 'commander';
import type { Scope } from '../directory/context.js';
import { Roster } from '../directory/roster.js';
import { loadConfig, publicOrigin, scimBaseUrl, type Config } from '../config.js';
import { migrate, openStorage } from '../storage/database.js';

export const databaseOption = () => new Option('--database <url>', 'database URL (env ROSTER_DATABASE_URL; default sqlite:./data/roster.db)');
export const jsonOption = () => new Option('--json', 'print machine-readable JSON');

/** Opens the database (migrating it), runs one command's work, and closes it again. */
export async function withRoster<T>(flags: { database?: string }, work: (roster: Roster, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig({ database: flags.database });
  // The same value limits as the server, so `roster import` refuses what a SCIM client would be refused.
  const { maxIndexedValueBytes, maxValuesPerAttribute } = config.operations.limits;
  setValueLimits({ maxIndexedValueBytes, maxValuesPerAttribute });
  const storage = openStorage(config.databaseUrl);
  try {
    await migrate(storage);
    return await work(new Roster(storage), config);
  } finally {
    await storage.close();
  }
}

export const print = (json: boolean | undefined, data: unknown, text: string) => console.log(json ? JSON.stringify(data, null, 2) : text);

/** The scope of a CLI command: the directory, its SCIM base URL, and the person at the terminal as actor. */
export async function cliScope(roster: Roster, config: Config, slug: string): Promise<Scope> {
  const directory = await roster.tenants.requireDirectory(slug);
  let label = 'cli';
  try {
    label = `cli:${userInfo().username}`;
  } catch {
    // No user name on this system: keep the generic label.
  }
  return { directory, base: scimBaseUrl(publicOrigin(config), directory.slug), actor: { kind: 'cli', label } };
}
