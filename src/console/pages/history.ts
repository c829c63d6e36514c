import type { Actor } from '../../directory/context.js';
import type { ChangeRecord } from '../../directory/history.js';
import { emptyState, timeAgo } from '../components.js';
import { html, type Html } from '../html.js';
import { clientLabel } from './overview.js';

// The change history of one person or group: who changed what, attribute by attribute.

const EVENTS: Record<string, string> = {
  'user.created': 'Created',
  'user.updated': 'Updated',
  'user.deactivated': 'Blocked (deactivated)',
  'user.reactivated': 'Unblocked (reactivated)',
  'user.deleted': 'Deleted',
  'user.restored': 'Restored',
  'user.purged': 'Purged',
  'group.created': 'Created',
  'group.updated': 'Updated',
  'group.deleted': 'Deleted',
  'group.member_added': 'Member added',
  'group.member_removed': 'Member removed',
};

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'admin':
      return `${actor.label ?? 'An administrator'} (console)`;
    case 'scim':
      return [actor.client ? clientLabel(actor.client) : 'SCIM client', actor.label ? `token “${actor.label}”` : ''].filter(Boolean).join(', ');
    case 'cli':
      return 'Command line';
    case 'import':
      return 'Import';
    case 'sync':
      return `Sync${actor.label ? ` from ${actor.label}` : ''}`;
    default:
      return 'Roster';
  }
}

/** Where a person came from: the client that created them. */
export function sourceLabel(actor: Actor | undefined): string | null {
  if (!actor) return null;
  if (actor.kind === 'scim') return actor.client ?? 'SCIM';
  if (actor.kind === 'admin') return 'console';
  return actor.kind;
}

const short = (value: unknown): string => {
  if (value === undefined) return '∅';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
};

export interface HistoryLinks {
  /** Names of members that group events mention, by id. */
  names?: Map<string, string>;
  memberHref?: (id: string, type: string) => string;
}

function details(record: ChangeRecord, links: HistoryLinks): Html {
  const data = record.data ?? {};
  const changes = data.changes as Record<string, { before?: unknown; after?: unknown }> | undefined;
  if (changes && typeof changes === 'object' && Object.keys(changes).length > 0) {
    const entries = Object.entries(changes);
    return html`<ul class="plain diff">${entries.slice(0, 30).map(([attr, c]) => {
      if (c.before === undefined) return html`<li><code>${attr}</code>: <ins>${short(c.after)}</ins></li>`;
      if (c.after === undefined) return html`<li><code>${attr}</code>: <del>${short(c.before)}</del> (removed)</li>`;
      return html`<li><code>${attr}</code>: <del>${short(c.before)}</del> → <ins>${short(c.after)}</ins></li>`;
    })}${entries.length > 30 ? html`<li class="muted">and ${entries.length - 30} more</li>` : ''}</ul>`;
  }
  const member = data.member as { value?: string; type?: string } | undefined;
  if (member && typeof member === 'object' && typeof member.value === 'string') {
    const type = member.type ?? 'User';
    const name = links.names?.get(member.value) ?? member.value;
    return html`${type === 'Group' ? 'Group' : 'Person'} ${links.memberHref ? html`<a href="${links.memberHref(member.value, type)}">${name}</a>` : name}`;
  }
  if (data.soft === true) return html`<span class="muted">Soft delete: restorable until purged</span>`;
  return html``;
}

export function historySection(records: ChangeRecord[], options: { title?: string } & HistoryLinks = {}): Html {
  return html`<section class="card" aria-labelledby="history-title">
  <div class="card-head"><h2 id="history-title">${options.title ?? 'Change history'}</h2></div>
  ${records.length === 0
    ? emptyState('No changes recorded')
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Change history"><table>
      <thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">By</th><th scope="col">Details</th></tr></thead>
      <tbody>${records.map(
        (r) => html`<tr>
        <td class="nowrap">${timeAgo(r.time)}</td>
        <td>${EVENTS[r.event] ?? r.event}</td>
        <td class="wrap">${actorLabel(r.actor)}</td>
        <td class="wrap">${details(r, options)}</td>
      </tr>`,
      )}</tbody>
    </table></div>`}
</section>`;
}
