import { Command } from 'commander';
import { publicOrigin, scimBaseUrl } from '../../config.js';
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
}
