// The shapes of outbound targets and webhook endpoints: what is stored (config, never a secret), what callers
// give to create one, and what they get back (views, which never hold a secret either).

export type TargetOperation = 'create' | 'update' | 'deactivate' | 'delete' | 'groups';
export const TARGET_OPERATIONS: readonly TargetOperation[] = ['create', 'update', 'deactivate', 'delete', 'groups'];

export type TargetPreset = 'scim' | 'aws';
export const TARGET_PRESETS: readonly TargetPreset[] = ['scim', 'aws'];

/** Event types a webhook endpoint can subscribe to (`*` means all). */
export const WEBHOOK_EVENTS = [
  'user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'user.deleted', 'user.restored', 'user.purged',
  'group.created', 'group.updated', 'group.deleted', 'group.member_added', 'group.member_removed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** How Roster authenticates to a target; the secret part lives sealed in `outbound_endpoints.secret`. */
export type TargetAuthConfig =
  | { type: 'bearer' }
  | { type: 'basic'; username: string }
  | { type: 'oauth2'; tokenUrl: string; clientId: string; scope?: string }
  | { type: 'none' };

/** The same, with its secret: what callers give. */
export type TargetAuthInput =
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string }
  | { type: 'none' };

export interface TargetCredentials {
  token?: string;
  password?: string;
  clientSecret?: string;
}

/** Who a target receives: everyone, or the members (direct and nested) of chosen groups, and those groups. */
export type PeopleScope = { mode: 'all' } | { mode: 'groups'; groupIds: string[] };

export interface TargetConfig {
  auth: TargetAuthConfig;
  preset: TargetPreset;
  operations: Record<TargetOperation, boolean>;
  people: PeopleScope;
  /** Target attribute → Roster attribute expression (see mapping.ts); absent: the preset's mapping. */
  mapping?: Record<string, string>;
  /** Member changes sent in one PATCH (AWS IAM Identity Center takes at most 100). */
  maxMembersPerPatch: number;
  /** The `X-Roster-Origin` the target itself sends when it writes here: its changes are never sent back to it. */
  peerId?: string;
  /** What happens on the target to a person deleted here or who left the target's groups. */
  deprovision: 'deactivate' | 'delete';
  /** Full sync on its own every this many milliseconds; absent: only when asked. */
  syncEveryMs?: number;
}

export interface WebhookConfig {
  /** Subscribed event types, or ['*']. */
  events: string[];
}

export interface TargetInput {
  name: string;
  url: string;
  auth: TargetAuthInput;
  preset?: TargetPreset;
  operations?: Partial<Record<TargetOperation, boolean>>;
  /** Group ids or displayNames; empty or absent: everyone. */
  groups?: string[];
  mapping?: Record<string, string>;
  maxMembersPerPatch?: number;
  peerId?: string;
  deprovision?: 'deactivate' | 'delete';
  /** `24h`, `30m`, `7d`, a number of milliseconds, or null/'off' for none. */
  syncEvery?: string | number | null;
  enabled?: boolean;
  /** Push the existing directory with a full sync after saving (default true). */
  initialSync?: boolean;
}

/** Changes to a target; `auth` replaces the credentials when given; `mapping: null` goes back to the preset's. */
export type TargetChanges = Partial<Omit<TargetInput, 'initialSync' | 'mapping'>> & { mapping?: Record<string, string> | null };

export interface WebhookInput {
  name?: string;
  url: string;
  events?: string[];
  /** `whsec_<base64>`; generated when absent. */
  secret?: string;
  enabled?: boolean;
}

export interface FullSyncState {
  status: 'requested' | 'running' | 'done' | 'failed';
  dryRun?: boolean;
  startedAt?: string;
  finishedAt?: string;
  phase?: string;
  done?: number;
  total?: number;
  summary?: Record<string, number>;
  error?: string;
}

/** Where delivery to one endpoint stands. */
export interface EndpointState {
  /** Every change up to this one is delivered, skipped or waiting in a lane. */
  cursor: number;
  /** The directory's latest change. */
  latestSeq: number;
  /** Changes after the cursor. */
  backlog: number;
  /** Resources being retried with backoff, and resources parked after a refusal (retry them). */
  retrying: number;
  failed: number;
  /** Consecutive transient failures of the endpoint as a whole, and when it is tried again. */
  failures: number;
  retryAt: string | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  fullSync: { requestedAt: string | null; lastAt: string | null; state: FullSyncState | null };
}

interface EndpointViewBase {
  id: string;
  directoryId: string;
  name: string;
  url: string;
  enabled: boolean;
  created: string;
  updated: string;
  state: EndpointState;
}

export interface TargetView extends EndpointViewBase {
  kind: 'scim';
  auth: { type: TargetAuthConfig['type']; username?: string; tokenUrl?: string; clientId?: string; scope?: string; credentialsSet: boolean };
  preset: TargetPreset;
  operations: Record<TargetOperation, boolean>;
  people: { mode: 'all' } | { mode: 'groups'; groups: { id: string; displayName: string | null }[] };
  mapping: Record<string, string>;
  mappingIsDefault: boolean;
  maxMembersPerPatch: number;
  peerId: string | null;
  deprovision: 'deactivate' | 'delete';
  syncEveryMs: number | null;
  /** The `X-Roster-Origin` this directory sends (give it to the target as its peer id for this side). */
  ownPeerId: string;
}

export interface WebhookView extends EndpointViewBase {
  kind: 'webhook';
  events: string[];
}

export type EndpointView = TargetView | WebhookView;

/** A resource whose changes wait. */
export interface LaneView {
  resourceType: 'User' | 'Group';
  resourceId: string;
  resourceName: string | null;
  state: 'retrying' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  firstFailedAt: string;
  /** The first change not delivered yet. */
  nextSeq: number;
}

export interface DeliveryView {
  id: string;
  time: string;
  seq: number | null;
  event: string;
  resourceType: string | null;
  resourceId: string | null;
  resourceName: string | null;
  outcome: 'delivered' | 'retrying' | 'failed' | 'skipped';
  httpStatus: number | null;
  attempt: number;
  durationMs: number;
  message: string | null;
}

/** What "test" found: whether the URL answers and the credentials are accepted. */
export interface TestResult {
  ok: boolean;
  status?: number;
  durationMs: number;
  message: string;
}

export class OutboundError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
