import { Command, Option } from 'commander';
import { LogQueryError, parseSince, parseStatusFilter } from '../../directory/log-query.js';
import { ProvisioningLog, type LogEntry, type LogQuery } from '../../directory/provisioning-log.js';
import { DEFAULT_DIRECTORY } from '../../directory/tenants.js';
import { LOG_OPERATIONS } from '../../http/request-summary.js';
import { CLIENT_NAMES, clientFromName } from '../../protocol/clients.js';
import { databaseOption, jsonOption, print, withRoster } from '../shared.js';

interface LogFlags {
  directory: string;
  user?: string;
  group?: string;
  operation?: string;
  status?: string;
  client?: string;
  since?: string;
  until?: string;
  limit: string;
  before?: string;
  database?: string;
  json?: boolean;
}

export function logCommands(program: Command): void {
  program
    .command('log')
    .description('show the provisioning log: every SCIM request, newest first')
    .option('--directory <slug>', 'directory', DEFAULT_DIRECTORY)
    .option('--user <user>', "a user's id or userName")
    .option('--group <group>', "a group's id or displayName")
    .addOption(new Option('--operation <op>', 'what the request did').choices([...LOG_OPERATIONS]))
    .option('--status <status>', 'a code (409), a class (4xx), a range (400-404), "error" or "ok"')
    .option('--client <client>', `${CLIENT_NAMES.join(', ')}, or unknown`)
    .option('--since <time>', 'ISO date or time, or a duration back from now: 30m, 1h, 2d, 1w')
    .option('--until <time>', 'the same forms as --since')
    .option('--limit <n>', 'entries to show, 1 to 1000', '50')
    .option('--before <cursor>', 'continue after the last entry of a previous page (printed with it)')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: LogFlags) =>
      withRoster(flags, async (roster) => {
        const query = readQuery(flags);
        const directory = await roster.tenants.requireDirectory(flags.directory);
        const page = await new ProvisioningLog(roster.storage).query(directory.id, query);
        const more = page.next ? `\nOlder entries: add --before ${page.next}` : '';
        const text = page.entries.length ? `${page.entries.map(formatEntry).join('\n')}${more}` : 'No matching requests';
        print(flags.json, { directory: directory.slug, entries: page.entries, ...(page.next ? { next: page.next } : {}) }, text);
      }),
    );
}

function readQuery(flags: LogFlags): LogQuery {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LogQueryError(`Invalid --limit "${flags.limit}": use a whole number from 1 to 1000`);
  let client: string | undefined;
  if (flags.client !== undefined) {
    client = flags.client.trim().toLowerCase() === 'unknown' ? 'unknown' : clientFromName(flags.client);
    if (!client) throw new LogQueryError(`Unknown client "${flags.client}": use ${CLIENT_NAMES.join(', ')} or unknown`);
  }
  return {
    user: flags.user,
    group: flags.group,
    operation: flags.operation,
    status: flags.status !== undefined ? parseStatusFilter(flags.status) : undefined,
    client,
    since: flags.since !== undefined ? parseSince(flags.since) : undefined,
    until: flags.until !== undefined ? parseSince(flags.until) : undefined,
    limit,
    before: flags.before,
  };
}

/** One line per request; errors get a second, indented line with what was answered. */
export function formatEntry(entry: LogEntry): string {
  const time = entry.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const client = (entry.client ?? '-').padEnd(9);
  const who = entry.tokenLabel ? `  [${entry.tokenLabel}]` : '';
  const line = `${time}  ${entry.status}  ${client} ${entry.summary}  (${entry.durationMs} ms)${who}`;
  if (entry.status < 400 || !entry.errorDetail) return line;
  return `${line}\n${' '.repeat(time.length + 2)}↳ ${entry.errorType ? `${entry.errorType}: ` : ''}${entry.errorDetail}`;
}
