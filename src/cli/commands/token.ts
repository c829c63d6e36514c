import { Command, Option } from 'commander';
import { DEFAULT_DIRECTORY, TenantError, type TokenScope } from '../../directory/tenants.js';
import { publicOrigin, scimBaseUrl } from '../../config.js';
import { databaseOption, jsonOption, print, withRoster } from '../shared.js';

export function tokenCommands(program: Command): void {
  const token = program.command('token').description('manage inbound SCIM bearer tokens');
  token
    .command('create')
    .description('create a token and print it (only its hash is stored)')
    .requiredOption('--label <label>', 'what the token is for, e.g. "Okta production"')
    .option('--directory <slug>', 'directory', DEFAULT_DIRECTORY)
    .addOption(new Option('--scope <scope>', 'scim:write (default), scim:read, or for applications changes:read (the change feed) or password:check').choices(['scim:write', 'scim:read', 'changes:read', 'password:check']).default('scim:write'))
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { label: string; directory: string; scope: TokenScope; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const dir = await roster.tenants.requireDirectory(flags.directory);
        const { info, token: value } = await roster.tenants.createToken(dir, { label: flags.label, scope: flags.scope });
        // SCIM tokens go with the SCIM base URL; application tokens (change feed, password check) with /api/v1.
        const scim = info.scope === 'scim:read' || info.scope === 'scim:write';
        const origin = publicOrigin(config);
        const baseUrl = scim ? scimBaseUrl(origin, dir.slug) : `${origin}${dir.slug === 'default' ? '' : `/d/${dir.slug}`}/api/v1`;
        const label = scim ? 'SCIM base URL:' : 'API base URL: ';
        print(flags.json, { id: info.id, label: info.label, scope: info.scope, directory: dir.slug, baseUrl, token: value },
          `Created token ${info.id} (${info.scope}) for directory ${dir.slug}\n  ${label}  ${baseUrl}\n  Bearer token:   ${value}\n(shown once: only its hash is stored)`);
      }),
    );
  token
    .command('list')
    .description('list tokens (never their values)')
    .option('--directory <slug>', 'directory', DEFAULT_DIRECTORY)
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const dir = await roster.tenants.requireDirectory(flags.directory);
        const list = (await roster.tenants.listTokens(dir)).map(({ directory_id: _, ...t }) => ({ ...t, directory: dir.slug }));
        print(flags.json, list, list.map((t) => `${t.id}  ${t.scope.padEnd(10)} ${t.revoked_at ? 'revoked' : 'active '}  last used ${t.last_used_at ?? 'never'}  ${t.label}`).join('\n') || 'No tokens');
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke a token; its next request fails')
    .option('--directory <slug>', 'directory', DEFAULT_DIRECTORY)
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((id: string, flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const dir = await roster.tenants.requireDirectory(flags.directory);
        if (!(await roster.tenants.revokeToken(dir, id))) throw new TenantError(`No active token ${id} in directory ${dir.slug}`);
        print(flags.json, { id, revoked: true }, `Revoked token ${id}`);
      }),
    );
}
