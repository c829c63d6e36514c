import type { Transaction } from 'kysely';
import { jsonEqual, type ResourceDoc } from '../protocol/resource-doc.js';
import type { ResourceSchema } from '../protocol/schema/registry.js';
import type { Storage } from '../storage/database.js';
import { prepared, preparedInsert } from '../storage/prepared.js';
import type { ChangesTable, Database } from '../storage/tables.js';
import type { Actor } from './context.js';
import type { Directory } from './tenants.js';

// The record of every change to users and groups, written in the transaction of the change itself, numbered
// per directory without gaps and in commit order (the counter row stays locked until commit). Outbound sync and
// webhooks deliver from it. It never holds a secret: a password change is recorded as the fact that it changed.

export type ChangeEvent =
  | 'user.created'
  | 'user.updated'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.deleted'
  | 'user.restored'
  | 'user.purged'
  | 'group.created'
  | 'group.updated'
  | 'group.deleted'
  | 'group.member_added'
  | 'group.member_removed';

export interface ChangeEntry {
  resourceType: 'User' | 'Group';
  resourceId: string;
  resourceName?: string | null;
  event: ChangeEvent;
  data?: Record<string, unknown>;
}

export interface ChangeRecord {
  seq: number;
  time: string;
  resourceType: 'User' | 'Group';
  resourceId: string;
  resourceName: string | null;
  event: ChangeEvent;
  actor: Actor;
  data: Record<string, unknown>;
}

export type AttributeDiff = Record<string, { before?: unknown; after?: unknown }>;

/** Attribute-level before/after of two documents: top-level attributes, and each extension attribute by URN. */
export function diffDocs(before: ResourceDoc, after: ResourceDoc, skip: string[] = []): AttributeDiff {
  const diff: AttributeDiff = {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (skip.includes(key)) continue;
    const a = before[key];
    const b = after[key];
    if (key.startsWith('urn:') && isObject(a ?? {}) && isObject(b ?? {})) {
      const inner = diffDocs((a ?? {}) as ResourceDoc, (b ?? {}) as ResourceDoc);
      for (const [sub, change] of Object.entries(inner)) diff[`${key}:${sub}`] = change;
    } else if (!jsonEqual(a, b)) {
      diff[key] = { ...(a !== undefined ? { before: a } : {}), ...(b !== undefined ? { after: b } : {}) };
    }
  }
  return diff;
}

/** Replaces the values of write-only attributes (`returned: never`) with the fact that they changed. */
export function maskSecrets(diff: AttributeDiff, schema: ResourceSchema): AttributeDiff {
  const masked: AttributeDiff = {};
  for (const [key, change] of Object.entries(diff)) {
    const at = key.lastIndexOf(':');
    const resolved = key.startsWith('urn:') && at > 0 ? schema.resolve({ uri: key.slice(0, at), attr: key.slice(at + 1) }) : schema.resolve({ attr: key });
    const attribute = resolved?.attribute;
    const secret = attribute && (attribute.mutability === 'writeOnly' || attribute.returned === 'never');
    masked[key] = secret ? { changed: true } as never : change;
  }
  return masked;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Appends entries to the history inside the caller's transaction. */
export async function recordChanges(tx: Transaction<Database>, directoryId: string, actor: Actor, entries: ChangeEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // Taking the numbers locks the counter row until commit: concurrent writers in one directory queue here, so
  // sequence order is commit order and a rolled-back change leaves no gap.
  const [updated] = await takeChangeNumbers(tx, entries.length, directoryId);
  let last = updated?.change_seq;
  if (last === undefined) {
    await tx.insertInto('directory_counters').values({ directory_id: directoryId, change_seq: entries.length }).execute();
    last = entries.length;
  }
  const first = Number(last) - entries.length + 1;
  const time = new Date().toISOString();
  const rows: ChangesTable[] = entries.map((entry, i) => ({
    directory_id: directoryId,
    seq: first + i,
    time,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId,
    resource_name: entry.resourceName ?? null,
    event: entry.event,
    actor_kind: actor.kind,
    actor_id: actor.id ?? null,
    actor_label: actor.label ?? null,
    actor_client: actor.client ?? null,
    origin: actor.origin ?? null,
    data: JSON.stringify(entry.data ?? {}),
  }));
  await insertChanges(tx, rows);
}

// Every write runs these two: built and compiled once, not per write.
const takeChangeNumbers = prepared<[count: number, directoryId: string], { change_seq: number }>((db, slot) =>
  db
    .updateTable('directory_counters')
    .set((eb) => ({ change_seq: eb('change_seq', '+', slot(0)) }))
    .where('directory_id', '=', slot(1))
    .returning('change_seq'),
);

const insertChanges = preparedInsert('changes', [
  'directory_id', 'seq', 'time', 'resource_type', 'resource_id', 'resource_name', 'event', 'actor_kind', 'actor_id',
  'actor_label', 'actor_client', 'origin', 'data',
]);

/** Reads the history. */
export class History {
  constructor(private readonly storage: Storage) {}

  async list(directory: Directory, options: { resourceId?: string; afterSeq?: number; limit?: number; newestFirst?: boolean } = {}): Promise<ChangeRecord[]> {
    let query = this.storage.db.selectFrom('changes').selectAll().where('directory_id', '=', directory.id);
    if (options.resourceId) query = query.where('resource_id', '=', options.resourceId);
    if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq);
    const rows = await query
      .orderBy('seq', options.newestFirst ? 'desc' : 'asc')
      .limit(Math.min(options.limit ?? 100, 10_000))
      .execute();
    return rows.map(toRecord);
  }
}

export function toRecord(row: ChangesTable): ChangeRecord {
  return {
    seq: Number(row.seq),
    time: row.time,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    event: row.event as ChangeEvent,
    actor: {
      kind: row.actor_kind as Actor['kind'],
      ...(row.actor_id ? { id: row.actor_id } : {}),
      ...(row.actor_label ? { label: row.actor_label } : {}),
      ...(row.actor_client ? { client: row.actor_client } : {}),
      ...(row.origin ? { origin: row.origin } : {}),
    },
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}
