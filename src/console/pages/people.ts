import type { Directory } from '../../directory/tenants.js';
import { CLIENT_LABELS } from '../../protocol/clients.js';
import { badge, cursorPager, emptyState, selectField, timeAgo } from '../components.js';
import { html, type Html } from '../html.js';
import { directoryPath, pageHead } from '../layout.js';
import { effectiveRolesOf, groupsOf, isActive, personName, primaryEmail, userNameOf, type ScimResource } from '../people-model.js';
import { clientLabel } from './overview.js';

export interface PeopleFilters {
  q?: string;
  status?: string;
  role?: string;
  source?: string;
  sort?: string;
}

export const PEOPLE_SORTS = [
  { value: '', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
  { value: 'name', label: 'userName, A to Z' },
];

/** Where people can come from: the identity providers Roster recognises, any other SCIM client, and Roster's own tools. */
export const SOURCE_CHOICES = [
  ...Object.entries(CLIENT_LABELS).map(([value, label]) => ({ value, label })),
  { value: 'scim', label: 'Other SCIM client' },
  { value: 'console', label: 'This console' },
  { value: 'cli', label: 'Command line' },
  { value: 'import', label: 'Import' },
  { value: 'sync', label: 'Sync from another Roster' },
];

export interface PeopleData {
  directory: Directory;
  people: ScimResource[];
  total: number;
  /** Cursors of the neighbouring pages, when there are some. */
  next?: string;
  previous?: string;
  /** Not the first page. */
  paged?: boolean;
  filters: PeopleFilters;
  roleChoices: { value: string; label: string }[];
  /** Offered once soft deletion exists. */
  canListDeleted: boolean;
  /** Where each person came from (client of the create), when known. */
  sources?: Map<string, string | null>;
  error?: string;
}

export function statusOf(user: ScimResource, deleted = false): Html {
  if (deleted) return badge('bad', 'Deleted');
  return isActive(user) ? badge('ok', 'Active') : badge('warn', 'Blocked');
}

export function rolesCell(user: ScimResource, max = 3): Html {
  const effective = effectiveRolesOf(user);
  const names = effective ?? groupsOf(user).map((g) => g.display);
  if (names.length === 0) return html`<span class="muted">—</span>`;
  const shown = names.slice(0, max);
  return html`<span class="tags">${shown.map((n) => badge('info', n))}${names.length > max ? html`<span class="small muted">+${names.length - max} more</span>` : ''}</span>`;
}

function results(d: PeopleData): Html {
  const path = directoryPath(d.directory, '/people');
  const deletedView = d.filters.status === 'deleted';
  const filtered = !!(d.filters.q || d.filters.status || d.filters.role || d.filters.source);
  const params = { q: d.filters.q, status: d.filters.status, role: d.filters.role, source: d.filters.source, sort: d.filters.sort };
  const body = d.error
    ? html`<div class="flash error" role="alert">${d.error}</div>`
    : d.people.length === 0
      ? filtered
        ? emptyState('Nobody matches', html`<p>Try fewer words, or <a href="${path}">clear the filters</a>.</p>`)
        : emptyState('No people yet', html`<p>People appear here when an identity provider provisions them. <a href="${directoryPath(d.directory, '/inbound')}">Connect one</a> or <a href="${path}/new">add a person</a>.</p>`)
      : html`<div class="table-wrap" tabindex="0" role="region" aria-label="People"><table>
  <thead><tr>
    <th scope="col">Name and email</th><th scope="col">userName</th><th scope="col">Status</th>
    <th scope="col">Roles</th>${d.sources ? html`<th scope="col">Source</th>` : ''}<th scope="col">Last change</th>
  </tr></thead>
  <tbody>${d.people.map((user) => {
    const id = String(user.id);
    const meta = user.meta as { lastModified?: string } | undefined;
    return html`<tr>
      <td class="wrap"><a href="${path}/${encodeURIComponent(id)}">${personName(user)}</a><span class="sub">${primaryEmail(user) ?? 'no email'}</span></td>
      <td class="wrap">${userNameOf(user)}</td>
      <td>${statusOf(user, deletedView)}</td>
      <td>${rolesCell(user)}</td>
      ${d.sources ? html`<td>${d.sources.has(id) ? clientLabel(d.sources.get(id)) : html`<span class="muted">—</span>`}</td>` : ''}
      <td class="nowrap">${timeAgo(meta?.lastModified)}</td>
    </tr>`;
  })}</tbody>
</table></div>`;
  return html`<div id="people-results">
  ${body}
  ${cursorPager(path, params, { total: d.total, shown: d.people.length, next: d.next, previous: d.previous, paged: d.paged }, d.total === 1 ? 'person' : 'people')}
</div>`;
}

export function peopleCount(d: PeopleData): Html {
  return html`<p id="people-count" class="visually-hidden" role="status" aria-live="polite">${d.total} ${d.total === 1 ? 'person' : 'people'} found</p>`;
}

export function peoplePage(d: PeopleData): Html {
  const path = directoryPath(d.directory, '/people');
  const statusChoices = [
    { value: '', label: 'Any status' },
    { value: 'active', label: 'Active' },
    { value: 'blocked', label: 'Blocked' },
    ...(d.canListDeleted ? [{ value: 'deleted', label: 'Deleted' }] : []),
  ];
  return html`${pageHead({
    title: 'People',
    subtitle: 'Everyone in this directory, as your identity provider sent them.',
    actions: html`<a class="button primary" href="${path}/new">Add person</a>`,
  })}
<form class="filters" method="get" action="${path}" role="search" aria-label="Filter people"
  hx-get="${path}" hx-trigger="input delay:350ms, change, submit" hx-target="#people-results" hx-select="#people-results" hx-swap="outerHTML" hx-select-oob="#people-count" hx-push-url="true">
  <div class="field search">
    <label for="people-q">Search</label>
    <input type="search" id="people-q" name="q" value="${d.filters.q ?? ''}" placeholder="Name, userName, email or externalId" autocomplete="off" maxlength="200">
  </div>
  ${selectField({ id: 'people-status', name: 'status', label: 'Status', value: d.filters.status, choices: statusChoices })}
  ${selectField({ id: 'people-role', name: 'role', label: 'Role', value: d.filters.role, choices: [{ value: '', label: 'Any role' }, ...d.roleChoices] })}
  ${selectField({ id: 'people-source', name: 'source', label: 'Source', value: d.filters.source, choices: [{ value: '', label: 'Any source' }, ...SOURCE_CHOICES] })}
  ${selectField({ id: 'people-sort', name: 'sort', label: 'Order', value: d.filters.sort, choices: PEOPLE_SORTS })}
  <div class="field action"><button type="submit">Apply</button></div>
</form>
${peopleCount(d)}
${results(d)}`;
}

