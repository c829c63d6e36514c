import { Command } from 'commander';
import { publicOrigin } from '../../config.js';
import { AdminError, Admins, SETUP_LINK_HOURS } from '../../console/auth/admins.js';
import { Sessions } from '../../console/auth/sessions.js';
import { TenantError } from '../../directory/tenants.js';
import { databaseOption, jsonOption, print, withRoster } from '../shared.js';

// `roster admin`: accounts of the admin console. A new administrator gets a one-time setup link to choose a
// password in the browser, or the password is read from stdin (for automated set-ups; never from an argument,
// which would land in shell history and process lists).

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new TenantError('--password-stdin reads the password from standard input; pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline (echo, a here-string) is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const setupUrl = (origin: string, secret: string) => `${origin}/admin/setup/${secret}`;

function failWith(error: unknown): never {
  if (error instanceof AdminError) throw new TenantError(error.message);
  throw error;
}

export function adminCommands(program: Command): void {
  const admin = program.command('admin').description('manage administrators of the admin console (/admin)');
  admin
    .command('create')
    .description(`create an administrator and print a one-time setup link (valid ${SETUP_LINK_HOURS} hours)`)
    .requiredOption('--email <email>', 'the administrator\'s email, used to sign in')
    .option('--password-stdin', 'read the password from standard input instead of printing a setup link')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { email: string; passwordStdin?: boolean; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const admins = new Admins(roster.storage);
        const password = flags.passwordStdin ? await readStdin() : undefined;
        const created = await admins.create(flags.email, password).catch(failWith);
        if (password !== undefined) {
          print(flags.json, { id: created.id, email: created.email }, `Created administrator ${created.email}; sign in at ${publicOrigin(config)}/admin`);
          return;
        }
        const link = setupUrl(publicOrigin(config), await admins.createSetupLink(created.id));
        print(flags.json, { id: created.id, email: created.email, setupUrl: link },
          `Created administrator ${created.email}.\nSend them this one-time link to choose a password (valid ${SETUP_LINK_HOURS} hours):\n  ${link}`);
      }),
    );
  admin
    .command('reset')
    .description('sign an administrator out everywhere and print a new setup link (or set the password from stdin)')
    .requiredOption('--email <email>', 'the administrator\'s email')
    .option('--password-stdin', 'read the new password from standard input')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { email: string; passwordStdin?: boolean; database?: string; json?: boolean }) =>
      withRoster(flags, async (roster, config) => {
        const admins = new Admins(roster.storage);
        const found = await admins.findByEmail(flags.email);
        if (!found) throw new TenantError(`No administrator ${flags.email}`);
        await new Sessions(roster.storage).closeAll(found.id);
        if (flags.passwordStdin) {
          await admins.setPassword(found.id, await readStdin()).catch(failWith);
          print(flags.json, { id: found.id, email: found.email }, `Password of ${found.email} changed; their sessions are closed`);
          return;
        }
        const link = setupUrl(publicOrigin(config), await admins.createSetupLink(found.id));
        print(flags.json, { id: found.id, email: found.email, setupUrl: link }, `Sessions of ${found.email} closed. New setup link (valid ${SETUP_LINK_HOURS} hours):\n  ${link}`);
      }),
    );
  admin
    .command('list')
    .description('list administrators')
    .addOption(databaseOption())
    .addOption(jsonOption())
    .action((flags: { database?: string; json?: boolean }) =>
      withRoster(flags, async (roster) => {
        const list = await new Admins(roster.storage).list();
        print(flags.json, list, list.map((a) => `${a.email.padEnd(40)} last sign-in ${a.last_login_at ?? 'never'}`).join('\n') || 'No administrators yet: roster admin create --email you@example.com');
      }),
    );
}
