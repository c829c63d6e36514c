import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { purgeDeletedUsers } from '../../directory/retention.js';
import { DEFAULT_DIRECTORY, TenantError } from '../../directory/tenants.js';
import { cliScope, databaseOption, jsonOption, print, withRoster } from '../shared.js';

// History, soft-deleted users, schema extensions and roles: the CLI side of directory policies and records.

const directoryOption = (command: Command) => command.option('--directory <slug>', 'directory', DEFAULT_DIRECTORY);

export function recordCommands(program: Command): void {
  directoryOption(
    program
      .command('history <id>')
      .description('the change history of a user or group (by id), oldest first')
      .option('--limit <n>', 'at most this many changes', '100'),
  )
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((id: string, flags: { directory: string; limit: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const dir = await roster.tenants.requireDirectory(flags.directory);
        const records = await roster.history.list(dir, { resourceId: id, limit: Number(flags.limit) || 100 });
        print(flags.json, records, records.map((r) => {
          const who = [r.actor.kind, r.actor.label, r.actor.client].filter(Boolean).join(' ');
          const changes = (r.data.changes ?? {}) as Record<string, { before?: unknown; after?: unknown }>;
          const detail = Object.entries(changes).map(([k, v]) => `${k}: ${JSON.stringify(v.before ?? null)} → ${JSON.stringify(v.after ?? null)}`);
          const member = r.data.member ? [`member ${JSON.stringify(r.data.member)}`] : [];
          return `#${r.seq} ${r.time} ${r.event} ${r.resourceName ?? r.resourceId} by ${who}${[...detail, ...member].map((d) => `\n    ${d}`).join('')}`;
        }).join('\n') || `No history for ${id}`);
      }),
    );

  const user = program.command('user').description('soft-deleted users: list, restore, purge');
  directoryOption(user.command('deleted').description('list soft-deleted users, newest first'))
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const scope = await cliScope(roster, config, flags.directory);
        const list = await roster.users.listDeleted(scope);
        print(flags.json, list, list.map((u) => `${u.id}  ${u.deletedAt}  ${u.userName}`).join('\n') || 'No deleted users');
      }),
    );
  directoryOption(user.command('restore <id>').description('restore a soft-deleted user with its attributes and memberships'))
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((id: string, flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const scope = await cliScope(roster, config, flags.directory);
        const restored = await roster.users.restore(scope, id);
        print(flags.json, restored, `Restored ${restored.userName as string} (${id})`);
      }),
    );
  user
    .command('purge')
    .description('remove users soft-deleted longer ago than their directory keeps them (runs hourly by itself)')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const purged = await purgeDeletedUsers(roster);
        print(flags.json, { purged }, `Purged ${purged} users`);
      }),
    );

  const schema = program.command('schema').description("a directory's custom schema extensions (RFC 7643 schema JSON)");
  schema
    .command('add <slug> <file>')
    .description('declare an extension schema; its attributes become type-checked, filterable and advertised')
    .option('--resource-type <type>', 'User or Group', 'User')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((slug: string, file: string, flags: { resourceType: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const dir = await roster.tenants.requireDirectory(slug);
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(file, 'utf8'));
        } catch (error) {
          throw new TenantError(`Cannot read ${file} as JSON: ${(error as Error).message}`);
        }
        if (flags.resourceType !== 'User' && flags.resourceType !== 'Group') throw new TenantError('--resource-type is User or Group');
        const declared = await roster.schemas.add(dir, parsed, flags.resourceType);
        print(flags.json, declared, `Declared ${declared.schema.id} on ${declared.resourceType} in ${slug} (${declared.schema.attributes.length} attributes)`);
      }),
    );
  schema
    .command('list <slug>')
    .description('list declared extensions')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((slug: string, flags: { database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const list = roster.schemas.list(await roster.tenants.requireDirectory(slug));
        print(flags.json, list, list.map((e) => `${e.schema.id} (${e.resourceType}): ${e.schema.attributes.map((a) => a.name).join(', ')}`).join('\n') || 'No extensions');
      }),
    );
  schema
    .command('remove <slug> <id>')
    .description('remove a declared extension (stored values stay in the documents but are no longer served)')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((slug: string, id: string, flags: { database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        if (!(await roster.schemas.remove(await roster.tenants.requireDirectory(slug), id))) throw new TenantError(`No extension ${id} in ${slug}`);
        print(flags.json, { removed: id }, `Removed ${id}`);
      }),
    );

  const role = program.command('role').description('role mapping: groups and attribute rules that grant application roles');
  directoryOption(role.command('map <group> [roles...]').description('set the roles a group (id or displayName) grants; no roles removes the mapping'))
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((group: string, roles: string[], flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const result = await roster.roles.mapGroup(await cliScope(roster, config, flags.directory), group, roles);
        print(flags.json, result, result.roles.length ? `Group ${group} grants: ${result.roles.join(', ')}` : `Group ${group} grants no roles`);
      }),
    );
  directoryOption(role.command('list').description('list group mappings and rules'))
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const dir = await roster.tenants.requireDirectory(flags.directory);
        const mappings = await roster.roles.listMappings(dir);
        const rules = await roster.roles.listRules(dir);
        print(flags.json, { mappings, rules }, [
          ...mappings.map((m) => `group ${m.displayName} → ${m.roles.join(', ')}`),
          ...rules.map((r) => `rule ${r.id}: ${r.filter} → ${r.role}`),
        ].join('\n') || 'No role mappings or rules');
      }),
    );
  const rule = role.command('rule').description('attribute rules: a SCIM filter on users grants a role');
  directoryOption(rule.command('add <filter> <role>').description('users matching the filter hold the role, e.g. \'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"\' sales'))
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((filter: string, roleName: string, flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const added = await roster.roles.addRule(await cliScope(roster, config, flags.directory), filter, roleName);
        print(flags.json, added, `Added rule ${added.id}: ${added.filter} → ${added.role}`);
      }),
    );
  directoryOption(rule.command('remove <id>').description('remove a rule; the roles it granted go at once'))
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((id: string, flags: { directory: string; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        if (!(await roster.roles.removeRule(await cliScope(roster, config, flags.directory), id))) throw new TenantError(`No rule ${id}`);
        print(flags.json, { removed: id }, `Removed rule ${id}`);
      }),
    );
}
