import { badRequest } from './errors.js';
import type { Filter } from './filter/index.js';
import type { PatchOpName, PatchTarget } from './patch-attribute.js';
import { normalizeMembers, type MemberRef } from './resource.js';

// Group membership through PATCH becomes a list of changes the storage layer applies as row inserts and deletes:
// a one-member change to a 100,000-member group costs one row, and the engine never reads the member list.

export type MemberChange =
  | { op: 'add'; members: MemberRef[] }
  | { op: 'remove'; ids: string[] }
  | { op: 'removeAll' }
  | { op: 'replace'; members: MemberRef[] };

const asList = (value: unknown): unknown => (value === null || value === undefined || Array.isArray(value) ? value : [value]);

/** The change one operation on `members` asks for; undefined when it changes nothing (an empty add). */
export function memberChange(op: PatchOpName, target: PatchTarget, value: unknown): MemberChange | undefined {
  const sub = target.sub;
  if (sub) {
    throw badRequest('mutability', `members.${sub.name} cannot be changed in place; remove the member and add it again`);
  }
  if (target.filter) {
    const ids = memberIdsOf(target.filter);
    if (op !== 'remove') {
      throw badRequest('mutability', `${target.label}: members cannot be changed in place; remove the member and add it again`);
    }
    return { op: 'remove', ids };
  }
  switch (op) {
    case 'add': {
      const members = normalizeMembers(asList(value));
      return members.length > 0 ? { op: 'add', members } : undefined;
    }
    case 'replace':
      return { op: 'replace', members: normalizeMembers(asList(value)) };
    case 'remove': {
      // Entra and JumpCloud send the members to remove as a value list; without one, every member goes.
      if (value === undefined || value === null) return { op: 'removeAll' };
      const ids = normalizeMembers(asList(value)).map((member) => member.value);
      return ids.length > 0 ? { op: 'remove', ids } : undefined;
    }
  }
}

/** `value eq "id"`, or several joined by `or` (any case of `value`); anything else is not supported on members. */
function memberIdsOf(filter: Filter): string[] {
  const ids = new Set<string>();
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.kind === 'or') {
      pending.push(node.right, node.left);
      continue;
    }
    const isValueEq =
      node.kind === 'compare' &&
      node.op === 'eq' &&
      node.path.uri === undefined &&
      node.path.sub === undefined &&
      node.path.attr.toLowerCase() === 'value' &&
      typeof node.value === 'string';
    if (!isValueEq) {
      throw badRequest(
        'invalidFilter',
        'Only "value eq" filters are supported on members, e.g. members[value eq "<id>"] (several joined by "or")',
      );
    }
    ids.add(node.value as string);
  }
  return [...ids];
}
