import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { TenantError } from '../directory/tenants.js';
import { ScimError } from '../protocol/errors.js';
import { adminCommands } from './commands/admin.js';
import { backupCommands } from './commands/backup.js';
import { configCommands } from './commands/config.js';
import { copyCommands } from './commands/copy.js';
import { directoryCommands } from './commands/directory.js';
import { recordCommands } from './commands/records.js';
import { importExportCommands } from './commands/import-export.js';
import { logCommands } from './commands/log.js';
import { serveCommands } from './commands/serve.js';
import { tokenCommands } from './commands/token.js';
import { syncCommands } from './commands/sync.js';

// `roster`: one command line for running the server and administering directories and tokens. Commands other
// than serve talk to the database directly (ROSTER_DATABASE_URL or --database), so they work with or without a
// running server. Each command group lives in its own file under commands/.

const program = new Command('roster').description('Roster: a SCIM 2.0 provisioning server').showHelpAfterError();
serveCommands(program);
directoryCommands(program);
tokenCommands(program);
copyCommands(program);
recordCommands(program);
backupCommands(program);
configCommands(program);
logCommands(program);
importExportCommands(program);
adminCommands(program);
syncCommands(program);

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TenantError || error instanceof ScimError) {
    console.error(error.message);
  } else {
    console.error(`roster: ${(error as Error)?.message ?? error}`);
  }
  process.exit(1);
});
