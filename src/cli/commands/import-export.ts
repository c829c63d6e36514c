import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { publicOrigin, scimBaseUrl } from '../../config.js';
import {
  ImportFileError,
  exportDirectory,
  importResources,
  type ExportFormat,
  type ImportFormat,
  type ImportProblem,
  type ImportProgress,
  type ImportReport,
} from '../../directory/import-export.js';
import { databaseOption, jsonOption, print, withRoster } from '../shared.js';

export function importExportCommands(program: Command): void {
  program
    .command('import <slug> <file>')
    .description('import users and groups from CSV or SCIM JSON (NDJSON or a ListResponse) through the directory service')
    .addOption(new Option('--format <format>', 'csv or scim (default: from the file name, else from its first character)').choices(['csv', 'scim']))
    .option('--dry-run', 'validate every row and report, write nothing')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((slug: string, file: string, flags: { format?: ImportFormat; dryRun?: boolean; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const directory = await roster.tenants.requireDirectory(slug);
        const size = fileSize(file);
        const format = flags.format ?? (await guessFormat(file));
        const stream = createReadStream(file, { encoding: 'utf8' });
        let bytes = 0;
        stream.on('data', (chunk) => (bytes += Buffer.byteLength(chunk as string)));
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        const bar = new ProgressReporter(size);
        let report: ImportReport;
        try {
          const scope = { directory, base: scimBaseUrl(publicOrigin(config), directory.slug), actor: { kind: 'import' as const, label: `import of ${basename(file)}` } };
          report = await importResources(roster, scope, lines, {
            format,
            dryRun: flags.dryRun,
            onProgress: (progress) => bar.update(progress, bytes),
          });
        } catch (error) {
          if (error instanceof ImportFileError) throw new ImportFileError(`${file}: ${error.message}`);
          throw error;
        } finally {
          bar.done();
          lines.close();
          stream.destroy();
        }
        print(flags.json, { directory: directory.slug, file, ...report }, describeReport(report, file, directory.slug));
        // Some rows were rejected: the good ones are in, but a script should notice.
        if (report.rejected.length > 0) process.exitCode = 2;
      }),
    );

  program
    .command('export <slug>')
    .description('stream users and groups (with members) as NDJSON or CSV, in constant memory')
    .addOption(new Option('--format <format>', 'ndjson (every attribute, groups and nested groups) or csv (the import columns)').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--output <file>', 'write to a file (written whole or not at all) instead of standard output')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((slug: string, flags: { format: ExportFormat; output?: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const directory = await roster.tenants.requireDirectory(slug);
        const scope = { directory, base: scimBaseUrl(publicOrigin(config), directory.slug), actor: { kind: 'cli' as const, label: 'export' } };
        const partial = flags.output ? `${flags.output}.partial` : undefined;
        const out: Writable = partial ? createWriteStream(partial) : process.stdout;
        const failed = new Promise<never>((_, reject) => out.once('error', reject));
        failed.catch(() => {});
        const write = (text: string) =>
          out.write(text) ? undefined : Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), failed]);
        try {
          const counts = await exportDirectory(roster, scope, { format: flags.format, write });
          if (partial) {
            await Promise.race([new Promise<void>((resolve) => out.end(() => resolve())), failed]);
            renameSync(partial, flags.output!);
          }
          const message = `Exported ${counts.users} users${flags.format === 'ndjson' ? ` and ${counts.groups} groups` : ''} of directory ${directory.slug}${flags.output ? ` to ${flags.output}` : ''}`;
          // With no --output the data is on standard output; the summary goes to standard error.
          if (flags.output) print(flags.json, { directory: directory.slug, format: flags.format, output: flags.output, ...counts }, message);
          else process.stderr.write(`${flags.json ? JSON.stringify({ directory: directory.slug, format: flags.format, ...counts }) : message}\n`);
        } catch (error) {
          if (partial) {
            out.destroy();
            rmSync(partial, { force: true });
          }
          throw error;
        }
      }),
    );
}

function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new ImportFileError(`${file} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** `.csv` is CSV; `.json`, `.ndjson`, `.jsonl` are SCIM; otherwise a file starting with `{` or `[` is SCIM. */
async function guessFormat(file: string): Promise<ImportFormat> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (['.json', '.ndjson', '.jsonl'].includes(ext)) return 'scim';
  const stream = createReadStream(file, { encoding: 'utf8', start: 0, end: 4095 });
  let head = '';
  for await (const chunk of stream) head += chunk as string;
  return /^\uFEFF?\s*[{[]/.test(head) ? 'scim' : 'csv';
}

/** A progress bar on a terminal; elsewhere (logs, CI) a line every few seconds. Always on standard error. */
class ProgressReporter {
  private readonly tty = Boolean(process.stderr.isTTY);
  private last = 0;
  private drawn = false;

  constructor(private readonly totalBytes: number) {}

  update(progress: ImportProgress, bytes: number): void {
    const now = Date.now();
    if (now - this.last < (this.tty ? 100 : 5_000)) return;
    this.last = now;
    const fraction = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 0;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const counts = `${progress.rows} rows, ${progress.rejected} rejected${progress.waiting ? `, ${progress.waiting} waiting` : ''}`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${counts}\u001b[K`);
      this.drawn = true;
    } else {
      process.stderr.write(`import: ${percent.trim()} of the file, ${counts}\n`);
    }
  }

  done(): void {
    if (this.drawn) process.stderr.write('\r\u001b[K');
  }
}

function describeReport(report: ImportReport, file: string, slug: string): string {
  const verb = report.dryRun ? 'Dry run of' : 'Imported';
  const would = report.dryRun ? 'would be ' : '';
  const lines = [
    `${verb} ${file} into directory ${slug}: ${report.rows} rows`,
    `  users:  ${report.users.created} ${would}created, ${report.users.updated} ${would}updated`,
    `  groups: ${report.groups.created} ${would}created, ${report.groups.updated} ${would}updated`,
  ];
  if (report.warnings.length) lines.push(`  ${report.warnings.length} rows applied in part:`, ...report.warnings.map((w) => `    ${where(w)}: ${w.reason}`));
  lines.push(report.rejected.length ? `  ${report.rejected.length} rows rejected (nothing written for them):` : '  no rows rejected');
  lines.push(...report.rejected.map((r) => `    ${where(r)}: ${r.reason}`));
  return lines.join('\n');
}

function where(row: ImportProblem): string {
  const at = row.line !== undefined ? `line ${row.line}` : `resource ${row.item}`;
  return row.key !== undefined ? `${at} (${row.key})` : at;
}
