import type { Roster } from '../directory/roster.js';
import type { Directory } from '../directory/tenants.js';
import { fold, type Storage } from '../storage/database.js';
import { scimDelivererFor } from './channels.js';
import type { EndpointRow, EndpointStore } from './endpoints.js';
import { DeliveryError } from './http-client.js';
import type { EndpointLease } from './lease.js';
import type { Link } from './links.js';
import { SeenSet } from './seen-set.js';
import { mapGroup, sameOnTarget, type Doc } from './mapping.js';
import type { RemoteResource } from './scim-client.js';
import { ScimError } from '../protocol/errors.js';
import { nameOf, type ScimDeliverer } from './scim-delivery.js';
import type { OutboundSettings } from './settings.js';
import type { FullSyncState, TargetConfig } from './types.js';

// Full sync: compares the whole target with the whole directory and sends what differs: people and groups
// missing there are created (or found by userName / displayName and linked), differing ones replaced, people who
// left the target's scope or were deleted here are deprovisioned, group members added and removed. Resources on
// the target that Roster never provisioned and cannot match are left alone (and counted). A dry run sends nothing
// and writes nothing: it returns the plan. It holds the endpoint's lease, so it never interleaves with deliveries.
//
// Memory stays bounded whatever the size of either side: the target is read a page at a time and each page is
// settled before the next (pass 1: what is there); then the directory is read in pages for what is missing there
// (pass 2), and the links in pages for those whose resource vanished there (pass 3). Between the passes only a
// compact set of the resources found there is kept (SeenSet: a few bytes per resource, never its document).

export interface SyncAction {
  action: 'create' | 'update' | 'link' | 'deactivate' | 'delete' | 'add-members' | 'remove-members';
  resourceType: 'User' | 'Group';
  name: string;
  detail?: string;
}

export interface SyncProgress {
  phase: 'users on the target' | 'users missing there' | 'groups on the target' | 'groups missing there' | 'cleanup';
  done: number;
  /** 0 when not known beforehand. */
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
  private failuresInRow = 0;
  /** Resources here whose copy was found on the target in pass 1 (linked, or matched and linked). */
  private readonly seenUsers = new SeenSet();
  private readonly seenGroups = new SeenSet();
  /** Resources deleted on the target while its pages are read (the later ones move up). */
  private removedThere = 0;

  constructor(
    private readonly roster: Roster,
    private readonly directory: Directory,
    private readonly deliverer: ScimDeliverer,
    private readonly config: TargetConfig,
    private readonly dryRun: boolean,
    private readonly lease: EndpointLease | undefined,
    private readonly onProgress?: (progress: SyncProgress) => void,
  ) {
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

  private get links() {
    return this.deliverer.links;
  }

  private get db(): Storage['db'] {
    return this.roster.storage.db;
  }

  async execute(): Promise<SyncReport> {
    await this.usersOnTarget();
    await this.usersMissingThere();
    await this.staleLinks('User');
    if (this.config.operations.groups) {
      await this.groupsOnTarget();
      await this.groupsMissingThere();
      await this.staleLinks('Group');
    }
    return this.report;
  }

  private async keepLease(): Promise<void> {
    if (this.lease && !(await this.lease.keep())) throw new FullSyncError('Another instance took over this target; the full sync stopped');
  }

  private plan(action: SyncAction): void {
    if (this.report.actions.length < MAX_ACTIONS) this.report.actions.push(action);
  }

  /** Runs one step against the target; a failure is recorded and the sync goes on (unless the target seems down). */
  private async step(what: string, work: () => Promise<void>): Promise<boolean> {
    if (this.dryRun) return false;
    await this.keepLease();
    try {
      await work();
      this.failuresInRow = 0;
      return true;
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      if (this.report.errors.length < MAX_ERRORS) this.report.errors.push(`${what}: ${error.message}`);
      if (++this.failuresInRow >= GIVE_UP_AFTER) throw new FullSyncError(`The target failed ${GIVE_UP_AFTER} requests in a row; the full sync stopped (last: ${error.message})`);
      return false;
    }
  }

  /**
   * A resource here has a link, but a resource on the target that is not its copy matches it by name: the link
   * wins while what it points to is still there (then the match is someone else's), else the match is linked.
   */
  private async linkStillThere(type: 'Users' | 'Groups', link: Link | undefined): Promise<boolean> {
    if (!link) return false;
    return (await this.client.get(type, link.remote_id, `read ${type === 'Users' ? 'user' : 'group'} ${link.remote_id}`)) !== undefined;
  }

  // ---- users ----

  /** Pass 1: every user on the target, a page at a time: compared, updated, linked or deprovisioned. */
  private async usersOnTarget(): Promise<void> {
    let done = 0;
    for await (const { resources, total } of this.client.list('Users', PAGE, () => this.removedThere)) {
      const links = await this.links.byRemote('User', resources.map((r) => r.id));
      const matches = await this.matchUsers(resources.filter((r) => !links.has(r.id)));
      for (const remote of resources) {
        const link = links.get(remote.id);
        const adopted = link ? undefined : await this.adopt('User', remote, matches.get(remote.id));
        if (link) await this.linkedUser(remote, link);
        else if (adopted) await this.compareUser(adopted, remote, undefined, true);
        this.onProgress?.({ phase: 'users on the target', done: ++done, total: Math.max(total, done) });
      }
      await this.keepLease();
    }
  }

  /** Live users here with the userName (else the externalId) of unlinked users there. */
  private async matchUsers(remotes: RemoteResource[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (remotes.length === 0) return found;
    const live = () => this.db.selectFrom('users').select(['id', 'user_name_ci', 'external_id']).where('directory_id', '=', this.directory.id).where('deleted_at', 'is', null);
    const names = remotes.filter((r) => typeof r.userName === 'string').map((r) => fold(String(r.userName)));
    const byName = new Map((names.length ? await live().where('user_name_ci', 'in', names).execute() : []).map((u) => [u.user_name_ci, u.id]));
    const externalIds = remotes.filter((r) => typeof r.externalId === 'string').map((r) => String(r.externalId));
    const byExternalId = new Map((externalIds.length ? await live().where('external_id', 'in', externalIds).execute() : []).map((u) => [u.external_id, u.id]));
    for (const remote of remotes) {
      const id = (typeof remote.userName === 'string' ? byName.get(fold(remote.userName)) : undefined) ?? (typeof remote.externalId === 'string' ? byExternalId.get(remote.externalId) : undefined);
      if (id) found.set(remote.id, id);
    }
    return found;
  }

  private async wantedUser(id: string): Promise<Doc | undefined> {
    const user = await this.deliverer.readUser(id);
    return user && (await this.deliverer.people.includesUser(id)) ? user : undefined;
  }

  private async linkedUser(remote: RemoteResource, link: Link): Promise<void> {
    const id = link.resource_id;
    this.seenUsers.add(id);
    const user = await this.wantedUser(id);
    if (user) return this.compareUser(user, remote, link, false);
    // Deleted here, or out of this target's scope.
    if (link.detached) return;
    const name = String(remote.userName ?? link.remote_id);
    const here = await this.deliverer.readUser(id);
    const detail = here ? "left this target's groups" : 'deleted here';
    const remove = this.config.operations.delete && (!here || this.config.deprovision === 'delete');
    if (remove) {
      this.plan({ action: 'delete', resourceType: 'User', name, detail });
      this.report.users.deprovision++;
      await this.step(`delete user ${name}`, async () => {
        await this.client.delete('Users', link.remote_id, `delete user ${name}`);
        this.removedThere++;
        await this.links.remove(id);
      });
    } else if (this.config.operations.deactivate && remote.active !== false) {
      this.plan({ action: 'deactivate', resourceType: 'User', name, detail });
      this.report.users.deprovision++;
      await this.step(`deactivate user ${name}`, async () => {
        await this.client.patch('Users', link.remote_id, [{ op: 'replace', path: 'active', value: false }], `deactivate user ${name}`);
        if (here) await this.links.setDetached(id, true);
      });
    }
  }

  /**
   * A resource there that no link names, matched by name to `id` here: linked (and then compared) when that one is
   * wanted there and has no copy there yet; otherwise it is not Roster's, and left alone.
   */
  private async adopt(type: 'User' | 'Group', remote: RemoteResource, id: string | undefined): Promise<Doc | undefined> {
    const users = type === 'User';
    const seen = users ? this.seenUsers : this.seenGroups;
    const counts = users ? this.report.users : this.report.groups;
    const doc = id && !seen.has(id) ? await (users ? this.wantedUser(id) : this.wantedGroup(id)) : undefined;
    if (!id || !doc || (await this.linkStillThere(users ? 'Users' : 'Groups', await this.links.get(id)))) {
      counts.unmanaged++;
      return undefined;
    }
    seen.add(id);
    const name = users ? nameOf(doc) : String(doc.displayName);
    this.plan({ action: 'link', resourceType: type, name, detail: `found on the target by ${users ? 'userName or externalId' : 'displayName'}` });
    counts.link++;
    if (!this.dryRun) await this.links.set(id, type, remote.id);
    return doc;
  }

  private async compareUser(user: Doc, remote: RemoteResource, link: Link | undefined, linking: boolean): Promise<void> {
    const id = String(user.id);
    const name = nameOf(user);
    const doc = await this.deliverer.mappedUser(user);
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
      if (link?.detached) await this.links.setDetached(id, false);
    });
  }

  /** Pass 2: the people this target receives that pass 1 did not find there are created. */
  private async usersMissingThere(): Promise<void> {
    let done = 0;
    for await (const ids of this.deliverer.people.userIds()) {
      const missing = ids.filter((id) => !this.seenUsers.has(id));
      done += ids.length - missing.length;
      for (const id of missing) {
        this.onProgress?.({ phase: 'users missing there', done: ++done, total: 0 });
        const user = await this.deliverer.readUser(id);
        if (!user || !this.config.operations.create) continue;
        const name = nameOf(user);
        this.plan({ action: 'create', resourceType: 'User', name });
        this.report.users.create++;
        await this.step(`create user ${name}`, async () => {
          await this.links.remove(id);
          const result = await this.deliverer.createUser(user);
          if (result.outcome !== 'delivered') throw new DeliveryError(result.message, false);
          this.seenUsers.add(id);
        });
      }
      await this.keepLease();
    }
  }

  /** Pass 3: links to resources that are not on the target (and not wanted there) are forgotten. */
  private async staleLinks(type: 'User' | 'Group'): Promise<void> {
    const seen = type === 'User' ? this.seenUsers : this.seenGroups;
    this.onProgress?.({ phase: 'cleanup', done: 0, total: 0 });
    for await (const page of this.links.all(type)) {
      for (const link of page) {
        if (seen.has(link.resource_id)) continue;
        // Wanted here but not created (creation off, or it failed): kept, so a later delivery finds its way.
        const wanted = type === 'User' ? await this.wantedUser(link.resource_id) : await this.wantedGroup(link.resource_id);
        if (!wanted && !this.dryRun) await this.links.remove(link.resource_id);
      }
    }
  }

  // ---- groups ----

  /** Pass 1 for groups: every group on the target, compared (members too), linked or deleted. */
  private async groupsOnTarget(): Promise<void> {
    let done = 0;
    for await (const { resources, total } of this.client.list('Groups', PAGE, () => this.removedThere)) {
      const links = await this.links.byRemote('Group', resources.map((r) => r.id));
      const names = resources.filter((r) => !links.has(r.id) && typeof r.displayName === 'string').map((r) => fold(String(r.displayName)));
      const byName = new Map(
        (names.length
          ? await this.db.selectFrom('groups').select(['id', 'display_name_ci']).where('directory_id', '=', this.directory.id).where('display_name_ci', 'in', names).execute()
          : []
        ).map((g) => [g.display_name_ci, g.id]),
      );
      for (const remote of resources) {
        const link = links.get(remote.id);
        const adopted = link ? undefined : await this.adopt('Group', remote, typeof remote.displayName === 'string' ? byName.get(fold(remote.displayName)) : undefined);
        if (link) await this.linkedGroup(remote, link);
        else if (adopted) await this.compareGroup(adopted, remote, true);
        this.onProgress?.({ phase: 'groups on the target', done: ++done, total: Math.max(total, done) });
      }
      await this.keepLease();
    }
  }

  private async wantedGroup(id: string): Promise<Doc | undefined> {
    if (!this.deliverer.people.includesGroup(id)) return undefined;
    try {
      return await this.roster.groups.get({ directory: this.directory, base: '', actor: { kind: 'sync', label: 'full sync' } }, id, true);
    } catch (error) {
      if (error instanceof ScimError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async linkedGroup(remote: RemoteResource, link: Link): Promise<void> {
    this.seenGroups.add(link.resource_id);
    const group = await this.wantedGroup(link.resource_id);
    if (group) return this.compareGroup(group, remote, false);
    const name = String(remote.displayName ?? remote.id);
    this.plan({ action: 'delete', resourceType: 'Group', name, detail: 'no longer sent to this target' });
    this.report.groups.delete++;
    await this.step(`delete group ${name}`, async () => {
      await this.client.delete('Groups', remote.id, `delete group ${name}`);
      this.removedThere++;
      await this.links.remove(link.resource_id);
    });
  }

  private async compareGroup(group: Doc, remote: RemoteResource, linking: boolean): Promise<void> {
    const name = String(group.displayName);
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
    if (members === undefined) members = remoteMembers((await this.client.get('Groups', remote.id, `read group ${name}`).catch(() => undefined)) ?? {});
    const have = new Set(members ?? []);
    const expected = await this.expectedMembers(group);
    const want = new Set(expected.map((m) => m.remoteId));
    const adds = expected.filter((m) => !have.has(m.remoteId));
    // Only members Roster manages are removed: remote resources it never linked are someone else's business.
    const managed = await this.links.byRemote(undefined, [...have].filter((remoteId) => !want.has(remoteId)));
    const removes = [...managed.values()];
    if (adds.length === 0 && removes.length === 0) {
      if (!changed && !linking) this.report.groups.unchanged++;
      return;
    }
    if (adds.length) this.plan({ action: 'add-members', resourceType: 'Group', name, detail: `${adds.length}` });
    if (removes.length) this.plan({ action: 'remove-members', resourceType: 'Group', name, detail: `${removes.length}` });
    this.report.groups.memberAdds += adds.length;
    this.report.groups.memberRemoves += removes.length;
    await this.step(`change members of group ${name}`, async () => {
      await this.deliverer.sendMembers(
        group,
        adds.map((m) => ({ id: m.id, type: m.type })),
        removes.map((l) => ({ id: l.resource_id, type: l.resource_type })),
        remote.id,
      );
    });
  }

  /** Pass 2 for groups: the groups this target receives that pass 1 did not find there are created, with members. */
  private async groupsMissingThere(): Promise<void> {
    let done = 0;
    for await (const ids of this.deliverer.people.groupIds()) {
      for (const id of ids.filter((i) => !this.seenGroups.has(i))) {
        this.onProgress?.({ phase: 'groups missing there', done: ++done, total: 0 });
        const group = await this.wantedGroup(id);
        if (!group) continue;
        const name = String(group.displayName);
        const expected = await this.expectedMembers(group);
        this.plan({ action: 'create', resourceType: 'Group', name, detail: `${expected.length} members` });
        this.report.groups.create++;
        this.report.groups.memberAdds += expected.length;
        await this.step(`create group ${name}`, async () => {
          await this.links.remove(id);
          await this.deliverer.createGroup(group, true);
          this.seenGroups.add(id);
        });
      }
      await this.keepLease();
    }
  }

  /** The members the target should have: members here that the target knows (or will, once created). */
  private async expectedMembers(group: Doc): Promise<{ id: string; type: 'User' | 'Group'; remoteId: string }[]> {
    const members = Array.isArray(group.members) ? (group.members as { value: string; type: 'User' | 'Group' }[]) : [];
    const links = await this.links.getMany(members.map((m) => m.value));
    const out: { id: string; type: 'User' | 'Group'; remoteId: string }[] = [];
    for (const member of members) {
      const link = links.get(member.value);
      if (link && !link.detached) out.push({ id: member.value, type: member.type, remoteId: link.remote_id });
      else if (this.dryRun && member.type === 'User' && this.seenUsers.has(member.value)) continue;
      else if (this.dryRun && member.type === 'User' && (await this.deliverer.people.includesUser(member.value))) out.push({ id: member.value, type: 'User', remoteId: `(new) ${member.value}` });
    }
    return out;
  }
}

const PAGE = 100;

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
