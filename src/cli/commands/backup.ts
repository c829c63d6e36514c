import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { backupDatabase, restoreDatabase, type BackupSummary } from '../../operations/backup.js';
import { databaseOption, jsonOption, print } from '../shared.js';

// `roster backup FILE` (online, while the server runs) and `roster restore FILE` (server stopped), SQLite only
// for now; see src/operations/backup.ts.
export function backupCommands(program: Command): void {
  program
    .command('backup <file>')
    .description('write a consistent copy of the SQLite database to FILE, safe while the server runs')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action(async (file: string, flags: { database?: string; json?: boolean }) => {
      const config = loadConfig({ database: flags.database });
      const summary = await backupDatabase(config.databaseUrl, file);
      print(flags.json, summary, `Backed up to ${summary.file} (${describe(summary)})`);
    });

  program
    .command('restore <file>')
    .description('replace the SQLite database with a backup made by `roster backup` (stop the server first)')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action(async (file: string, flags: { database?: string; json?: boolean }) => {
      const config = loadConfig({ database: flags.database });
      const summary = await restoreDatabase(config.databaseUrl, file);
      print(
        flags.json,
        summary,
        `Restored ${summary.database} from ${summary.file} (${describe(summary)})` +
          (summary.previous ? `\n  the database it replaced is kept as ${summary.previous}` : ''),
      );
    });
}

function describe(summary: BackupSummary): string {
  const counts = Object.entries(summary.counts).map(([table, n]) => `${n} ${table}`).join(', ');
  return `${(summary.bytes / 1024).toFixed(0)} KiB, ${counts}, ${summary.ms} ms`;
}
