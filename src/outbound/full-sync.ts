import type { Scope } from '../directory/context.js';
import type { Roster } from '../directory/roster.js';
import type { Directory } from '../directory/tenants.js';
import { fold } from '../storage/database.js';
import { scimDelivererFor } from './channels.js';
import type { EndpointRow, EndpointStore } from './endpoints.js';
import { DeliveryError } from './http-client.js';
import type { EndpointLease } from './lease.js';
import type { Link } from './links.js';
import { mapGroup, sameOnTarget, type Doc } from './mapping.js';
import type { RemoteResource } from './scim-client.js';
import { nameOf, type ScimDeliverer } from './scim-delivery.js';
import type { OutboundSettings } from './settings.js';
import type { FullSyncState, TargetConfig } from './types.js';

// Full sync: reads the whole target (paging) and the whole directory, and sends what differs: people and groups
// missing there are created (or found by userName / displayName and linked), differing ones replaced, people who
// left the target's scope or were deleted here are deprovisioned, group members added and removed. Resources on
// the target that Roster never provisioned and cannot match are left alone (and counted). A dry run sends nothing
// and writes nothing: it returns the plan. It holds the endpoint's lease, so it never interleaves with deliveries.

export interface SyncAction {
  action: 'create' | 'update' | 'link' | 'deactivate' | 'delete' | 'add-members' | 'remove-members';
  resourceType: 'User' | 'Group';
  name: string;
  detail?: string;
}

export interface SyncProgress {
  phase: 'reading target' | 'users' | 'groups' | 'cleanup';
  done: number;
  total: number;
}

export interface SyncReport {
  dryRun: boolean;
  users: { create: number; update: number; link: number; deprovision: number; unchanged: number; unmanaged: number };
  groups: { create: number; update: number; link: number; delete: number; unchanged: number; unmanaged: number; memberAdds: number; memberRemoves: number };
  /** The first 1000 actions, in order. */
  actions: SyncAction[];
  errors: string[];
}

const MAX_ACTIONS = 1000;
const MAX_ERRORS = 100;
/** Consecutive failed requests after which the target is taken to be down and the sync stops. */
const GIVE_UP_AFTER = 10;

export class FullSyncError extends Error {}

export class FullSync {
  constructor(
    private readonly roster: Roster,
    private readonly store: EndpointStore,
    private readonly settings: OutboundSettings,
  ) {}

  /** Runs one full sync of a SCIM target; the caller holds the endpoint's lease. */
  async run(
    directory: Directory,
    row: EndpointRow,
    options: { dryRun?: boolean; lease?: EndpointLease; onProgress?: (progress: SyncProgress) => void } = {},
  ): Promise<SyncReport> {
    if (row.kind !== 'scim') throw new FullSyncError('Full sync is for SCIM targets');
    const deliverer = scimDelivererFor(this.roster, this.store, this.settings, directory, row);
    const run = new SyncRun(this.roster, directory, deliverer, JSON.parse(row.config) as TargetConfig, options.dryRun === true, options.lease, options.onProgress);
    return run.execute();
  }

  /** Runs it and keeps its state on the endpoint row (what the console shows), never throwing. */
  async runRecorded(directory: Directory, row: EndpointRow, options: { dryRun?: boolean; lease?: EndpointLease; onProgress?: (progress: SyncProgress) => void } = {}): Promise<SyncReport | undefined> {
    const startedAt = new Date().toISOString();
    let lastWrite = 0;
    const state: FullSyncState = { status: 'running', startedAt, ...(options.dryRun ? { dryRun: true } : {}) };
    await this.store.setSyncState(row, state);
    try {
      const report = await this.run(directory, row, {
        ...options,
        onProgress: (progress) => {
          options.onProgress?.(progress);
          if (Date.now() - lastWrite < 1000) return;
          lastWrite = Date.now();
          void this.store.setSyncState(row, { ...state, phase: progress.phase, done: progress.done, total: progress.total }).catch(() => {});
        },
      });
      await this.store.setSyncState(row, { ...state, status: 'done', finishedAt: new Date().toISOString(), summary: summarize(report), ...(report.errors.length ? { error: report.errors[0] } : {}) }, true);
      return report;
    } catch (error) {
      await this.store.setSyncState(row, { ...state, status: 'failed', finishedAt: new Date().toISOString(), error: (error as Error).message }, true).catch(() => {});
      if (options.onProgress) throw error;
      return undefined;
    }
  }
}

export function summarize(report: SyncReport): Record<string, number> {
  return {
    usersCreated: report.users.create,
    usersUpdated: report.users.update,
    usersLinked: report.users.link,
    usersDeprovisioned: report.users.deprovision,
    groupsCreated: report.groups.create,
    groupsUpdated: report.groups.update,
    groupsDeleted: report.groups.delete,
    memberAdds: report.groups.memberAdds,
    memberRemoves: report.groups.memberRemoves,
    errors: report.errors.length,
  };
}

class SyncRun {
  private readonly report: SyncReport;
  private readonly scope: Scope;
  private failuresInRow = 0;
  private remoteUsers = new Map<string, RemoteResource>();
  private remoteGroups = new Map<string, RemoteResource>();
  private usersByName = new Map<string, string>();
  private usersByExternalId = new Map<string, string>();
  private groupsByName = new Map<string, string>();
  /** Remote ids that belong to a resource here (linked or matched). */
  private claimed = new Set<string>();
  private links = new Map<string, Link>();

  constructor(
    private readonly roster: Roster,
    private readonly directory: Directory,
    private readonly deliverer: ScimDeliverer,
    private readonly config: TargetConfig,
    private readonly dryRun: boolean,
    private readonly lease: EndpointLease | undefined,
    private readonly onProgress?: (progress: SyncProgress) => void,
  ) {
    this.scope = { directory, base: '', actor: { kind: 'sync', label: 'full sync' } };
    this.report = {
      dryRun,
      users: { create: 0, update: 0, link: 0, deprovision: 0, unchanged: 0, unmanaged: 0 },
      groups: { create: 0, update: 0, link: 0, delete: 0, unchanged: 0, unmanaged: 0, memberAdds: 0, memberRemoves: 0 },
      actions: [],
      errors: [],
    };
  }

  private get client() {
    return this.deliverer.client;
  }

  async execute(): Promise<SyncReport> {
    await this.readTarget();
    for await (const page of this.deliverer.links.all('User')) for (const link of page) this.links.set(link.resource_id, link);
    for await (const page of this.deliverer.links.all('Group')) for (const link of page) this.links.set(link.resource_id, link);
    await this.syncUsers();
    if (this.config.operations.groups) await this.syncGroups();
    this.report.users.unmanaged = [...this.remoteUsers.keys()].filter((id) => !this.claimed.has(id)).length;
    this.report.groups.unmanaged = this.config.operations.groups ? [...this.remoteGroups.keys()].filter((id) => !this.claimed.has(id)).length : 0;
    return this.report;
  }

  private async keepLease(): Promise<void> {
    if (this.lease && !(await this.lease.keep())) throw new FullSyncError('Another instance took over this target; the full sync stopped');
  }

  private async readTarget(): Promise<void> {
    let done = 0;
    for await (const { resources, total } of this.client.list('Users')) {
      for (const user of resources) {
        this.remoteUsers.set(user.id, user);
        if (typeof user.userName === 'string') this.usersByName.set(fold(user.userName), user.id);
        if (typeof user.externalId === 'string') this.usersByExternalId.set(user.externalId, user.id);
      }
      done += resources.length;
      this.onProgress?.({ phase: 'reading target', done, total });
      await this.keepLease();
    }
    if (!this.config.operations.groups) return;
    for await (const { resources, total } of this.client.list('Groups')) {
      for (const group of resources) {
        this.remoteGroups.set(group.id, group);
        if (typeof group.displayName === 'string') this.groupsByName.set(fold(group.displayName), group.id);
      }
      done += resources.length;
      this.onProgress?.({ phase: 'reading target', done, total: done + Math.max(0, total - this.remoteGroups.size) });
      await this.keepLease();
    }
  }

  private plan(action: SyncAction): void {
    if (this.report.actions.length < MAX_ACTIONS) this.report.actions.push(action);
  }

  /** Runs one step against the target; a failure is recorded and the sync goes on (unless the target seems down). */
  private async step(what: string, work: () => Promise<void>): Promise<void> {
    if (this.dryRun) return;
    await this.keepLease();
    try {
      await work();
      this.failuresInRow = 0;
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      if (this.report.errors.length < MAX_ERRORS) this.report.errors.push(`${what}: ${error.message}`);
      if (++this.failuresInRow >= GIVE_UP_AFTER) throw new FullSyncError(`The target failed ${GIVE_UP_AFTER} requests in a row; the full sync stopped (last: ${error.message})`);
    }
  }

  // ---- users ----

  private async syncUsers(): Promise<void> {
    const inScope = new Set<string>();
    for await (const ids of this.deliverer.people.userIds()) for (const id of ids) inScope.add(id);
    let done = 0;
    const total = inScope.size;
    const pageSize = 200;
    // The people the target should have: in scope and live (not soft-deleted).
    const wanted = new Set<string>();
    for (let startIndex = 1; ; startIndex += pageSize) {
      const { resources } = await this.roster.users.list(this.scope, { startIndex, count: pageSize, sortOrder: 'ascending' }, { groups: false, roles: false });
      for (const user of resources) {
        if (!inScope.has(String(user.id))) continue;
        wanted.add(String(user.id));
        await this.syncUser(user);
        this.onProgress?.({ phase: 'users', done: ++done, total });
      }
      if (resources.length < pageSize) break;
    }
    this.onProgress?.({ phase: 'cleanup', done: 0, total: 0 });
    // Links to people who are no longer here, or no longer in this target's scope.
    for (const link of [...this.links.values()].filter((l) => l.resource_type === 'User' && !wanted.has(l.resource_id))) {
      if (!this.remoteUsers.has(link.remote_id)) {
        if (!this.dryRun) await this.deliverer.links.remove(link.resource_id);
        continue;
      }
      this.claimed.add(link.remote_id);
      if (link.detached) continue;
      const remote = this.remoteUsers.get(link.remote_id)!;
      const name = String(remote.userName ?? link.remote_id);
      const user = await this.deliverer.readUser(link.resource_id);
      const remove = (!user && this.config.operations.delete) || (user && this.config.deprovision === 'delete' && this.config.operations.delete);
      if (remove) {
        this.plan({ action: 'delete', resourceType: 'User', name, detail: user ? 'left this target\'s groups' : 'deleted here' });
        this.report.users.deprovision++;
        await this.step(`delete user ${name}`, async () => {
          await this.client.delete('Users', link.remote_id, `delete user ${name}`);
          await this.deliverer.links.remove(link.resource_id);
        });
      } else if (this.config.operations.deactivate && remote.active !== false) {
        this.plan({ action: 'deactivate', resourceType: 'User', name, detail: user ? 'left this target\'s groups' : 'deleted here' });
        this.report.users.deprovision++;
        await this.step(`deactivate user ${name}`, async () => {
          await this.client.patch('Users', link.remote_id, [{ op: 'replace', path: 'active', value: false }], `deactivate user ${name}`);
          if (user) await this.deliverer.links.setDetached(link.resource_id, true);
        });
      }
    }
  }

  private async syncUser(user: Doc): Promise<void> {
    const id = String(user.id);
    const name = nameOf(user);
    const doc = await this.deliverer.mappedUser(user);
    const link = this.links.get(id);
    let remote = link ? this.remoteUsers.get(link.remote_id) : undefined;
    let linking = false;
    if (!remote) {
      const match =
        (typeof user.userName === 'string' ? this.usersByName.get(fold(user.userName)) : undefined) ??
        (typeof user.externalId === 'string' ? this.usersByExternalId.get(user.externalId) : undefined);
      const candidate = match ? this.remoteUsers.get(match) : undefined;
      if (candidate && !this.claimed.has(candidate.id)) {
        remote = candidate;
        linking = true;
      }
    }
    if (!remote) {
      if (!this.config.operations.create) return;
      this.plan({ action: 'create', resourceType: 'User', name });
      this.report.users.create++;
      await this.step(`create user ${name}`, async () => {
        if (link) await this.deliverer.links.remove(id);
        const result = await this.deliverer.createUser(user);
        if (result.outcome !== 'delivered') throw new DeliveryError(result.message, false);
        const created = await this.deliverer.links.get(id);
        if (created) this.claimed.add(created.remote_id);
      });
      return;
    }
    this.claimed.add(remote.id);
    if (linking) {
      this.plan({ action: 'link', resourceType: 'User', name, detail: 'found on the target by userName or externalId' });
      this.report.users.link++;
      if (!this.dryRun) await this.deliverer.links.set(id, 'User', remote.id);
    }
    if (sameOnTarget(doc, remote, this.deliverer.sendsEverything) && !link?.detached) {
      if (!linking) this.report.users.unchanged++;
      return;
    }
    if (!this.config.operations.update && !link?.detached) return;
    this.plan({ action: 'update', resourceType: 'User', name, detail: differingAttributes(doc, remote).join(', ') });
    this.report.users.update++;
    await this.step(`update user ${name}`, async () => {
      const answer = await this.client.replace('Users', remote.id, doc, `update user ${name}`);
      if (!answer) throw new DeliveryError(`update user ${name}: it disappeared from the target during the sync`, false, 404);
      if (link?.detached) await this.deliverer.links.setDetached(id, false);
    });
  }

  // ---- groups ----

  private async syncGroups(): Promise<void> {
    const inScope = new Set<string>();
    for await (const ids of this.deliverer.people.groupIds()) for (const id of ids) inScope.add(id);
    let done = 0;
    const pageSize = 100;
    for (let startIndex = 1; ; startIndex += pageSize) {
      const { resources } = await this.roster.groups.list(this.scope, { startIndex, count: pageSize, sortOrder: 'ascending' }, true);
      for (const group of resources) {
        if (!inScope.has(String(group.id))) continue;
        await this.syncGroup(group);
        this.onProgress?.({ phase: 'groups', done: ++done, total: inScope.size });
      }
      if (resources.length < pageSize) break;
    }
    for (const link of [...this.links.values()].filter((l) => l.resource_type === 'Group' && !inScope.has(l.resource_id))) {
      const remote = this.remoteGroups.get(link.remote_id);
      if (!remote) {
        if (!this.dryRun) await this.deliverer.links.remove(link.resource_id);
        continue;
      }
      this.claimed.add(remote.id);
      const name = String(remote.displayName ?? remote.id);
      this.plan({ action: 'delete', resourceType: 'Group', name, detail: 'no longer sent to this target' });
      this.report.groups.delete++;
      await this.step(`delete group ${name}`, async () => {
        await this.client.delete('Groups', remote.id, `delete group ${name}`);
        await this.deliverer.links.remove(link.resource_id);
      });
    }
  }

  private async syncGroup(group: Doc): Promise<void> {
    const id = String(group.id);
    const name = String(group.displayName);
    const link = this.links.get(id);
    let remote = link ? this.remoteGroups.get(link.remote_id) : undefined;
    let linking = false;
    if (!remote) {
      const match = this.groupsByName.get(fold(name));
      const candidate = match ? this.remoteGroups.get(match) : undefined;
      if (candidate && !this.claimed.has(candidate.id)) {
        remote = candidate;
        linking = true;
      }
    }
    const expected = await this.expectedMembers(group);
    if (!remote) {
      this.plan({ action: 'create', resourceType: 'Group', name, detail: `${expected.length} members` });
      this.report.groups.create++;
      this.report.groups.memberAdds += expected.length;
      await this.step(`create group ${name}`, async () => {
        if (link) await this.deliverer.links.remove(id);
        await this.deliverer.createGroup(group, true);
        const created = await this.deliverer.links.get(id);
        if (created) this.claimed.add(created.remote_id);
      });
      return;
    }
    this.claimed.add(remote.id);
    if (linking) {
      this.plan({ action: 'link', resourceType: 'Group', name, detail: 'found on the target by displayName' });
      this.report.groups.link++;
      if (!this.dryRun) await this.deliverer.links.set(id, 'Group', remote.id);
    }
    const sent = mapGroup(group);
    let changed = false;
    if (!sameOnTarget({ displayName: sent.displayName, ...(sent.externalId !== undefined ? { externalId: sent.externalId } : {}) }, remote, false)) {
      changed = true;
      this.plan({ action: 'update', resourceType: 'Group', name });
      this.report.groups.update++;
      await this.step(`update group ${name}`, async () => {
        await this.client.patch('Groups', remote.id, [{ op: 'replace', path: 'displayName', value: sent.displayName }, ...(sent.externalId !== undefined ? [{ op: 'replace' as const, path: 'externalId', value: sent.externalId }] : [])], `update group ${name}`);
      });
    }
    // Members: the target's list (read again by id when its list left members out).
    let members = remoteMembers(remote);
    if (members === undefined && !this.dryRun) members = remoteMembers((await this.client.get('Groups', remote.id, `read group ${name}`).catch(() => undefined)) ?? {});
    const have = new Set(members ?? []);
    const want = new Map(expected.map((m) => [m.remoteId, m]));
    const adds = expected.filter((m) => !have.has(m.remoteId));
    // Only members Roster manages are removed: remote users it never linked are someone else's business.
    const managed = new Set([...this.links.values()].map((l) => l.remote_id));
    const removes = members === undefined ? [] : [...have].filter((remoteId) => !want.has(remoteId) && managed.has(remoteId));
    if (adds.length === 0 && removes.length === 0) {
      if (!changed && !linking) this.report.groups.unchanged++;
      return;
    }
    if (adds.length) this.plan({ action: 'add-members', resourceType: 'Group', name, detail: `${adds.length}` });
    if (removes.length) this.plan({ action: 'remove-members', resourceType: 'Group', name, detail: `${removes.length}` });
    this.report.groups.memberAdds += adds.length;
    this.report.groups.memberRemoves += removes.length;
    const byRemote = new Map([...this.links.values()].map((l) => [l.remote_id, l]));
    await this.step(`change members of group ${name}`, async () => {
      await this.deliverer.sendMembers(
        group,
        adds.map((m) => ({ id: m.id, type: m.type })),
        removes.map((remoteId) => ({ id: byRemote.get(remoteId)!.resource_id, type: byRemote.get(remoteId)!.resource_type })),
        remote.id,
      );
    });
  }

  /** The members the target should have: members here that the target knows (or will, once created). */
  private async expectedMembers(group: Doc): Promise<{ id: string; type: 'User' | 'Group'; remoteId: string }[]> {
    const members = Array.isArray(group.members) ? (group.members as { value: string; type: 'User' | 'Group' }[]) : [];
    const out: { id: string; type: 'User' | 'Group'; remoteId: string }[] = [];
    for (const member of members) {
      const link = this.links.get(member.value) ?? (this.dryRun ? undefined : await this.deliverer.links.get(member.value));
      if (link && !link.detached) out.push({ id: member.value, type: member.type, remoteId: link.remote_id });
      else if (this.dryRun && member.type === 'User') out.push({ id: member.value, type: 'User', remoteId: `(new) ${member.value}` });
    }
    return out;
  }
}

function remoteMembers(remote: Doc): string[] | undefined {
  const key = Object.keys(remote).find((k) => k.toLowerCase() === 'members');
  if (!key) return undefined;
  const members = remote[key];
  if (!Array.isArray(members)) return [];
  return members.map((m) => (m && typeof m === 'object' ? String((m as { value?: unknown }).value) : '')).filter(Boolean);
}

function differingAttributes(sent: Doc, remote: Doc): string[] {
  return Object.keys(sent).filter((key) => key !== 'schemas' && !sameOnTarget({ [key]: sent[key] }, remote, false)).slice(0, 10);
}
