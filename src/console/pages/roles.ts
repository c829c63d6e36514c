import type { RoleRule } from '../../directory/roles.js';
import type { Directory } from '../../directory/tenants.js';
import { badge, emptyState, formatNumber, offsetPager, textField, timeAgo } from '../components.js';
import { html, type Html, type Renderable } from '../html.js';
import { csrfField, directoryPath, pageHead } from '../layout.js';
import type { MemberRow } from '../read-model.js';

type Group = Record<string, unknown>;

export interface RolesData {
  directory: Directory;
  groups: Group[];
  total: number;
  startIndex: number;
  count: number;
  q?: string;
  memberCounts: Map<string, number>;
  mappings: Map<string, string[]>;
  rules: RoleRule[];
  csrfToken: string;
  error?: string;
  ruleError?: string;
}

const tags = (roles: string[] | undefined) =>
  roles && roles.length ? html`<span class="tags">${roles.map((r) => badge('info', r))}</span>` : html`<span class="muted">—</span>`;

export function rulesSection(d: { directory: Directory; rules: RoleRule[]; csrfToken: string; ruleError?: string }): Html {
  const path = directoryPath(d.directory, '/roles/rules');
  return html`<section class="card" id="rules" aria-labelledby="rules-title">
  <h2 id="rules-title">Role rules</h2>
  <p class="muted">A rule grants an application role to everyone whose attributes match a SCIM filter, e.g.
    <code>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"</code> grants <code>sales</code>.</p>
  ${d.rules.length === 0
    ? emptyState('No rules yet')
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Role rules"><table>
      <thead><tr><th scope="col">Filter</th><th scope="col">Grants</th><th scope="col">Added</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${d.rules.map(
        (r) => html`<tr>
        <td class="wrap"><code>${r.filter}</code></td>
        <td>${badge('info', r.role)}</td>
        <td class="nowrap">${timeAgo(r.created)}</td>
        <td class="actions"><form class="inline" method="post" action="${path}/remove" data-confirm="${`Remove the rule granting ${r.role}?`}">${csrfField(d.csrfToken)}<input type="hidden" name="id" value="${r.id}"><button type="submit" class="small danger">Remove<span class="visually-hidden"> rule granting ${r.role}</span></button></form></td>
      </tr>`,
      )}</tbody>
    </table></div>`}
  <form method="post" action="${path}">
    ${csrfField(d.csrfToken)}
    <div class="form-row">
      <div class="field grow">${textField({ id: 'rule-filter', name: 'filter', label: 'SCIM filter', required: true, maxlength: 2000, error: d.ruleError })}</div>
      ${textField({ id: 'rule-role', name: 'role', label: 'Grants role', required: true, maxlength: 200 })}
      <div class="field action"><button type="submit">Add rule</button></div>
    </div>
  </form>
</section>`;
}

export function rolesPage(d: RolesData): Html {
  const path = directoryPath(d.directory, '/roles');
  return html`${pageHead({
    title: 'Roles',
    subtitle: 'Groups pushed by your identity provider are the directory’s roles. Map a group to application role names, or grant roles by rule.',
  })}
<section class="card" aria-labelledby="groups-title">
  <div class="card-head"><h2 id="groups-title">Groups</h2></div>
  <form class="filters" method="get" action="${path}" role="search" aria-label="Filter roles"
    hx-get="${path}" hx-trigger="input delay:350ms, submit" hx-target="#roles-results" hx-select="#roles-results" hx-swap="outerHTML" hx-push-url="true">
    <div class="field search"><label for="roles-q">Search</label><input type="search" id="roles-q" name="q" value="${d.q ?? ''}" placeholder="Group name" autocomplete="off" maxlength="200"></div>
    <div class="field action"><button type="submit">Search</button></div>
  </form>
  <div id="roles-results">
  ${d.error ? html`<div class="flash error" role="alert">${d.error}</div>` : ''}
  ${d.groups.length === 0
    ? d.q ? emptyState('No group matches', html`<p><a href="${path}">Show all groups</a></p>`) : emptyState('No groups yet', html`<p>Groups appear when your identity provider pushes them (Okta: Push Groups), or create one below.</p>`)
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Groups"><table>
      <thead><tr><th scope="col">Group</th><th scope="col" class="num">Members</th><th scope="col">Grants roles</th><th scope="col">Last change</th></tr></thead>
      <tbody>${d.groups.map((g) => {
        const id = String(g.id);
        const meta = g.meta as { lastModified?: string } | undefined;
        return html`<tr>
          <td class="wrap"><a href="${path}/${encodeURIComponent(id)}">${String(g.displayName ?? id)}</a>${g.externalId ? html`<span class="sub">externalId ${String(g.externalId)}</span>` : ''}</td>
          <td class="num">${formatNumber(d.memberCounts.get(id) ?? 0)}</td>
          <td>${tags(d.mappings.get(id))}</td>
          <td class="nowrap">${timeAgo(meta?.lastModified)}</td>
        </tr>`;
      })}</tbody>
    </table></div>`}
  ${offsetPager(path, { q: d.q }, { startIndex: d.startIndex, count: d.count, total: d.total }, d.total === 1 ? 'group' : 'groups')}
  </div>
  <h3>Create a group</h3>
  <form method="post" action="${path}/new">
    ${csrfField(d.csrfToken)}
    <div class="form-row">
      <div class="field grow">${textField({ id: 'group-name', name: 'displayName', label: 'Group name', required: true, maxlength: 300, hint: 'If your identity provider pushes a group with the same name, it takes this one over.' })}</div>
      <div class="field action"><button type="submit">Create group</button></div>
    </div>
  </form>
</section>
${rulesSection(d)}`;
}

export interface GroupData {
  directory: Directory;
  group: Group;
  members: MemberRow[];
  memberTotal: number;
  startIndex: number;
  count: number;
  mappedRoles: string[];
  csrfToken: string;
  history?: Renderable;
  memberError?: string;
}

export function groupPage(d: GroupData): Html {
  const id = String(d.group.id);
  const roles = directoryPath(d.directory, '/roles');
  const base = `${roles}/${encodeURIComponent(id)}`;
  const name = String(d.group.displayName ?? id);
  const meta = (d.group.meta ?? {}) as Record<string, string>;
  return html`${pageHead({
    breadcrumbs: html`<a href="${roles}">Roles</a> / ${name}`,
    title: name,
    subtitle: html`${formatNumber(d.memberTotal)} direct ${d.memberTotal === 1 ? 'member' : 'members'}${d.group.externalId ? html` · externalId <span class="mono">${String(d.group.externalId)}</span>` : ''} · changed ${timeAgo(meta.lastModified)}`,
    actions: html`<form class="inline" method="post" action="${base}/delete" data-confirm="${`Delete the group ${name}? Its members stay; they lose this role.`}">${csrfField(d.csrfToken)}<button type="submit" class="danger">Delete group</button></form>`,
  })}
<div class="grid-2">
  <section class="card" aria-labelledby="members-title">
    <h2 id="members-title">Members</h2>
    ${d.members.length === 0
      ? emptyState('No members', html`<p>Members arrive with the group from your identity provider, or add people below.</p>`)
      : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Members"><table>
        <thead><tr><th scope="col">Member</th><th scope="col">Type</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${d.members.map((m) => {
          const label = m.displayName ?? m.name ?? m.id;
          const href = m.type === 'User' ? directoryPath(d.directory, `/people/${encodeURIComponent(m.id)}`) : `${roles}/${encodeURIComponent(m.id)}`;
          return html`<tr>
            <td class="wrap"><a href="${href}">${label}</a>${m.type === 'User' && m.name && m.name !== label ? html`<span class="sub">${m.name}</span>` : ''}</td>
            <td>${m.type === 'Group' ? badge('neutral', 'Group') : m.active === false ? badge('warn', 'Blocked') : badge('ok', 'Person')}</td>
            <td class="actions"><form class="inline" method="post" action="${base}/members/remove">${csrfField(d.csrfToken)}<input type="hidden" name="member" value="${m.id}"><button type="submit" class="small link">Remove<span class="visually-hidden"> ${label}</span></button></form></td>
          </tr>`;
        })}</tbody>
      </table></div>`}
    ${offsetPager(base, {}, { startIndex: d.startIndex, count: d.count, total: d.memberTotal }, d.memberTotal === 1 ? 'member' : 'members')}
    <form method="post" action="${base}/members">
      ${csrfField(d.csrfToken)}
      <div class="form-row">
        <div class="field grow">${textField({ id: 'member-userName', name: 'userName', label: 'Add a person by userName', required: true, maxlength: 300, error: d.memberError })}</div>
        <div class="field action"><button type="submit">Add member</button></div>
      </div>
    </form>
  </section>
  <section class="card" aria-labelledby="mapping-title">
      <h2 id="mapping-title">Application roles</h2>
      <p class="muted">Members of this group (directly or through nested groups) hold these roles in their <code>effectiveRoles</code>.</p>
      <p>${tags(d.mappedRoles)}</p>
      <form method="post" action="${base}/mapping">
        ${csrfField(d.csrfToken)}
        ${textField({ id: 'mapping-roles', name: 'roles', label: 'Grants roles', value: d.mappedRoles.join(', '), maxlength: 2000, hint: 'Role names separated by commas; empty removes the mapping.' })}
        <div class="form-actions"><button type="submit">Save roles</button></div>
      </form>
  </section>
</div>
${d.history ?? ''}`;
}
