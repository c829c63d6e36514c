import type { Directory } from '../directory/tenants.js';
import { fold } from '../storage/database.js';
import { checkUrl, EndpointCollection, parseInterval, type EndpointRow, type EndpointStore } from './endpoints.js';
import { errorFor, DeliveryError } from './http-client.js';
import { mappingProblems, PRESETS } from './mapping.js';
import { ScimClient } from './scim-client.js';
import {
  OutboundError,
  TARGET_OPERATIONS,
  TARGET_PRESETS,
  type PeopleScope,
  type TargetAuthConfig,
  type TargetAuthInput,
  type TargetChanges,
  type TargetConfig,
  type TargetCredentials,
  type TargetInput,
  type TargetOperation,
  type TargetView,
  type TestResult,
} from './types.js';

// Outbound SCIM targets of a directory: saved with their credentials sealed, listed and shown without them,
// tested against the live target.

const NAME = /^[\w][\w .@:-]{0,99}$/;

export class Targets extends EndpointCollection<TargetView> {
  constructor(store: EndpointStore, timeoutMs: number) {
    super(store, 'scim', timeoutMs);
  }

  async add(directory: Directory, input: TargetInput): Promise<TargetView> {
    const name = await this.store.freeName(directory, 'scim', checkName(input.name));
    const url = checkUrl(input.url, 'The target URL');
    const { auth, credentials } = checkAuth(input.auth);
    const row = await this.store.insert(directory, 'scim', {
      name,
      url,
      config: await this.buildConfig(directory, input, auth),
      enabled: input.enabled !== false,
      ...(Object.keys(credentials).length ? { secret: credentials } : {}),
      // Changes from now on are delivered; what exists already goes with the initial full sync.
      syncRequested: input.initialSync !== false,
    });
    return this.view(directory, row);
  }

  /** Changes settings; `auth` replaces the credentials. Delivery state (cursor, links, lanes) is kept. */
  async update(directory: Directory, idOrName: string, changes: TargetChanges): Promise<TargetView> {
    const row = await this.store.require(directory, 'scim', idOrName);
    const current = JSON.parse(row.config) as TargetConfig;
    const next: Partial<EndpointRow> = { updated: new Date().toISOString() };
    if (changes.name !== undefined) {
      next.name = await this.store.freeName(directory, 'scim', checkName(changes.name), row.id);
      next.name_ci = fold(next.name);
    }
    if (changes.url !== undefined) next.url = checkUrl(changes.url, 'The target URL');
    if (changes.enabled !== undefined) next.enabled = changes.enabled ? 1 : 0;
    let auth = current.auth;
    if (changes.auth !== undefined) {
      const checked = checkAuth(changes.auth);
      auth = checked.auth;
      next.secret = Object.keys(checked.credentials).length ? this.store.seal(row, checked.credentials) : null;
      next.retry_at = null;
      next.failures = 0;
    }
    const merged: TargetInput = {
      name: row.name,
      url: row.url,
      auth: changes.auth ?? ({ type: 'none' } as TargetAuthInput),
      preset: changes.preset ?? current.preset,
      operations: { ...current.operations, ...changes.operations },
      groups: changes.groups ?? (current.people.mode === 'groups' ? current.people.groupIds : []),
      mapping: changes.mapping === undefined ? current.mapping : (changes.mapping ?? undefined),
      maxMembersPerPatch: changes.maxMembersPerPatch ?? (changes.preset && changes.preset !== current.preset ? undefined : current.maxMembersPerPatch),
      peerId: changes.peerId === undefined ? current.peerId : changes.peerId || undefined,
      deprovision: changes.deprovision ?? current.deprovision,
      syncEvery: changes.syncEvery === undefined ? (current.syncEveryMs ?? null) : changes.syncEvery,
    };
    const config = await this.buildConfig(directory, merged, auth);
    next.config = JSON.stringify(config);
    // Other people (or groups) in scope: a full sync provisions those who came in and deprovisions those who left.
    if (JSON.stringify(config.people) !== JSON.stringify(current.people) && !row.sync_requested_at) {
      next.sync_requested_at = next.updated;
      next.sync_state = JSON.stringify({ status: 'requested' });
    }
    await this.store.save(row, next);
    return this.get(directory, row.id);
  }

  /** Checks the URL and the credentials against the live target: a list of one user (and one group). */
  async test(directory: Directory, idOrName: string): Promise<TestResult> {
    const row = await this.store.require(directory, 'scim', idOrName);
    const config = JSON.parse(row.config) as TargetConfig;
    return testConnection({ url: row.url, auth: config.auth, credentials: this.store.openCredentials(row), originId: directory.id, timeoutMs: this.timeoutMs, groups: config.operations.groups });
  }

  private async buildConfig(directory: Directory, input: TargetInput, auth: TargetAuthConfig): Promise<TargetConfig> {
    const preset = input.preset ?? 'scim';
    if (!TARGET_PRESETS.includes(preset)) throw new OutboundError(`Unknown preset "${preset}": use ${TARGET_PRESETS.join(' or ')}`);
    const operations = { create: true, update: true, deactivate: true, delete: true, groups: true } as Record<TargetOperation, boolean>;
    for (const [key, value] of Object.entries(input.operations ?? {})) {
      if (!TARGET_OPERATIONS.includes(key as TargetOperation)) throw new OutboundError(`Unknown operation "${key}": use ${TARGET_OPERATIONS.join(', ')}`);
      operations[key as TargetOperation] = value !== false;
    }
    if (input.mapping !== undefined) {
      const problems = mappingProblems(input.mapping);
      if (problems.length) throw new OutboundError(`The attribute mapping is not valid: ${problems.join('; ')}`);
    }
    const maxMembersPerPatch = input.maxMembersPerPatch ?? PRESETS[preset].maxMembersPerPatch;
    if (!Number.isInteger(maxMembersPerPatch) || maxMembersPerPatch < 1 || maxMembersPerPatch > 10_000) {
      throw new OutboundError('maxMembersPerPatch must be a whole number from 1 to 10000');
    }
    if (input.peerId !== undefined && input.peerId !== '' && !/^[\w.:-]{1,200}$/.test(input.peerId)) {
      throw new OutboundError('A peer id is up to 200 letters, digits, and . : - _');
    }
    const deprovision = input.deprovision ?? 'deactivate';
    if (deprovision !== 'deactivate' && deprovision !== 'delete') throw new OutboundError('deprovision must be "deactivate" or "delete"');
    const syncEveryMs = parseInterval(input.syncEvery);
    return {
      auth,
      preset,
      operations,
      people: await this.resolvePeople(directory, input.groups),
      ...(input.mapping ? { mapping: input.mapping } : {}),
      maxMembersPerPatch,
      ...(input.peerId ? { peerId: input.peerId } : {}),
      deprovision,
      ...(syncEveryMs ? { syncEveryMs } : {}),
    };
  }

  /** Group ids or displayNames → ids; every one must exist. */
  private async resolvePeople(directory: Directory, groups: string[] | undefined): Promise<PeopleScope> {
    const wanted = (groups ?? []).map((g) => g.trim()).filter(Boolean);
    if (wanted.length === 0) return { mode: 'all' };
    if (wanted.length > 1000) throw new OutboundError('A target can receive the members of at most 1000 groups');
    const ids: string[] = [];
    for (const name of wanted) {
      const row =
        (await this.db.selectFrom('groups').select('id').where('directory_id', '=', directory.id).where('id', '=', name).executeTakeFirst()) ??
        (await this.db.selectFrom('groups').select('id').where('directory_id', '=', directory.id).where('display_name_ci', '=', fold(name)).executeTakeFirst());
      if (!row) throw new OutboundError(`No group "${name}" in directory ${directory.slug}`);
      if (!ids.includes(row.id)) ids.push(row.id);
    }
    return { mode: 'groups', groupIds: ids };
  }

  async view(directory: Directory, row: EndpointRow): Promise<TargetView> {
    const config = JSON.parse(row.config) as TargetConfig;
    let people: TargetView['people'] = { mode: 'all' };
    if (config.people.mode === 'groups') {
      const ids = config.people.groupIds;
      const rows = ids.length
        ? await this.db.selectFrom('groups').select(['id', 'display_name']).where('directory_id', '=', directory.id).where('id', 'in', ids).execute()
        : [];
      people = { mode: 'groups', groups: ids.map((id) => ({ id, displayName: rows.find((r) => r.id === id)?.display_name ?? null })) };
    }
    const { auth } = config;
    return {
      kind: 'scim',
      ...(await this.commonView(row)),
      auth: {
        type: auth.type,
        ...(auth.type === 'basic' ? { username: auth.username } : {}),
        ...(auth.type === 'oauth2' ? { tokenUrl: auth.tokenUrl, clientId: auth.clientId, ...(auth.scope ? { scope: auth.scope } : {}) } : {}),
        credentialsSet: row.secret !== null,
      },
      preset: config.preset,
      operations: config.operations,
      people,
      mapping: config.mapping ?? PRESETS[config.preset].mapping ?? { '*': 'every attribute Roster holds' },
      mappingIsDefault: !config.mapping,
      maxMembersPerPatch: config.maxMembersPerPatch,
      peerId: config.peerId ?? null,
      deprovision: config.deprovision,
      syncEveryMs: config.syncEveryMs ?? null,
      ownPeerId: directory.id,
    };
  }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name.trim())) {
    throw new OutboundError('A name is 1 to 100 letters, digits, spaces and . @ : - _, starting with a letter or digit');
  }
  return name.trim();
}

/** Splits what callers give into the stored part and the secret part, checking both. */
export function checkAuth(input: TargetAuthInput | undefined): { auth: TargetAuthConfig; credentials: TargetCredentials } {
  const text = (value: unknown, what: string, max = 8192) => {
    if (typeof value !== 'string' || value === '' || value.length > max) throw new OutboundError(`${what} is required (at most ${max} characters)`);
    if (/[\r\n]/.test(value)) throw new OutboundError(`${what} must be one line`);
    return value;
  };
  switch (input?.type) {
    case 'bearer':
      return { auth: { type: 'bearer' }, credentials: { token: text(input.token, 'The bearer token') } };
    case 'basic':
      if (String(input.username ?? '').includes(':')) throw new OutboundError('A basic-auth user name cannot contain ":"');
      return { auth: { type: 'basic', username: text(input.username, 'The user name', 500) }, credentials: { password: text(input.password, 'The password') } };
    case 'oauth2':
      return {
        auth: {
          type: 'oauth2',
          tokenUrl: checkUrl(input.tokenUrl, 'The OAuth 2.0 token URL'),
          clientId: text(input.clientId, 'The client id', 500),
          ...(input.scope ? { scope: text(input.scope, 'The scope', 1000) } : {}),
        },
        credentials: { clientSecret: text(input.clientSecret, 'The client secret') },
      };
    case 'none':
      return { auth: { type: 'none' }, credentials: {} };
    default:
      throw new OutboundError('Authentication must be bearer, basic, oauth2 or none');
  }
}

/** "Test": the target's user list answers 200 with these credentials (and its group list, when groups are sent). */
export async function testConnection(options: {
  url: string;
  auth: TargetAuthConfig;
  credentials: TargetCredentials;
  originId: string;
  timeoutMs: number;
  groups?: boolean;
}): Promise<TestResult> {
  const started = Date.now();
  const client = new ScimClient({ baseUrl: options.url, auth: options.auth, credentials: options.credentials, timeoutMs: options.timeoutMs, originId: options.originId });
  const done = (ok: boolean, message: string, status?: number): TestResult => ({ ok, message, durationMs: Date.now() - started, ...(status !== undefined ? { status } : {}) });
  try {
    for (const type of options.groups === false ? (['Users'] as const) : (['Users', 'Groups'] as const)) {
      const response = await client.request('GET', `/${type}?startIndex=1&count=1`);
      if (response.status === 401 || response.status === 403) return done(false, `The target refused the credentials (HTTP ${response.status} on GET /${type})`, response.status);
      if (response.status === 404) return done(false, `No SCIM endpoint at ${options.url}/${type} (HTTP 404): check the base URL`, 404);
      if (response.status !== 200) return done(false, errorFor(response, `GET /${type}`).message, response.status);
      const body = response.body as { totalResults?: unknown } | undefined;
      if (!body || typeof body !== 'object' || body.totalResults === undefined) {
        return done(false, `GET /${type} answered 200 but not with a SCIM ListResponse: is ${options.url} a SCIM base URL?`, 200);
      }
    }
    return done(true, 'The target answered and accepted the credentials', 200);
  } catch (error) {
    return done(false, error instanceof DeliveryError ? error.message : `The test failed: ${(error as Error).message}`);
  }
}
