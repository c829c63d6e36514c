import { ScimError } from '../protocol/errors.js';
import type { Storage } from '../storage/database.js';
import type { Actor } from './context.js';
import type { Directory } from './tenants.js';
import { TenantError } from './tenants.js';

// Per-directory policies: what an identity provider may do, and what deprovisioning means. Stored in the
// directory's settings, read with the directory on every request, so a change takes effect at once everywhere.

export interface DirectoryPolicy {
  create: boolean;
  update: boolean;
  /** Changing `active`, either way. */
  deactivate: boolean;
  delete: boolean;
  /** Off: an incoming password is ignored, neither hashed nor stored (Okta sends a placeholder on every create). */
  passwordSync: boolean;
  /** Creating, changing and deleting groups (Okta's Push Groups). */
  groupPush: boolean;
  /** A user created without userName takes its primary email as userName. */
  userNameFromEmail: boolean;
  /** soft: DELETE hides the user and keeps it for `retentionDays`, restorable; hard: DELETE removes it. */
  deletion: 'soft' | 'hard';
  retentionDays: number;
}

export const DEFAULT_POLICY: DirectoryPolicy = {
  create: true,
  update: true,
  deactivate: true,
  delete: true,
  passwordSync: true,
  groupPush: true,
  userNameFromEmail: false,
  deletion: 'soft',
  retentionDays: 30,
};

const SWITCHES = ['create', 'update', 'deactivate', 'delete', 'passwordSync', 'groupPush', 'userNameFromEmail'] as const;
type Switch = (typeof SWITCHES)[number];

/** What each switch stops, for the 403's detail. */
const WHAT: Record<Switch, string> = {
  create: 'Creating users',
  update: 'Updating users',
  deactivate: 'Deactivating and reactivating users',
  delete: 'Deleting users',
  passwordSync: 'Password sync',
  groupPush: 'Creating, changing and deleting groups',
  userNameFromEmail: 'userName from email',
};

export interface DirectorySettings {
  policy?: Partial<DirectoryPolicy>;
  extensions?: unknown[];
  [key: string]: unknown;
}

export function readSettings(directory: Directory): DirectorySettings {
  try {
    const parsed = JSON.parse(directory.settings || '{}');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

export function policyOf(directory: Directory): DirectoryPolicy {
  return { ...DEFAULT_POLICY, ...(readSettings(directory).policy ?? {}) };
}

/** Refuses an operation that the directory's policy turns off for identity providers (SCIM actors only). */
export function requireAllowed(policy: DirectoryPolicy, actor: Actor, setting: Exclude<Switch, 'passwordSync' | 'userNameFromEmail'>): void {
  if (actor.kind !== 'scim' || policy[setting]) return;
  throw new ScimError(403, undefined, `${WHAT[setting]} is turned off for this directory (policy setting "${setting}")`);
}

const ON = /^(on|true|yes|1)$/i;
const OFF = /^(off|false|no|0)$/i;

/** Parses `key=value` changes (from the CLI or the console) into a validated policy. */
export function applyPolicyChanges(current: DirectoryPolicy, changes: Record<string, string>): DirectoryPolicy {
  const next = { ...current };
  for (const [rawKey, value] of Object.entries(changes)) {
    const key = Object.keys(DEFAULT_POLICY).find((k) => k.toLowerCase() === rawKey.toLowerCase()) as keyof DirectoryPolicy | undefined;
    if (!key) throw new TenantError(`Unknown setting "${rawKey}"; known: ${Object.keys(DEFAULT_POLICY).join(', ')}`);
    if ((SWITCHES as readonly string[]).includes(key)) {
      if (!ON.test(value) && !OFF.test(value)) throw new TenantError(`${key} takes on or off, not "${value}"`);
      (next as Record<string, unknown>)[key] = ON.test(value);
    } else if (key === 'deletion') {
      if (value !== 'soft' && value !== 'hard') throw new TenantError(`deletion takes soft or hard, not "${value}"`);
      next.deletion = value;
    } else if (key === 'retentionDays') {
      const days = Number(value);
      if (!Number.isInteger(days) || days < 0 || days > 3650) throw new TenantError(`retentionDays takes a whole number of days from 0 to 3650, not "${value}"`);
      next.retentionDays = days;
    }
  }
  return next;
}

/** Reads and changes directory policies. */
export class Policies {
  constructor(private readonly storage: Storage) {}

  get(directory: Directory): DirectoryPolicy {
    return policyOf(directory);
  }

  async update(directory: Directory, changes: Record<string, string>): Promise<DirectoryPolicy> {
    // Re-read inside the transaction so concurrent setting changes do not overwrite each other.
    return this.storage.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('directories').selectAll().where('id', '=', directory.id).executeTakeFirstOrThrow();
      const settings = readSettings(row);
      const policy = applyPolicyChanges(policyOf(row), changes);
      settings.policy = policy;
      await tx.updateTable('directories').set({ settings: JSON.stringify(settings) }).where('id', '=', directory.id).execute();
      return policy;
    });
  }
}
