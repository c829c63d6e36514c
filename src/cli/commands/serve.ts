import type { Command } from 'commander';
import { Roster } from '../../directory/roster.js';
import { DEFAULT_DIRECTORY } from '../../directory/tenants.js';
import { buildServer } from '../../http/server.js';
import { loadConfig, publicOrigin, scimBaseUrl } from '../../config.js';
import { migrate, openStorage } from '../../storage/database.js';
import { databaseOption, jsonOption, print } from '../shared.js';

export function serveCommands(program: Command): void {
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
}
