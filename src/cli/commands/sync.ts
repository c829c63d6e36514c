import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Config } from '../../config.js';
import type { Roster } from '../../directory/roster.js';
import { DEFAULT_DIRECTORY, type Directory } from '../../directory/tenants.js';
import { Outbound, readOutboundSettings, type SyncProgress, type SyncReport, type TargetAuthInput, type TargetView, type WebhookView } from '../../outbound/index.js';
import type { EndpointKind } from '../../outbound/endpoints.js';
import { TARGET_OPERATIONS, TARGET_PRESETS, WEBHOOK_EVENTS, type DeliveryView, type LaneView, type TargetOperation, type TargetPreset, type TestResult } from '../../outbound/types.js';
import { databaseOption, jsonOption, print, withRoster } from '../shared.js';

// `roster target ...`, `roster webhook ...` and `roster sync run`: outbound SCIM targets, webhook endpoints and
// full sync, per directory. Secrets given on the command line may be `-`, to read them from standard input instead
// (so they stay out of the shell history and the process list); they are stored sealed and never printed.

interface Common {
  directory: string;
  database?: string;
  json?: boolean;
}

const directoryOption = () => new Option('--directory <slug>', 'directory').default(DEFAULT_DIRECTORY);

/** Warnings (a generated key file) go to standard error, where they do not mix with --json output. */
const stderrLogger = {
  info: () => {},
  warn: (_object: object, message: string) => void process.stderr.write(`${message}\n`),
  error: (_object: object, message: string) => void process.stderr.write(`${message}\n`),
};

function withOutbound<T>(flags: Common, work: (outbound: Outbound, roster: Roster, config: Config) => Promise<T>): Promise<T> {
  return withRoster(flags, async (roster, config) =>
    work(new Outbound(roster, { settings: readOutboundSettings(), databaseUrl: config.databaseUrl, logger: stderrLogger }), roster, config),
  );
}

/** Runs a command's work with the outbound service and the directory its --directory names. */
function inDirectory<T>(flags: Common, work: (outbound: Outbound, directory: Directory) => Promise<T>): Promise<T> {
  return withOutbound(flags, async (outbound, roster) => work(outbound, await roster.tenants.requireDirectory(flags.directory)));
}

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

let stdinText: string | undefined;
/** A secret flag: its value, or standard input's first line when it is `-`. */
function secret(value: string | undefined): string | undefined {
  if (value !== '-') return value;
  stdinText ??= readFileSync(0, 'utf8');
  return stdinText.split(/\r?\n/)[0];
}

interface TargetFlags extends Common {
  url?: string;
  auth?: 'bearer' | 'basic' | 'oauth2' | 'none';
  token?: string;
  username?: string;
  password?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  oauthScope?: string;
  preset?: TargetPreset;
  groups?: string;
  operations?: string;
  mapping?: string;
  peerId?: string;
  deprovision?: 'deactivate' | 'delete';
  syncEvery?: string;
  initialSync?: boolean;
  disabled?: boolean;
  test?: boolean;
}

function authFrom(flags: TargetFlags): TargetAuthInput | undefined {
  const type = flags.auth ?? (flags.token ? 'bearer' : flags.username ? 'basic' : flags.clientId ? 'oauth2' : undefined);
  switch (type) {
    case 'bearer':
      return { type, token: secret(flags.token) ?? '' };
    case 'basic':
      return { type, username: flags.username ?? '', password: secret(flags.password) ?? '' };
    case 'oauth2':
      return { type, tokenUrl: flags.tokenUrl ?? '', clientId: flags.clientId ?? '', clientSecret: secret(flags.clientSecret) ?? '', ...(flags.oauthScope ? { scope: flags.oauthScope } : {}) };
    case 'none':
      return { type };
    default:
      return undefined;
  }
}

function operationsFrom(text: string | undefined): Partial<Record<TargetOperation, boolean>> | undefined {
  if (text === undefined) return undefined;
  const chosen = list(text);
  return Object.fromEntries(TARGET_OPERATIONS.map((op) => [op, chosen.includes(op)])) as Record<TargetOperation, boolean>;
}

function mappingFrom(file: string | undefined): Record<string, string> | undefined {
  if (file === undefined) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}

function targetOptions(command: Command, adding: boolean): Command {
  return command
    .addOption(new Option('--auth <type>', 'how Roster authenticates to the target').choices(['bearer', 'basic', 'oauth2', 'none']))
    .option('--token <token>', 'bearer token (or - to read it from standard input)')
    .option('--username <name>', 'basic auth user name')
    .option('--password <password>', 'basic auth password (or -)')
    .option('--token-url <url>', 'OAuth 2.0 token endpoint (client credentials)')
    .option('--client-id <id>', 'OAuth 2.0 client id')
    .option('--client-secret <secret>', 'OAuth 2.0 client secret (or -)')
    .option('--oauth-scope <scope>', 'OAuth 2.0 scope to ask for')
    .addOption(new Option('--preset <preset>', 'attribute mapping and limits: scim (every attribute) or aws (AWS IAM Identity Center)').choices([...TARGET_PRESETS]))
    .option('--groups <names>', 'send only the members of these groups (comma-separated names or ids), and these groups; "" for everyone')
    .option('--operations <list>', `what the target receives, comma-separated (default all): ${TARGET_OPERATIONS.join(',')}`)
    .option('--mapping <file.json>', 'attribute mapping: {"target attribute": "Roster attribute", ...}')
    .option('--peer-id <id>', "the target's own peer id (its X-Roster-Origin): changes that came from it are not sent back")
    .addOption(new Option('--deprovision <what>', 'what a person who leaves the target\'s groups becomes there').choices(['deactivate', 'delete']))
    .option('--sync-every <interval>', 'run a full sync on a schedule: 30m, 24h, 7d, or off')
    .option('--disabled', adding ? 'save it paused' : 'pause delivery')
    .addOption(databaseOption())
    .addOption(jsonOption());
}

export function syncCommands(program: Command): void {
  const target = program.command('target').description('outbound SCIM targets: Roster pushes the directory\'s changes to them');

  targetOptions(
    target
      .command('add <name>')
      .description('save a target and test it against the live server')
      .requiredOption('--url <url>', "the target's SCIM base URL")
      .addOption(directoryOption())
      .option('--no-initial-sync', 'do not push what the directory holds now (only changes from now on)')
      .option('--no-test', 'save without testing'),
    true,
  ).action((name: string, flags: TargetFlags) =>
    inDirectory(flags, async (outbound, directory) => {
      const view = await outbound.targets.add(directory, {
        name,
        url: flags.url!,
        auth: authFrom(flags) ?? { type: 'none' },
        preset: flags.preset,
        operations: operationsFrom(flags.operations),
        groups: flags.groups === undefined ? undefined : list(flags.groups),
        mapping: mappingFrom(flags.mapping),
        peerId: flags.peerId,
        deprovision: flags.deprovision,
        syncEvery: flags.syncEvery,
        enabled: !flags.disabled,
        initialSync: flags.initialSync !== false,
      });
      const test = flags.test === false ? undefined : await outbound.targets.test(directory, view.id);
      print(flags.json, { target: view, ...(test ? { test } : {}) }, [
        `Saved target ${view.name} (${view.id}) in directory ${directory.slug}`,
        ...(test ? [`  test: ${test.ok ? 'OK' : 'FAILED'}: ${test.message}`] : []),
        view.state.fullSync.requestedAt ? '  a full sync will push what the directory holds now (the server runs it; or `roster sync run`)' : '',
        `  this directory's peer id (give it to a Roster target as --peer-id for the way back): ${view.ownPeerId}`,
      ].filter(Boolean).join('\n'));
      if (test && !test.ok) process.exitCode = 2;
    }),
  );

  targetOptions(
    target.command('set <name>').description("change a target's settings (credentials too, given again)").option('--url <url>', 'new SCIM base URL').option('--name <new>', 'rename').option('--enabled', 'resume delivery').addOption(directoryOption()),
    false,
  ).action((name: string, flags: TargetFlags & { name?: string; enabled?: boolean }) =>
    inDirectory(flags, async (outbound, directory) => {
      const view = await outbound.targets.update(directory, name, {
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.url ? { url: flags.url } : {}),
        ...(authFrom(flags) ? { auth: authFrom(flags) } : {}),
        ...(flags.preset ? { preset: flags.preset } : {}),
        ...(flags.operations !== undefined ? { operations: operationsFrom(flags.operations) } : {}),
        ...(flags.groups !== undefined ? { groups: list(flags.groups) } : {}),
        ...(flags.mapping !== undefined ? { mapping: mappingFrom(flags.mapping) } : {}),
        ...(flags.peerId !== undefined ? { peerId: flags.peerId } : {}),
        ...(flags.deprovision ? { deprovision: flags.deprovision } : {}),
        ...(flags.syncEvery !== undefined ? { syncEvery: flags.syncEvery } : {}),
        ...(flags.disabled ? { enabled: false } : flags.enabled ? { enabled: true } : {}),
      });
      print(flags.json, view, `Updated target ${view.name}\n${describeTarget(view)}`);
    }),
  );

  endpointCommands(target, {
    kind: 'scim',
    noun: 'target',
    arg: '<name>',
    list: (outbound, directory) => outbound.targets.list(directory),
    get: (outbound, directory, name) => outbound.targets.get(directory, name),
    remove: (outbound, directory, name) => outbound.targets.remove(directory, name),
    test: (outbound, directory, name) => outbound.targets.test(directory, name),
    row: (t) => `${t.name}  ${t.url}`,
    describe: describeTarget,
    help: {
      list: 'list targets with their delivery state',
      show: 'settings, delivery state, failed resources and recent deliveries of a target',
      test: "check the target's URL and credentials against the live server",
      remove: 'remove a target (nothing is deleted on the target itself)',
      retry: 'deliver again, now, the changes parked after the target refused them (all, or one resource)',
    },
  });

  webhookCommands(program);

  const sync = program.command('sync').description('full sync of a target');
  sync
    .command('run <target>')
    .description('compare the whole directory with the target and send what differs')
    .option('--dry-run', 'print the plan; send and change nothing')
    .addOption(directoryOption())
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((name: string, flags: Common & { dryRun?: boolean }) =>
      inDirectory(flags, async (outbound, directory) => {
        const bar = new SyncProgressBar(!flags.json);
        let report: SyncReport;
        try {
          report = await outbound.runFullSync(directory, name, { dryRun: flags.dryRun, onProgress: (p) => bar.update(p) });
        } finally {
          bar.done();
        }
        print(flags.json, report, describeReport(report, name));
        if (report.errors.length) process.exitCode = 2;
      }),
    );
}

function webhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('webhook endpoints: signed events (Standard Webhooks) for every change');
  webhook
    .command('add')
    .description('save an endpoint and print its signing secret (shown once)')
    .requiredOption('--url <url>', 'where events are POSTed')
    .option('--name <name>', 'a name (default: the URL)')
    .option('--events <list>', `event types, comma-separated, or * (default): ${WEBHOOK_EVENTS.join(', ')}`)
    .option('--secret <whsec>', 'use this whsec_ secret instead of a new one (or -)')
    .option('--disabled', 'save it paused')
    .addOption(directoryOption())
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: Common & { url: string; name?: string; events?: string; secret?: string; disabled?: boolean }) =>
      inDirectory(flags, async (outbound, directory) => {
        const { webhook: view, secret: value } = await outbound.webhooks.add(directory, {
          url: flags.url,
          ...(flags.name ? { name: flags.name } : {}),
          ...(flags.events ? { events: list(flags.events) } : {}),
          ...(flags.secret ? { secret: secret(flags.secret) } : {}),
          enabled: !flags.disabled,
        });
        print(flags.json, { webhook: view, secret: value }, `Saved webhook ${view.name} (${view.id}) for ${view.events.join(', ')}\n  signing secret: ${value}\n  (shown once: verify the webhook-signature header with it, as Standard Webhooks describes)`);
      }),
    );
  endpointCommands(webhook, {
    kind: 'webhook',
    noun: 'webhook',
    arg: '<id>',
    list: (outbound, directory) => outbound.webhooks.list(directory),
    get: (outbound, directory, id) => outbound.webhooks.get(directory, id),
    remove: (outbound, directory, id) => outbound.webhooks.remove(directory, id),
    test: (outbound, directory, id) => outbound.webhooks.sendTest(directory, id),
    row: (w) => `${w.name}  ${w.url}  [${w.events.join(',')}]`,
    describe: (w) => `Webhook ${w.name} (${w.id}) ${w.enabled ? 'enabled' : 'paused'}\n  URL:      ${w.url}\n  events:   ${w.events.join(', ')}\n  delivery: ${stateLine(w)}`,
    help: {
      list: 'list webhook endpoints with their delivery state',
      show: 'delivery state, failed events and the delivery log of an endpoint',
      test: 'send a signed roster.test event now',
      remove: 'remove an endpoint',
      retry: 'deliver again, now, the events the endpoint refused (all, or those of one resource)',
    },
  });
}

/** What differs between the target and webhook commands that are otherwise the same. */
interface EndpointSpec<V extends TargetView | WebhookView> {
  kind: EndpointKind;
  noun: 'target' | 'webhook';
  arg: '<name>' | '<id>';
  list(outbound: Outbound, directory: Directory): Promise<V[]>;
  get(outbound: Outbound, directory: Directory, idOrName: string): Promise<V>;
  remove(outbound: Outbound, directory: Directory, idOrName: string): Promise<void>;
  test(outbound: Outbound, directory: Directory, idOrName: string): Promise<TestResult>;
  /** The end of its line in `list`. */
  row(view: V): string;
  describe(view: V): string;
  help: Record<'list' | 'show' | 'test' | 'remove' | 'retry', string>;
}

/** `list`, `show`, `test`, `remove` and `retry` of targets and webhooks. */
function endpointCommands<V extends TargetView | WebhookView>(group: Command, spec: EndpointSpec<V>): void {
  const common = (command: Command) => command.addOption(directoryOption()).addOption(databaseOption()).addOption(jsonOption());
  const plural = `${spec.noun}s`;

  common(group.command('list').description(spec.help.list)).action((flags: Common) =>
    inDirectory(flags, async (outbound, directory) => {
      const views = await spec.list(outbound, directory);
      print(flags.json, views, views.map((v) => `${v.id}  ${v.enabled ? 'enabled ' : 'paused  '} ${summaryLine(v)}  ${spec.row(v)}`).join('\n') || `No ${plural}`);
    }),
  );

  common(group.command(`show ${spec.arg}`).description(spec.help.show).option('--limit <n>', 'recent deliveries to show', '20')).action(
    (idOrName: string, flags: Common & { limit: string }) =>
      inDirectory(flags, async (outbound, directory) => {
        const view = await spec.get(outbound, directory, idOrName);
        const lanes = await outbound.lanes(directory, spec.kind, view.id);
        const deliveries = await outbound.deliveries(directory, spec.kind, view.id, { limit: Number(flags.limit) || 20 });
        const retry = `roster ${spec.noun} retry ${spec.kind === 'scim' ? view.name : view.id}`;
        print(flags.json, { [spec.noun]: view, waiting: lanes, deliveries }, [spec.describe(view), describeLanes(lanes, retry), describeDeliveries(deliveries)].join('\n'));
      }),
  );

  common(group.command(`test ${spec.arg}`).description(spec.help.test)).action((idOrName: string, flags: Common) =>
    inDirectory(flags, async (outbound, directory) => {
      const result = await spec.test(outbound, directory, idOrName);
      print(flags.json, result, `${result.ok ? 'OK' : 'FAILED'}: ${result.message} (${result.durationMs} ms)`);
      if (!result.ok) process.exitCode = 2;
    }),
  );

  common(group.command(`remove ${spec.arg}`).description(spec.help.remove)).action((idOrName: string, flags: Common) =>
    inDirectory(flags, async (outbound, directory) => {
      await spec.remove(outbound, directory, idOrName);
      print(flags.json, { removed: idOrName }, `Removed ${spec.noun} ${idOrName}`);
    }),
  );

  common(group.command(`retry ${spec.arg}`).description(spec.help.retry).option('--resource <id>', 'only this user or group id')).action(
    (idOrName: string, flags: Common & { resource?: string }) =>
      inDirectory(flags, async (outbound, directory) => {
        const count = await outbound.retry(directory, spec.kind, idOrName, flags.resource);
        print(flags.json, { retried: count }, `${count} resource${count === 1 ? '' : 's'} will be delivered again at the server's next poll`);
      }),
  );
}

function stateLine(view: TargetView | WebhookView): string {
  const s = view.state;
  const parts = [`cursor ${s.cursor} of ${s.latestSeq}${s.backlog ? ` (${s.backlog} to go)` : ''}`];
  if (s.retrying) parts.push(`${s.retrying} retrying`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.retryAt) parts.push(`backing off until ${s.retryAt}`);
  if (s.lastError) parts.push(`last error: ${s.lastError}`);
  return parts.join('; ');
}

function summaryLine(view: TargetView | WebhookView): string {
  const s = view.state;
  const status = s.failed ? `${s.failed} failed` : s.retrying || s.retryAt ? 'retrying' : s.backlog ? `${s.backlog} to go` : 'up to date';
  return status.padEnd(12);
}

function describeTarget(view: TargetView): string {
  const enabledOps = Object.entries(view.operations).filter(([, on]) => on).map(([op]) => op);
  const people = view.people.mode === 'all' ? 'everyone' : `members of ${view.people.groups.map((g) => g.displayName ?? `${g.id} (deleted)`).join(', ')}`;
  const sync = view.state.fullSync;
  const lines = [
    `Target ${view.name} (${view.id}) ${view.enabled ? 'enabled' : 'paused'}`,
    `  URL:        ${view.url}`,
    `  auth:       ${view.auth.type}${view.auth.username ? ` as ${view.auth.username}` : ''}${view.auth.clientId ? ` client ${view.auth.clientId}` : ''}${view.auth.credentialsSet ? ' (credentials set)' : ''}`,
    `  preset:     ${view.preset}, at most ${view.maxMembersPerPatch} member changes per PATCH`,
    `  sends:      ${enabledOps.join(', ') || 'nothing'}; people: ${people}; leaving them: ${view.deprovision}`,
    `  mapping:    ${view.mappingIsDefault && view.preset === 'scim' ? 'every attribute Roster holds (the scim preset)' : `${Object.keys(view.mapping).length} attributes (${view.mappingIsDefault ? `the ${view.preset} preset` : 'custom'})`}`,
    `  peer ids:   target ${view.peerId ?? '(none)'}; this directory ${view.ownPeerId}`,
    `  full sync:  ${view.syncEveryMs ? `every ${interval(view.syncEveryMs)}` : 'on demand'}; last ${sync.lastAt ?? 'never'}${sync.state ? `; ${sync.state.status}${sync.state.error ? ` (${sync.state.error})` : ''}` : ''}`,
    `  delivery:   ${stateLine(view)}`,
  ];
  return lines.join('\n');
}

/** 86400000 → 1d, 5400000 → 90m: the largest unit that divides it (as --sync-every takes it). */
function interval(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms} ms`;
}

function describeLanes(lanes: LaneView[], retry: string): string {
  if (lanes.length === 0) return 'Nothing waiting.';
  return [
    `Waiting (\`${retry}\` sends the failed ones again):`,
    ...lanes.map((l) => `  ${l.state.padEnd(8)} ${l.resourceType} ${l.resourceName ?? l.resourceId} (${l.resourceId}) ${l.attempts} attempts${l.nextAttemptAt ? `, next ${l.nextAttemptAt}` : ''}: ${l.lastError ?? ''}`),
  ].join('\n');
}

function describeDeliveries(deliveries: DeliveryView[]): string {
  if (deliveries.length === 0) return 'No deliveries yet.';
  return [
    'Recent deliveries:',
    ...deliveries.map((d) => `  ${d.time}  ${String(d.seq ?? '-').padStart(6)}  ${d.outcome.padEnd(9)} ${String(d.httpStatus ?? '-').padStart(3)}  ${d.event}  ${d.message ?? ''}`),
  ].join('\n');
}

function describeReport(report: SyncReport, name: string): string {
  const { users, groups } = report;
  const would = report.dryRun ? 'would be ' : '';
  const lines = [
    `${report.dryRun ? 'Dry run of the full sync' : 'Full sync'} of target ${name}:`,
    `  users:  ${users.create} ${would}created, ${users.update} ${would}updated, ${users.link} ${would}linked, ${users.deprovision} ${would}deprovisioned, ${users.unchanged} unchanged${users.unmanaged ? `, ${users.unmanaged} on the target not managed by Roster (left alone)` : ''}`,
    `  groups: ${groups.create} ${would}created, ${groups.update} ${would}updated, ${groups.link} ${would}linked, ${groups.delete} ${would}deleted, ${groups.unchanged} unchanged; ${groups.memberAdds} member additions, ${groups.memberRemoves} removals`,
  ];
  if (report.dryRun && report.actions.length) lines.push('  plan:', ...report.actions.map((a) => `    ${a.action} ${a.resourceType.toLowerCase()} ${a.name}${a.detail ? ` (${a.detail})` : ''}`));
  if (report.errors.length) lines.push(`  ${report.errors.length} errors:`, ...report.errors.map((e) => `    ${e}`));
  return lines.join('\n');
}

/** A progress bar on a terminal; elsewhere a line every few seconds. Always on standard error. */
class SyncProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);
  private last = 0;
  private drawn = false;

  constructor(private readonly enabled: boolean) {}

  update(progress: SyncProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < (this.tty ? 100 : 5_000)) return;
    this.last = now;
    const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
    const counts = `${progress.phase}: ${progress.done}${progress.total ? ` of ${progress.total}` : ''}`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${`${Math.floor(fraction * 100)}%`.padStart(4)} ${counts}\u001b[K`);
      this.drawn = true;
    } else {
      process.stderr.write(`sync: ${counts}\n`);
    }
  }

  done(): void {
    if (this.drawn) process.stderr.write('\r\u001b[K');
  }
}
