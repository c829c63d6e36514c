// Row types of the admin console (see migrations/005-console.ts).

export interface ConsoleAdminsTable {
  id: string;
  email: string;
  email_ci: string; // folded copy, unique
  password_hash: string | null; // argon2id; null until the setup link was used
  created: string;
  last_login_at: string | null;
  disabled_at: string | null;
}

/** A one-time link that lets an administrator choose a password. Only a SHA-256 of the link's secret is kept. */
export interface ConsoleSetupLinksTable {
  token_hash: string;
  admin_id: string;
  created: string;
  expires_at: string;
  used_at: string | null;
}

/** A signed-in browser. The cookie holds the session id; only its SHA-256 is stored. */
export interface ConsoleSessionsTable {
  id_hash: string;
  admin_id: string;
  csrf_token: string; // the form token of this session
  created: string;
  last_seen_at: string;
  expires_at: string; // absolute end; idleness is measured from last_seen_at
  address: string | null;
  user_agent: string | null;
}

export interface ConsoleLoginFailuresTable {
  key: string; // `email:<folded email>` or `address:<ip>`
  time: string;
  id: string;
}

export interface ConsoleTables {
  console_admins: ConsoleAdminsTable;
  console_setup_links: ConsoleSetupLinksTable;
  console_sessions: ConsoleSessionsTable;
  console_login_failures: ConsoleLoginFailuresTable;
}
