import { Command } from 'commander';
import { publicOrigin, scimBaseUrl } from '../../config.js';
import type { DirectoryPolicy } from '../../directory/policies.js';
import { TenantError } from '../../directory/tenants.js';
import { databaseOption, jsonOption, print, withRoster } from '../shared.js';

export function directoryCommands(program: Command): void {
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
  directory
    .command('show <slug>')
    .description("show a directory's policy, extensions and SCIM base URL")
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((slug: string, flags: { database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const dir = await roster.tenants.requireDirectory(slug);
        const policy = roster.policies.get(dir);
        const extensions = roster.schemas.list(dir).map((e) => ({ id: e.schema.id, resourceType: e.resourceType }));
        const baseUrl = scimBaseUrl(publicOrigin(config), dir.slug);
        print(flags.json, { slug: dir.slug, name: dir.name, baseUrl, policy, extensions },
          [`${dir.name} (${dir.slug})`, `  SCIM base URL:  ${baseUrl}`, '  Policy:', ...formatPolicy(policy),
            `  Extensions:     ${extensions.map((e) => `${e.id} (${e.resourceType})`).join(', ') || 'none'}`].join('\n'));
      }),
    );
  directory
    .command('set <slug> <settings...>')
    .description('change policy settings: create|update|deactivate|delete|passwordSync|groupPush|userNameFromEmail=on|off, deletion=soft|hard, retentionDays=N')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((slug: string, settings: string[], flags: { database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const dir = await roster.tenants.requireDirectory(slug);
        const changes: Record<string, string> = {};
        for (const setting of settings) {
          const at = setting.indexOf('=');
          if (at < 1) throw new TenantError(`Write settings as key=value, not "${setting}"`);
          changes[setting.slice(0, at).trim()] = setting.slice(at + 1).trim();
        }
        const policy = await roster.policies.update(dir, changes);
        print(flags.json, policy, ['Policy of ' + dir.slug + ' is now:', ...formatPolicy(policy)].join('\n'));
      }),
    );
}

function formatPolicy(policy: DirectoryPolicy): string[] {
  const onOff = (v: boolean) => (v ? 'on' : 'off');
  return [
    `    create=${onOff(policy.create)} update=${onOff(policy.update)} deactivate=${onOff(policy.deactivate)} delete=${onOff(policy.delete)} groupPush=${onOff(policy.groupPush)}`,
    `    passwordSync=${onOff(policy.passwordSync)} userNameFromEmail=${onOff(policy.userNameFromEmail)}`,
    `    deletion=${policy.deletion} retentionDays=${policy.retentionDays}`,
  ];
}
