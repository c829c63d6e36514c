import { Command, Option } from 'commander';
import { Roster } from '../directory/roster.js';
import { DEFAULT_DIRECTORY, TenantError } from '../directory/tenants.js';
import { buildServer } from '../http/server.js';
import { ConfigError, loadConfig, publicOrigin, scimBaseUrl, type Config } from '../config.js';
import { migrate, openStorage } from '../storage/database.js';

// `roster`: one command line for running the server and administering directories and tokens. Commands other
// than serve talk to the database directly (ROSTER_DATABASE_URL or --database), so they work with or without a
// running server.

const program = new Command('roster').description('Roster: a SCIM 2.0 provisioning server').showHelpAfterError();
const databaseOption = () => new Option('--database <url>', 'database URL (env ROSTER_DATABASE_URL; default sqlite:./data/roster.db)');
const jsonOption = () => new Option('--json', 'print machine-readable JSON');

async function withRoster<T>(flags: { database?: string }, work: (roster: Roster, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig({ database: flags.database });
  const storage = openStorage(config.databaseUrl);
  try {
    await migrate(storage);
    return await work(new Roster(storage), config);
  } finally {
    await storage.close();
  }
}

const print = (json: boolean | undefined, data: unknown, text: string) => console.log(json ? JSON.stringify(data, null, 2) : text);

program
  .command('serve')
  .description('run the SCIM server (migrates the database first)')
  .option('--host <host>', 'address to listen on (env ROSTER_HOST; default 127.0.0.1)')
  .option('--port <port>', 'port to listen on (env ROSTER_PORT; default 8080)')
  .addOption(databaseOption())
  .action(async (flags: { host?: string; port?: string; database?: string }) => {
    const config = loadConfig(flags);
    const storage = openStorage(config.databaseUrl);
    await migrate(storage);
    const roster = new Roster(storage);
    const { token } = await roster.tenants.bootstrap(config.bootstrapToken);
    const app = buildServer({
      roster,
      publicUrl: config.publicUrl,
      trustProxy: config.trustProxy,
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const origin = publicOrigin({ ...config, port });
    process.stdout.write(`\nRoster is listening on ${config.host}:${port} (database ${config.databaseUrl.split('@').pop()})\n`);
    process.stdout.write(`  SCIM base URL:  ${scimBaseUrl(origin, DEFAULT_DIRECTORY)}\n`);
    if (token) {
      process.stdout.write(`  Bearer token:   ${token}\n`);
      process.stdout.write('  (shown once: only its hash is stored. Paste both into your identity provider.)\n\n');
    } else {
      process.stdout.write('  Bearer token:   created on first start; make another with `roster token create --label NAME`\n\n');
    }
    let closing = false;
    const shutdown = async () => {
      if (closing) return;
      closing = true;
      await app.close();
      await storage.close();
      process.exit(0);
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
  });

program
  .command('migrate')
  .description('apply database migrations')
  .addOption(databaseOption())
  .addOption(jsonOption())
  .action(async (flags: { database?: string; json?: boolean }) => {
    const config = loadConfig({ database: flags.database });
    const storage = openStorage(config.databaseUrl);
    try {
      const applied = await migrate(storage);
      print(flags.json, { applied }, applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date');
    } finally {
      await storage.close();
    }
  });

const directory = program.command('directory').description('manage directories (tenants)');
directory
  .command('create <slug>')
  .description('create a directory and print its SCIM base URL')
  .option('--name <name>', 'display name')
  .addOption(databaseOption())
  .addOption(jsonOption())
  .action((slug: string, flags: { name?: string; database?: string; json?: boolean }) =>
    withRoster(flags, async (roster, config) => {
      const created = await roster.tenants.createDirectory(slug, flags.name);
      const baseUrl = scimBaseUrl(publicOrigin(config), created.slug);
      print(flags.json, { id: created.id, slug: created.slug, name: created.name, baseUrl }, `Created directory ${created.slug}\n  SCIM base URL:  ${baseUrl}\nCreate a token for it with: roster token create --directory ${created.slug} --label NAME`);
    }),
  );
directory
  .command('list')
  .description('list directories')
  .addOption(databaseOption())
  .addOption(jsonOption())
  .action((flags: { database?: string; json?: boolean }) =>
    withRoster(flags, async (roster, config) => {
      const list = (await roster.tenants.listDirectories()).map((d) => ({
        id: d.id,
        slug: d.slug,
        name: d.name,
        created: d.created,
        baseUrl: scimBaseUrl(publicOrigin(config), d.slug),
      }));
      print(flags.json, list, list.map((d) => `${d.slug.padEnd(20)} ${d.name.padEnd(24)} ${d.baseUrl}`).join('\n') || 'No directories');
    }),
  );

const token = program.command('token').description('manage inbound SCIM bearer tokens');
token
  .command('create')
  .description('create a token and print it (only its hash is stored)')
  .requiredOption('--label <label>', 'what the token is for, e.g. "Okta production"')
  .option('--directory <slug>', 'directory', DEFAULT_DIRECTORY)
  .addOption(new Option('--scope <scope>', 'scim:write (default) or scim:read').choices(['scim:write', 'scim:read']).default('scim:write'))
  .addOption(databaseOption())
  .addOption(jsonOption())
  .action((flags: { label: string; directory: string; scope: 'scim:write' | 'scim:read'; database?: string; json?: boolean }) =>
    withRoster(flags, async (roster, config) => {
      const dir = await roster.tenants.requireDirectory(flags.directory);
      const { info, token: value } = await roster.tenants.createToken(dir, { label: flags.label, scope: flags.scope });
      const baseUrl = scimBaseUrl(publicOrigin(config), dir.slug);
      print(flags.json, { id: info.id, label: info.label, scope: info.scope, directory: dir.slug, baseUrl, token: value },
        `Created token ${info.id} (${info.scope}) for directory ${dir.slug}\n  SCIM base URL:  ${baseUrl}\n  Bearer token:   ${value}\n(shown once: only its hash is stored)`);
    }),
  );
token
  .command('list')
  .description('list tokens (never their values)')
  .option('--directory <slug>', 'directory', DEFAULT_DIRECTORY)
  .addOption(databaseOption())
  .addOption(jsonOption())
  .action((flags: { directory: string; database?: string; json?: boolean }) =>
    withRoster(flags, async (roster) => {
      const dir = await roster.tenants.requireDirectory(flags.directory);
      const list = (await roster.tenants.listTokens(dir)).map(({ directory_id: _, ...t }) => ({ ...t, directory: dir.slug }));
      print(flags.json, list, list.map((t) => `${t.id}  ${t.scope.padEnd(10)} ${t.revoked_at ? 'revoked' : 'active '}  last used ${t.last_used_at ?? 'never'}  ${t.label}`).join('\n') || 'No tokens');
    }),
  );
token
  .command('revoke <id>')
  .description('revoke a token; its next request fails')
  .option('--directory <slug>', 'directory', DEFAULT_DIRECTORY)
  .addOption(databaseOption())
  .addOption(jsonOption())
  .action((id: string, flags: { directory: string; database?: string; json?: boolean }) =>
    withRoster(flags, async (roster) => {
      const dir = await roster.tenants.requireDirectory(flags.directory);
      if (!(await roster.tenants.revokeToken(dir, id))) throw new TenantError(`No active token ${id} in directory ${dir.slug}`);
      print(flags.json, { id, revoked: true }, `Revoked token ${id}`);
    }),
  );

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TenantError) {
    console.error(error.message);
  } else {
    console.error(`roster: ${(error as Error)?.message ?? error}`);
  }
  process.exit(1);
});
