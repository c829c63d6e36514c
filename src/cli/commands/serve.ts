import type { Command } from 'commander';
import { Roster } from '../../directory/roster.js';
import { DEFAULT_DIRECTORY } from '../../directory/tenants.js';
import { buildServer } from '../../http/server.js';
import { startRetentionPurge } from '../../directory/retention.js';
import { runOutboundWithServer } from '../../outbound/serve.js';
import { loadConfig, publicOrigin, scimBaseUrl, type ConfigFlags } from '../../config.js';
import { migrate, openStorage } from '../../storage/database.js';
import { databaseOption, jsonOption, print } from '../shared.js';

export function serveCommands(program: Command): void {
  program
    .command('serve')
    .description('run the SCIM server (migrates the database first)')
    .option('--host <host>', 'address to listen on (env ROSTER_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env ROSTER_PORT; default 8080)')
    .addOption(databaseOption())
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (env ROSTER_TLS_CERT; needs --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert (env ROSTER_TLS_KEY)')
    .option('--config <file>', 'a config file of ROSTER_* settings (env ROSTER_CONFIG_FILE); the environment wins over it')
    .action(async (flags: ConfigFlags) => {
      const config = loadConfig(flags);
      const storage = openStorage(config.databaseUrl, { backgroundCheckpoints: true });
      await migrate(storage);
      const roster = new Roster(storage);
      const { token } = await roster.tenants.bootstrap(config.bootstrapToken);
      const app = buildServer({
        roster,
        publicUrl: config.publicUrl,
        trustProxy: config.trustProxy,
        limits: config.operations.limits,
        operations: config.operations,
        logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
      });
      runOutboundWithServer(app, roster, config); // src/outbound: delivers changes to targets and webhooks, stopped on close
      await app.listen({ host: config.host, port: config.port });
      startRetentionPurge(roster, 3_600_000, (error) => app.log.error({ err: error }, 'retention purge failed'));
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
      // Graceful shutdown: stop accepting connections, answer the requests in flight (src/http/operations/
      // graceful-close.ts), close the server and the database, exit 0; exit 1 if requests are still in flight after
      // ROSTER_SHUTDOWN_TIMEOUT_MS.
      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        app.log.info({ signal }, 'shutting down: finishing requests in flight');
        setTimeout(() => process.exit(1), config.operations.shutdownTimeoutMs + 10_000).unref();
        let drained = false;
        try {
          drained = await app.drain(config.operations.shutdownTimeoutMs);
          if (!drained) app.log.error('requests still in flight at the shutdown timeout; closing anyway');
          await app.close();
          await storage.close();
        } catch (error) {
          app.log.error({ err: error }, 'error while shutting down');
          process.exit(1);
        }
        process.exit(drained ? 0 : 1);
      };
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));
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
