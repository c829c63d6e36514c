import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config.js';
import { environmentWithFile } from '../../operations/config-file.js';
import { configWarnings, describeConfig } from '../../operations/describe-config.js';
import { jsonOption, print } from '../shared.js';

// `roster config check`: reads the configuration exactly as `roster serve` would (flags, environment, config
// file), reports every mistake at once, and prints the effective settings and warnings. Exit code 1 on mistakes.
export function configCommands(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate the configuration (environment and config file) and print the effective settings')
    .option('--config <file>', 'a config file of ROSTER_* settings (env ROSTER_CONFIG_FILE)')
    .option('--database <url>', 'database URL (env ROSTER_DATABASE_URL)')
    .option('--tls-cert <file>', 'as for roster serve')
    .option('--tls-key <file>', 'as for roster serve')
    .addOption(jsonOption())
    .action((flags: { config?: string; database?: string; tlsCert?: string; tlsKey?: string; json?: boolean }) => {
      let loaded;
      try {
        loaded = loadConfig(flags);
      } catch (error) {
        if (!(error instanceof ConfigError) || !flags.json) throw error;
        print(true, { valid: false, problems: error.message.split('\n').slice(1).map((line) => line.trim()) }, '');
        process.exitCode = 1;
        return;
      }
      const file = environmentWithFile({}, loaded.configFile).file;
      const settings = describeConfig(loaded);
      const warnings = configWarnings(loaded, process.env, file?.warnings);
      const width = Math.max(...Object.keys(settings).map((k) => k.length));
      print(
        flags.json,
        { valid: true, configFile: loaded.configFile ?? null, settings, warnings },
        [
          `The configuration is valid${loaded.configFile ? ` (config file ${loaded.configFile})` : ''}.`,
          ...Object.entries(settings).map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
          ...(warnings.length ? ['Warnings:', ...warnings.map((w) => `  - ${w}`)] : []),
        ].join('\n'),
      );
    });
}
