import type { ChangeRecord } from '../directory/history.js';

// One change as applications see it, in the change feed and in webhook payloads alike. The history never holds a
// secret (a password change is recorded as `{ "password": { "changed": true } }`), so neither does this.

export interface ChangeView {
  seq: number;
  time: string;
  type: string;
  resourceType: 'User' | 'Group';
  resourceId: string;
  resourceName: string | null;
  actor: { kind: string; label?: string; client?: string; origin?: string };
  /** `changes` (attribute: { before, after }), `member` ({ value, type }) for member events, `soft` for deletions. */
  data: Record<string, unknown>;
}

export function changeView(record: ChangeRecord): ChangeView {
  const { kind, label, client, origin } = record.actor;
  return {
    seq: record.seq,
    time: record.time,
    type: record.event,
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    resourceName: record.resourceName,
    actor: { kind, ...(label ? { label } : {}), ...(client ? { client } : {}), ...(origin ? { origin } : {}) },
    data: record.data,
  };
}
