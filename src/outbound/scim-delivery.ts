import type { Scope } from '../directory/context.js';
import { membersOf } from '../directory/groups.js';
import type { ChangeRecord } from '../directory/history.js';
import type { Roster } from '../directory/roster.js';
import type { Directory } from '../directory/tenants.js';
import { ScimError } from '../protocol/errors.js';
import { DeliveryError } from './http-client.js';
import type { LinkStore, Link } from './links.js';
import { mapGroup, mapUser, PRESETS, type Doc } from './mapping.js';
import type { TargetPeople } from './people-scope.js';
import type { PatchOperation, RemoteResource, ScimClient } from './scim-client.js';
import type { TargetConfig } from './types.js';

// What one change means for a SCIM target. Deliveries send the resource's current state (a create, a full PUT,
// an `active` PATCH, a DELETE, member PATCHes), so delivering a change twice, or late, is harmless: the target
// converges on what the directory holds. The target's id of each resource is remembered (links); a create that
// answers 409 looks the resource up and links it.

export interface DeliveryResult {
  outcome: 'delivered' | 'skipped';
  message: string;
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const MEMBER_EVENTS = new Set(['group.member_added', 'group.member_removed']);
export const isMemberEvent = (event: string) => MEMBER_EVENTS.has(event);

export class ScimDeliverer {
  private readonly scope: Scope;
  private readonly mapping: Record<string, string> | undefined;

  constructor(
    private readonly roster: Roster,
    private readonly directory: Directory,
    readonly config: TargetConfig,
    readonly client: ScimClient,
    readonly links: LinkStore,
    readonly people: TargetPeople,
  ) {
    this.scope = { directory, base: '', actor: { kind: 'sync', label: 'outbound sync' } };
    this.mapping = config.mapping ?? PRESETS[config.preset].mapping;
  }

  /** Whether the user mapping is "every attribute" (full sync then also notices attributes added on the target). */
  get sendsEverything(): boolean {
    return this.mapping === undefined;
  }

  /** Delivers a change, or a run of member changes of one group (see the worker). */
  async deliver(run: ChangeRecord[]): Promise<DeliveryResult> {
    const head = run[0];
    switch (head.event) {
      case 'user.created':
      case 'user.updated':
      case 'user.restored':
        return this.syncUser(head.resourceId);
      case 'user.deactivated':
      case 'user.reactivated':
        return this.setActive(head);
      case 'user.deleted':
      case 'user.purged':
        return this.removeUser(head);
      case 'group.created':
        return this.syncGroup(head.resourceId, false);
      case 'group.updated':
        return this.syncGroup(head.resourceId, true);
      case 'group.deleted':
        return this.removeGroup(head);
      case 'group.member_added':
      case 'group.member_removed':
        return this.memberChanges(run);
      default:
        return skipped(`${head.event} is not sent to SCIM targets`);
    }
  }

  // ---- users ----

  async readUser(id: string): Promise<Doc | undefined> {
    try {
      return await this.roster.users.get(this.scope, id, { groups: false, roles: false });
    } catch (error) {
      if (error instanceof ScimError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** The user as this target receives it (its manager as the target's id, when the target knows the manager). */
  async mappedUser(user: Doc): Promise<Doc> {
    const managerId = (user[ENTERPRISE] as { manager?: { value?: unknown } } | undefined)?.manager?.value;
    const manager = typeof managerId === 'string' ? await this.links.get(managerId) : undefined;
    return mapUser(user, this.mapping, (id) => (manager && id === managerId && !manager.detached ? manager.remote_id : undefined));
  }

  /** Brings the target's copy of a user in line with the directory: create, link, update, or deprovision. */
  async syncUser(id: string): Promise<DeliveryResult> {
    const user = await this.readUser(id);
    if (!user) return skipped('the user no longer exists here');
    const link = await this.links.get(id);
    if (!(await this.people.includesUser(id))) {
      if (link && !link.detached) return this.deprovision(user, link);
      return skipped(`${nameOf(user)} is not among the people this target receives`);
    }
    if (!link) return this.createUser(user);
    if (!this.config.operations.update && !link.detached) return skipped('updates are not sent to this target');
    return this.replaceUser(user, link);
  }

  private async replaceUser(user: Doc, link: Link): Promise<DeliveryResult> {
    const what = `update user ${nameOf(user)}`;
    const answer = await this.client.replace('Users', link.remote_id, await this.mappedUser(user), what);
    if (!answer) {
      // Deleted on the target behind our back: provision it again.
      await this.links.remove(String(user.id));
      return this.createUser(user);
    }
    if (link.detached) await this.links.setDetached(String(user.id), false);
    return delivered(what);
  }

  async createUser(user: Doc): Promise<DeliveryResult> {
    const name = nameOf(user);
    const doc = await this.mappedUser(user);
    if (!this.config.operations.create) {
      const found = await this.findUser(user);
      if (!found) return skipped(`creating users is off for this target, and ${name} is not there`);
      await this.links.set(String(user.id), 'User', found.id);
      await this.client.replace('Users', found.id, doc, `update user ${name}`);
      return delivered(`link user ${name} (found on the target) and update it`);
    }
    const what = `create user ${name}`;
    const { created } = await this.client.create('Users', doc, what);
    if (created) {
      await this.links.set(String(user.id), 'User', created.id);
      return delivered(what);
    }
    const found = await this.findUser(user);
    if (!found) throw new DeliveryError(`${what}: the target answered 409 (exists) but no user with this userName or externalId was found there`, false, 409);
    await this.links.set(String(user.id), 'User', found.id);
    await this.client.replace('Users', found.id, doc, `update user ${name}`);
    return delivered(`link user ${name} (it existed on the target) and update it`);
  }

  async findUser(user: Doc): Promise<RemoteResource | undefined> {
    const what = `look up user ${nameOf(user)}`;
    const byName = typeof user.userName === 'string' ? await this.client.findBy('Users', 'userName', user.userName, what) : undefined;
    if (byName) return byName;
    return typeof user.externalId === 'string' ? this.client.findBy('Users', 'externalId', user.externalId, what) : undefined;
  }

  private async setActive(change: ChangeRecord): Promise<DeliveryResult> {
    if (!this.config.operations.deactivate) return skipped('deactivation is not sent to this target');
    const user = await this.readUser(change.resourceId);
    if (!user) return skipped('the user no longer exists here');
    const link = await this.links.get(change.resourceId);
    if (!link || link.detached || !(await this.people.includesUser(change.resourceId))) return this.syncUser(change.resourceId);
    const active = change.event === 'user.reactivated';
    const what = `${active ? 'reactivate' : 'deactivate'} user ${nameOf(user)}`;
    const answer = await this.client.patch('Users', link.remote_id, [{ op: 'replace', path: 'active', value: active }], what);
    if (!answer) {
      await this.links.remove(change.resourceId);
      return this.createUser(user);
    }
    return delivered(what);
  }

  private async removeUser(change: ChangeRecord): Promise<DeliveryResult> {
    if (await this.readUser(change.resourceId)) return skipped('the user was restored since');
    const { operations } = this.config;
    if (!operations.delete && !operations.deactivate) return skipped('deletion is not sent to this target');
    if (change.event === 'user.purged' && !operations.delete) return skipped('deletion is not sent to this target');
    const name = change.resourceName ?? change.resourceId;
    const link = await this.links.get(change.resourceId);
    let remoteId = link?.remote_id;
    if (!remoteId && this.people.everyone && change.resourceName && change.event === 'user.deleted') {
      // Never linked here (a peer created it there): the same userName is the same person.
      remoteId = (await this.client.findBy('Users', 'userName', change.resourceName, `look up user ${name}`))?.id;
    }
    if (!remoteId) return skipped(`${name} is not on the target`);
    if (operations.delete) {
      const what = `delete user ${name}`;
      await this.client.delete('Users', remoteId, what);
      await this.links.remove(change.resourceId);
      return delivered(what);
    }
    const what = `deactivate deleted user ${name}`;
    await this.client.patch('Users', remoteId, [{ op: 'replace', path: 'active', value: false }], what);
    return delivered(what);
  }

  /** A person who left the target's groups (or was deleted): deactivated there, or deleted, per the target. */
  private async deprovision(user: Doc, link: Link): Promise<DeliveryResult> {
    const name = nameOf(user);
    if (this.config.deprovision === 'delete' && this.config.operations.delete) {
      const what = `delete user ${name} (left this target's groups)`;
      await this.client.delete('Users', link.remote_id, what);
      await this.links.remove(String(user.id));
      return delivered(what);
    }
    if (!this.config.operations.deactivate) return skipped(`${name} left this target's groups; deactivation is off`);
    const what = `deactivate user ${name} (left this target's groups)`;
    await this.client.patch('Users', link.remote_id, [{ op: 'replace', path: 'active', value: false }], what);
    await this.links.setDetached(String(user.id), true);
    return delivered(what);
  }

  /** After membership changes: people who came into the target's groups are provisioned, those who left deprovisioned. */
  async reconcilePerson(userId: string): Promise<DeliveryResult | undefined> {
    const user = await this.readUser(userId);
    if (!user) return undefined;
    const link = await this.links.get(userId);
    const inScope = await this.people.includesUser(userId);
    if (inScope && (!link || link.detached)) return this.syncUser(userId);
    if (!inScope && link && !link.detached) return this.deprovision(user, link);
    return undefined;
  }

  // ---- groups ----

  async readGroup(id: string): Promise<Doc | undefined> {
    try {
      return await this.roster.groups.get(this.scope, id, false);
    } catch (error) {
      if (error instanceof ScimError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Creates or updates the group there; `withMembers`: a group created late also gets its current members. */
  async syncGroup(id: string, withMembers: boolean): Promise<DeliveryResult> {
    if (!this.config.operations.groups) return skipped('groups are not sent to this target');
    if (!this.people.includesGroup(id)) return skipped('this group is not sent to this target');
    const group = await this.readGroup(id);
    if (!group) return skipped('the group no longer exists here');
    const link = await this.links.get(id);
    if (!link) return this.createGroup(group, withMembers);
    const what = `update group ${group.displayName}`;
    const answer = await this.client.patch('Groups', link.remote_id, groupAttributeOps(group), what);
    if (!answer) {
      await this.links.remove(id);
      return this.createGroup(group, true);
    }
    return delivered(what);
  }

  async createGroup(group: Doc, withMembers: boolean): Promise<DeliveryResult> {
    const id = String(group.id);
    const what = `create group ${group.displayName}`;
    const { created } = await this.client.create('Groups', mapGroup(group), what);
    let message = what;
    if (created) {
      await this.links.set(id, 'Group', created.id);
    } else {
      const found = await this.client.findBy('Groups', 'displayName', String(group.displayName), `look up group ${group.displayName}`);
      if (!found) throw new DeliveryError(`${what}: the target answered 409 (exists) but no group with this displayName was found there`, false, 409);
      await this.links.set(id, 'Group', found.id);
      await this.client.patch('Groups', found.id, groupAttributeOps(group), `update group ${group.displayName}`);
      message = `link group ${group.displayName} (it existed on the target)`;
    }
    if (withMembers) {
      const members = await membersOf(this.roster.storage.db, this.directory.id, id);
      const added = await this.sendMembers(group, members.map((m) => ({ id: m.value, type: m.type })), []);
      if (added) message += `, ${added} members`;
    }
    return delivered(message);
  }

  /** The group goes there too; on a group-scoped target, so do the people it was the way in for. */
  private async removeGroup(change: ChangeRecord): Promise<DeliveryResult> {
    const result = await this.deleteGroupThere(change);
    const left = await this.deprovisionLeavers();
    if (left === 0) return result;
    const message = `deprovision ${left} ${left === 1 ? 'person' : 'people'} who left this target's groups`;
    return delivered(result.outcome === 'delivered' ? `${result.message}; ${message}` : message);
  }

  private async deleteGroupThere(change: ChangeRecord): Promise<DeliveryResult> {
    if (!this.config.operations.groups) return skipped('groups are not sent to this target');
    if (await this.readGroup(change.resourceId)) return skipped('the group exists again');
    const name = change.resourceName ?? change.resourceId;
    const link = await this.links.get(change.resourceId);
    let remoteId = link?.remote_id;
    if (!remoteId && this.people.everyone && change.resourceName) {
      remoteId = (await this.client.findBy('Groups', 'displayName', change.resourceName, `look up group ${name}`))?.id;
    }
    if (!remoteId) return skipped(`group ${name} is not on the target`);
    const what = `delete group ${name}`;
    await this.client.delete('Groups', remoteId, what);
    await this.links.remove(change.resourceId);
    return delivered(what);
  }

  /**
   * A deleted group takes its memberships with it, and those are not recorded one by one: when it was one of the
   * target's groups (or nested in one), its members may have lost their way in. Everyone provisioned there is
   * checked against the scope as it is now, a page of links at a time; those out of it are deprovisioned. Run
   * again after a failure, it finds only those not done yet.
   */
  private async deprovisionLeavers(): Promise<number> {
    if (this.people.scope.mode !== 'groups') return 0;
    const inScope = new Set(await this.people.usersUnder(this.people.scope.groupIds));
    let count = 0;
    for await (const page of this.links.all('User')) {
      for (const link of page) {
        if (link.detached || inScope.has(link.resource_id)) continue;
        // Deleted here: its own user.deleted change deprovisions it.
        const user = await this.readUser(link.resource_id);
        if (user && (await this.deprovision(user, link)).outcome === 'delivered') count++;
      }
    }
    return count;
  }

  /** A run of member changes of one group: their net effect, in PATCHes of at most maxMembersPerPatch changes. */
  private async memberChanges(run: ChangeRecord[]): Promise<DeliveryResult> {
    const groupId = run[0].resourceId;
    const net = new Map<string, { id: string; type: 'User' | 'Group'; add: boolean }>();
    for (const change of run) {
      const member = change.data.member as { value?: unknown; type?: unknown } | undefined;
      if (!member || typeof member.value !== 'string') continue;
      net.delete(member.value); // re-inserted last: order of the final decision
      net.set(member.value, { id: member.value, type: member.type === 'Group' ? 'Group' : 'User', add: change.event === 'group.member_added' });
    }
    const messages: string[] = [];
    // Membership decides who a group-scoped target receives: people who entered or left come first.
    if (!this.people.everyone) {
      const users = [...net.values()].filter((m) => m.type === 'User').map((m) => m.id);
      const nested = [...net.values()].filter((m) => m.type === 'Group').map((m) => m.id);
      for (const userId of new Set([...users, ...(await this.people.usersUnder(nested))])) {
        const result = await this.reconcilePerson(userId);
        if (result?.outcome === 'delivered') messages.push(result.message);
      }
    }
    const name = run[0].resourceName ?? groupId;
    if (!this.config.operations.groups || !this.people.includesGroup(groupId)) {
      return messages.length ? delivered(messages.join('; ')) : skipped(`group ${name} is not sent to this target`);
    }
    const group = await this.readGroup(groupId);
    if (!group) return messages.length ? delivered(messages.join('; ')) : skipped(`group ${name} no longer exists here`);
    const link = await this.links.get(groupId);
    if (!link) {
      const created = await this.createGroup(group, true);
      return delivered([...messages, created.message].join('; '));
    }
    const adds = [...net.values()].filter((m) => m.add);
    const removes = [...net.values()].filter((m) => !m.add);
    const sent = await this.sendMembers(group, adds, removes, link.remote_id);
    if (sent === undefined) {
      await this.links.remove(groupId);
      const created = await this.createGroup(group, true);
      return delivered([...messages, created.message].join('; '));
    }
    messages.push(`group ${group.displayName}: ${describeCounts(sent, adds.length, removes.length)}`);
    return delivered(messages.join('; '));
  }

  /**
   * Adds and removes members of a group on the target. Users not provisioned there yet are provisioned first
   * (when they belong to the target's people); members the target cannot know are left out. Returns how many
   * changes were sent, or undefined when the group is gone on the target.
   */
  async sendMembers(group: Doc, adds: { id: string; type: 'User' | 'Group' }[], removes: { id: string; type: 'User' | 'Group' }[], remoteGroupId?: string): Promise<number | undefined> {
    const groupRemote = remoteGroupId ?? (await this.links.get(String(group.id)))?.remote_id;
    if (!groupRemote) return 0;
    const links = await this.links.getMany([...adds, ...removes].map((m) => m.id));
    const addIds: string[] = [];
    for (const member of adds) {
      let link = links.get(member.id);
      if ((!link || link.detached) && member.type === 'User') {
        await this.syncUser(member.id);
        link = await this.links.get(member.id);
      }
      if (link && !link.detached) addIds.push(link.remote_id);
    }
    const removeIds = removes.map((m) => links.get(m.id)?.remote_id).filter((id): id is string => id !== undefined);
    const operations: PatchOperation[] = [
      ...removeIds.map((id): PatchOperation => ({ op: 'remove', path: `members[value eq "${id.replace(/"/g, '\\"')}"]` })),
      ...addIds.map((id): PatchOperation => ({ op: 'add', path: 'members', value: [{ value: id }] })),
    ];
    const limit = this.config.maxMembersPerPatch;
    const what = `change members of group ${group.displayName}`;
    for (let i = 0; i < operations.length; i += limit) {
      const chunk = mergeAdds(operations.slice(i, i + limit));
      try {
        if (!(await this.client.patch('Groups', groupRemote, chunk, what))) return undefined;
      } catch (error) {
        // Some servers refuse removing a member that is not there (noTarget), which a repeated delivery does:
        // the PATCH is atomic, so its operations go again one by one, and such removals count as done.
        if (!(error instanceof DeliveryError) || !isNoTarget(error)) throw error;
        if (chunk.length === 1 && chunk[0].op === 'remove') continue;
        if (chunk.length === 1) throw error;
        for (const op of chunk) {
          try {
            if (!(await this.client.patch('Groups', groupRemote, [op], what))) return undefined;
          } catch (single) {
            if (!(single instanceof DeliveryError && op.op === 'remove' && isNoTarget(single))) throw single;
          }
        }
      }
    }
    return operations.length;
  }
}

const isNoTarget = (error: DeliveryError) => error.status === 400 && /\bnoTarget\b/.test(error.message);

/** Consecutive adds become one `add` with a list of members (each still one membership change). */
function mergeAdds(operations: PatchOperation[]): PatchOperation[] {
  const out: PatchOperation[] = [];
  for (const op of operations) {
    const last = out[out.length - 1];
    if (op.op === 'add' && last?.op === 'add' && last.path === 'members') (last.value as unknown[]).push(...(op.value as unknown[]));
    else out.push(op.op === 'add' ? { ...op, value: [...(op.value as unknown[])] } : op);
  }
  return out;
}

function groupAttributeOps(group: Doc): PatchOperation[] {
  const doc = mapGroup(group);
  const ops: PatchOperation[] = [{ op: 'replace', path: 'displayName', value: doc.displayName }];
  if (doc.externalId !== undefined) ops.push({ op: 'replace', path: 'externalId', value: doc.externalId });
  return ops;
}

function describeCounts(sent: number, adds: number, removes: number): string {
  const parts = [];
  if (adds) parts.push(`add ${adds} member${adds === 1 ? '' : 's'}`);
  if (removes) parts.push(`remove ${removes} member${removes === 1 ? '' : 's'}`);
  return `${parts.join(', ') || 'no member change'}${sent < adds + removes ? ` (${adds + removes - sent} not on the target)` : ''}`;
}

export const nameOf = (resource: Doc) => String(resource.userName ?? resource.displayName ?? resource.id);
const delivered = (message: string): DeliveryResult => ({ outcome: 'delivered', message });
const skipped = (message: string): DeliveryResult => ({ outcome: 'skipped', message });
