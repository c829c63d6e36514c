import type { Command } from 'commander';
import { CopyError, copyInstallation, type CopyProgress } from '../../storage/copy.js';
import { migrate, openStorage } from '../../storage/database.js';
import { jsonOption, print } from '../shared.js';

export function copyCommands(program: Command): void {
  program
    .command('copy')
    .description('copy a whole installation to another database (e.g. SQLite to PostgreSQL), then verify it')
    .requiredOption('--from <url>', 'source database URL, e.g. sqlite:./data/roster.db')
    .requiredOption('--to <url>', 'target database URL, e.g. postgres://roster@db/roster')
    .option('--force', 'replace the data in a target that is not empty')
    .addOption(jsonOption())
    .action(async (flags: { from: string; to: string; force?: boolean; json?: boolean }) => {
      const from = openStorage(flags.from);
      const to = openStorage(flags.to);
      try {
        await migrate(from);
        await migrate(to);
        const bar = progressBar();
        const reports = await copyInstallation(from, to, { force: flags.force, onProgress: flags.json ? undefined : bar });
        print(flags.json, { verified: true, tables: reports },
          `\nCopied and verified (row counts and checksums match):\n${reports.map((r) => `  ${r.table.padEnd(18)} ${String(r.rows).padStart(9)} rows`).join('\n')}`);
      } catch (error) {
        if (error instanceof CopyError) throw new Error(error.message);
        throw error;
      } finally {
        await from.close();
        await to.close();
      }
    });
}

/** One line per table on stderr, redrawn in place on a terminal. */
function progressBar() {
  let current = '';
  return ({ table, copied, total }: CopyProgress) => {
    const width = 30;
    const done = total === 0 ? width : Math.round((copied / total) * width);
    const line = `${table.padEnd(18)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${copied}/${total}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}`);
      if (copied >= total) process.stderr.write('\n');
    } else if (table !== current || copied >= total) {
      if (copied >= total) process.stderr.write(`${line}\n`);
    }
    current = table;
  };
}
