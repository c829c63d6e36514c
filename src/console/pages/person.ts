import type { LogEntry } from '../../directory/provisioning-log.js';
import type { Directory } from '../../directory/tenants.js';
import { badge, dateTime, emptyState, statusBadge, textField, timeAgo } from '../components.js';
import { html, type Html, type Renderable } from '../html.js';
import { csrfField, directoryPath, pageHead } from '../layout.js';
import { effectiveRolesOf, groupsOf, isActive, personName, type PersonForm, type ScimResource } from '../people-model.js';
import { clientLabel } from './overview.js';
import { statusOf } from './people.js';

export interface PersonData {
  directory: Directory;
  user: ScimResource;
  deleted: boolean;
  csrfToken: string;
  log: LogEntry[];
  roleChoices: string[];
  /** Change history section, once the history exists. */
  history?: Renderable;
  canRestore: boolean;
  roleError?: string;
}

const HIDDEN = new Set(['schemas', 'id', 'meta', 'groups']);

/** Any attribute value as nested definition lists; every string is escaped. */
function valueView(value: unknown, depth = 0): Html {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  if (typeof value === 'boolean') return html`${value ? 'true' : 'false'}`;
  if (typeof value !== 'object') return html`${String(value)}`;
  if (depth > 4) return html`<code>${JSON.stringify(value)}</code>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="muted">none</span>`;
    return html`<ul class="plain">${value.map((v) => html`<li>${valueView(v, depth + 1)}</li>`)}</ul>`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return html`<dl class="props">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${valueView(v, depth + 1)}</dd>`)}</dl>`;
}

/** `urn:...:extension:enterprise:2.0:User` reads as "enterprise extension" (the URN is its tooltip and in the JSON). */
function extensionLabel(urn: string): string {
  const match = /:extension:([^:]+):/i.exec(urn);
  return `${match ? match[1] : urn.split(':').slice(-3, -2)[0] || urn} extension`;
}

function attributeList(user: ScimResource): Html {
  const core = Object.entries(user).filter(([k]) => !HIDDEN.has(k) && !k.startsWith('urn:'));
  const extensions = Object.entries(user).filter(([k]) => k.startsWith('urn:'));
  const meta = (user.meta ?? {}) as Record<string, unknown>;
  return html`<dl class="props">
  <dt>id</dt><dd class="mono">${String(user.id)}</dd>
  ${core.map(([k, v]) => html`<dt>${k}</dt><dd>${valueView(v)}</dd>`)}
  ${extensions.map(([k, v]) => html`<dt class="wrap" title="${k}">${extensionLabel(k)}</dt><dd>${valueView(v)}</dd>`)}
  ${meta.created ? html`<dt>created</dt><dd>${dateTime(meta.created as string)}</dd>` : ''}
  ${meta.lastModified ? html`<dt>${meta.version ? 'lastModified' : 'deleted'}</dt><dd>${dateTime(meta.lastModified as string)}</dd>` : ''}
  ${meta.version ? html`<dt>version</dt><dd class="mono">${String(meta.version)}</dd>` : ''}
</dl>`;
}

/** Provisioning-log rows as a table: the log page's and a person's page's. */
export function logTable(directory: Directory, entries: LogEntry[], label: string): Html {
  const path = directoryPath(directory, '/log');
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${label}"><table>
  <thead><tr><th scope="col">When</th><th scope="col">Client</th><th scope="col">Call</th><th scope="col">Status</th><th scope="col" class="num">Duration</th></tr></thead>
  <tbody>${entries.map(
    (e) => html`<tr>
    <td class="nowrap">${timeAgo(e.time)}</td>
    <td>${clientLabel(e.client)}${e.tokenLabel ? html`<span class="sub">${e.tokenLabel}</span>` : ''}</td>
    <td class="wrap"><a href="${path}/${encodeURIComponent(e.id)}">${e.summary}</a>${e.errorDetail ? html`<span class="sub">${e.errorDetail}</span>` : ''}</td>
    <td>${statusBadge(e.status)}</td>
    <td class="num nowrap">${e.durationMs} ms</td>
  </tr>`,
  )}</tbody>
</table></div>`;
}

export function personPage(d: PersonData): Html {
  const id = String(d.user.id);
  const base = directoryPath(d.directory, `/people/${encodeURIComponent(id)}`);
  const name = personName(d.user);
  const groups = groupsOf(d.user);
  const effective = effectiveRolesOf(d.user);
  const action = (path: string, label: string, css = '', confirm?: string) =>
    html`<form class="inline" method="post" action="${base}/${path}"${confirm ? html` data-confirm="${confirm}"` : ''}>${csrfField(d.csrfToken)}<button type="submit" class="${css}">${label}</button></form>`;
  const actions = d.deleted
    ? d.canRestore ? action('restore', 'Restore', 'primary') : ''
    : html`<a class="button" href="${base}/edit">Edit</a>
      ${isActive(d.user) ? action('block', 'Block') : action('unblock', 'Unblock', 'primary')}
      ${action('delete', 'Delete', 'danger', `Delete ${name}? ${d.canRestore ? 'You can restore them during the retention period.' : 'This cannot be undone.'}`)}`;
  return html`${pageHead({
    breadcrumbs: html`<a href="${directoryPath(d.directory, '/people')}">People</a> / ${name}`,
    title: html`${name} ${statusOf(d.user, d.deleted)}`,
    subtitle: String(d.user.userName ?? ''),
    actions,
  })}
${d.deleted ? html`<div class="flash info" role="status">This person is deleted: invisible over SCIM and to applications until restored. Their attributes and groups are kept for the retention period.</div>` : ''}
<div class="grid-2 grid-wide">
  <section class="card" aria-labelledby="attrs-title">
    <h2 id="attrs-title">Attributes</h2>
    ${attributeList(d.user)}
    <details class="disclosure"><summary>As SCIM JSON</summary><div class="body"><pre class="json" tabindex="0">${JSON.stringify(d.user, null, 2)}</pre></div></details>
  </section>
  <section class="card" aria-labelledby="roles-title">
    <h2 id="roles-title">Roles</h2>
    ${effective !== undefined
      ? html`<h3>Effective roles</h3>
        <p>${effective.length ? html`<span class="tags">${effective.map((r) => badge('info', r))}</span>` : html`<span class="muted">None</span>`}</p>
        <p class="muted small">From the identity provider's roles, mapped groups and rules; applications read them from the roles extension.</p>`
      : ''}
    <h3>Groups</h3>
    ${d.deleted
      ? html`<p class="muted">Kept while the person is deleted; they come back on restore.</p>`
      : groups.length === 0
      ? html`<p class="muted">Not in any group.</p>`
      : html`<ul class="plain list">${groups.map(
          (g) => html`<li><a href="${directoryPath(d.directory, `/roles/${encodeURIComponent(g.value)}`)}">${g.display}</a>
            ${g.type === 'indirect' ? html`<span class="small muted">(through a nested group)</span>` : d.deleted ? '' : html`<form class="inline" method="post" action="${base}/roles/remove">${csrfField(d.csrfToken)}<input type="hidden" name="group" value="${g.value}"><button type="submit" class="link small">Remove<span class="visually-hidden"> from ${g.display}</span></button></form>`}</li>`,
        )}</ul>`}
    ${d.deleted
      ? ''
      : html`<form method="post" action="${base}/roles" class="assign">
        ${csrfField(d.csrfToken)}
        <div class="form-row">
          <div class="field grow">
            <label for="assign-group">Add to a role (group)</label>
            <input type="text" id="assign-group" name="groupName" list="group-names" autocomplete="off" required maxlength="300"${d.roleError ? html` aria-invalid="true" aria-describedby="assign-error"` : ''}>
            <datalist id="group-names">${d.roleChoices.map((n) => html`<option value="${n}"></option>`)}</datalist>
            ${d.roleError ? html`<div class="error-text" id="assign-error">${d.roleError}</div>` : ''}
          </div>
          <div class="field action"><button type="submit">Add</button></div>
        </div>
      </form>`}
  </section>
</div>
${d.history ?? ''}
<section class="card" aria-labelledby="calls-title">
  <div class="card-head"><h2 id="calls-title">Provisioning calls</h2><a href="${directoryPath(d.directory, `/log?user=${encodeURIComponent(id)}`)}">All calls for this person</a></div>
  ${d.log.length === 0 ? emptyState('No calls recorded', html`<p>Calls of identity providers about this person show here.</p>`) : logTable(d.directory, d.log, 'Provisioning calls for this person')}
</section></div>`;
}

export function personFormPage(options: {
  directory: Directory;
  csrfToken: string;
  form: PersonForm;
  mode: 'create' | 'edit';
  userId?: string;
  version?: string;
  active?: boolean;
  error?: string;
}): Html {
  const { form, mode } = options;
  const people = directoryPath(options.directory, '/people');
  const action = mode === 'create' ? `${people}/new` : `${people}/${encodeURIComponent(options.userId ?? '')}/edit`;
  const cancel = mode === 'create' ? people : `${people}/${encodeURIComponent(options.userId ?? '')}`;
  return html`${pageHead({
    breadcrumbs: html`<a href="${people}">People</a> / ${mode === 'create' ? 'New person' : form.userName}`,
    title: mode === 'create' ? 'Add a person' : `Edit ${form.userName}`,
    subtitle: mode === 'create'
      ? 'A person created here lives in this directory like one sent by an identity provider. If the identity provider later sends the same userName, it updates them.'
      : 'Changes go through the directory service like a SCIM update and are recorded with you as the author.',
  })}
<section class="card">
  ${options.error ? html`<div class="flash error" role="alert">${options.error}</div>` : ''}
  <form method="post" action="${action}">
    ${csrfField(options.csrfToken)}
    ${options.version ? html`<input type="hidden" name="version" value="${options.version}">` : ''}
    ${textField({ id: 'f-userName', name: 'userName', label: 'userName', value: form.userName, required: true, maxlength: 300, hint: 'Unique in this directory; usually the email address.', autocomplete: 'off' })}
    <div class="form-row">
      ${textField({ id: 'f-givenName', name: 'givenName', label: 'Given name', value: form.givenName, maxlength: 300, autocomplete: 'off' })}
      ${textField({ id: 'f-familyName', name: 'familyName', label: 'Family name', value: form.familyName, maxlength: 300, autocomplete: 'off' })}
    </div>
    ${textField({ id: 'f-displayName', name: 'displayName', label: 'Display name', value: form.displayName, maxlength: 300, autocomplete: 'off' })}
    ${textField({ id: 'f-email', name: 'email', label: 'Work email', type: 'email', value: form.email, maxlength: 300, autocomplete: 'off' })}
    ${textField({ id: 'f-title', name: 'title', label: 'Title', value: form.title, maxlength: 300, autocomplete: 'off' })}
    ${mode === 'create'
      ? html`<div class="field"><label class="checkbox"><input type="checkbox" name="active" value="true"${options.active === false ? '' : html` checked`}> Active (can sign in to applications)</label></div>`
      : ''}
    <div class="form-actions">
      <button type="submit" class="primary">${mode === 'create' ? 'Create person' : 'Save changes'}</button>
      <a class="button" href="${cancel}">Cancel</a>
    </div>
  </form>
</section>`;
}
