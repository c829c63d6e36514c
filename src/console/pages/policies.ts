import type { DirectoryPolicy } from '../../directory/policies.js';
import type { RoleRule } from '../../directory/roles.js';
import type { DeclaredExtension } from '../../directory/schemas.js';
import type { Directory } from '../../directory/tenants.js';
import { badge, emptyState } from '../components.js';
import { html, raw, type Html } from '../html.js';
import { csrfField, directoryPath } from '../layout.js';

// The policy switches and the custom schema extensions of a directory, on the Configure inbound page.

const OPERATIONS: { key: keyof DirectoryPolicy; label: string; hint: string }[] = [
  { key: 'create', label: 'Create people', hint: 'POST /Users. Off: new people are refused with 403.' },
  { key: 'update', label: 'Update people', hint: 'PUT and PATCH of attributes.' },
  { key: 'deactivate', label: 'Deactivate and reactivate', hint: 'Changes of active (how Okta and Entra deprovision).' },
  { key: 'delete', label: 'Delete people', hint: 'DELETE /Users/{id}.' },
  { key: 'groupPush', label: 'Push groups', hint: 'Create, change and delete groups (roles).' },
  { key: 'passwordSync', label: 'Password sync', hint: 'Off: incoming passwords are ignored, never hashed or stored.' },
  { key: 'userNameFromEmail', label: 'userName from email', hint: 'A person sent without userName gets their primary email.' },
];

const checked = (on: boolean) => (on ? raw(' checked') : '');

export function policySection(directory: Directory, policy: DirectoryPolicy, csrfToken: string, error?: string): Html {
  return html`<section class="card" id="policies" aria-labelledby="policies-title">
  <h2 id="policies-title">Policies</h2>
  <p class="muted">What identity providers may do in this directory. Changes apply to the next SCIM call, on every instance. Administrators are not bound by them.</p>
  ${error ? html`<div class="flash error" role="alert">${error}</div>` : ''}
  <form method="post" action="${directoryPath(directory, '/policies')}">
    ${csrfField(csrfToken)}
    <fieldset>
      <legend>Allowed operations</legend>
      ${OPERATIONS.map(
        (o) => html`<div class="field">
        <input type="hidden" name="${o.key}" value="off">
        <label class="checkbox"><input type="checkbox" name="${o.key}" value="on" id="policy-${o.key}" aria-describedby="policy-${o.key}-hint"${checked(Boolean(policy[o.key]))}> ${o.label}</label>
        <div class="hint" id="policy-${o.key}-hint">${o.hint}</div>
      </div>`,
      )}
    </fieldset>
    <fieldset>
      <legend>Deprovisioning</legend>
      <p class="muted small">Deactivation (<code>active: false</code>) always keeps the person, blocked.</p>
      <div class="field">
        <label class="checkbox"><input type="radio" name="deletion" value="soft"${checked(policy.deletion === 'soft')}> Soft delete: keep deleted people for the retention period, restorable</label>
        <label class="checkbox"><input type="radio" name="deletion" value="hard"${checked(policy.deletion === 'hard')}> Hard delete: remove them at once</label>
      </div>
      <div class="field">
        <label for="policy-retention">Retention (days)</label>
        <input type="number" id="policy-retention" name="retentionDays" min="0" max="3650" step="1" value="${String(policy.retentionDays)}" aria-describedby="policy-retention-hint">
        <div class="hint" id="policy-retention-hint">How long soft-deleted people are kept before they are purged.</div>
      </div>
    </fieldset>
    <div class="form-actions"><button type="submit" class="primary">Save policies</button></div>
  </form>
</section>`;
}

export function schemasSection(directory: Directory, extensions: DeclaredExtension[], csrfToken: string, error?: string): Html {
  const path = directoryPath(directory, '/schemas');
  return html`<section class="card" id="schemas" aria-labelledby="schemas-title">
  <h2 id="schemas-title">Custom schema extensions</h2>
  <p class="muted">Extra attributes your identity provider sends (Okta custom attributes, for example), declared in RFC 7643 schema form. Declared attributes are type-checked, filterable, sortable and advertised in <code>/Schemas</code>.</p>
  ${error ? html`<div class="flash error" role="alert">${error}</div>` : ''}
  ${extensions.length === 0
    ? emptyState('No extensions declared')
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Schema extensions"><table>
      <thead><tr><th scope="col">Schema</th><th scope="col">For</th><th scope="col">Attributes</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${extensions.map(
        (e) => html`<tr>
        <td class="wrap"><strong>${e.schema.name}</strong><span class="sub mono">${e.schema.id}</span></td>
        <td>${badge('neutral', e.resourceType)}</td>
        <td class="wrap">${e.schema.attributes.map((a) => html`<code>${a.name}</code> <span class="small muted">${a.type}${a.multiValued ? '[]' : ''}</span> `)}</td>
        <td class="actions"><form class="inline" method="post" action="${path}/remove" data-confirm="${`Remove the extension ${e.schema.name}? Stored values stay in the documents but are no longer validated or returned.`}">${csrfField(csrfToken)}<input type="hidden" name="id" value="${e.schema.id}"><button type="submit" class="small danger">Remove<span class="visually-hidden"> ${e.schema.name}</span></button></form></td>
      </tr>`,
      )}</tbody>
    </table></div>`}
  <form method="post" action="${path}">
    ${csrfField(csrfToken)}
    <div class="field">
      <label for="schema-json">Add an extension (schema JSON)</label>
      <textarea id="schema-json" name="schema" rows="8" spellcheck="false" class="mono" aria-describedby="schema-json-hint"></textarea>
      <div class="hint" id="schema-json-hint">For example <code>{"id": "urn:example:params:scim:schemas:extension:acme:2.0:User", "attributes": [{"name": "costCenter", "type": "string"}]}</code></div>
    </div>
    <div class="field">
      <label for="schema-type">Resource type</label>
      <select id="schema-type" name="resourceType"><option value="User">User</option><option value="Group">Group</option></select>
    </div>
    <div class="form-actions"><button type="submit">Add extension</button></div>
  </form>
</section>`;
}

export function roleMappingSummary(
  directory: Directory,
  mappings: { groupId: string; displayName: string; roles: string[] }[],
  rules: RoleRule[],
): Html {
  const roles = directoryPath(directory, '/roles');
  return html`<section class="card" id="role-mapping" aria-labelledby="role-mapping-title">
  <div class="card-head"><h2 id="role-mapping-title">Role mapping and rules</h2><a href="${roles}">Manage on the Roles page</a></div>
  <p class="muted">How pushed groups and attributes become the application roles in each person's <code>effectiveRoles</code>.</p>
  ${mappings.length === 0 && rules.length === 0
    ? html`<p>No group grants a role and no rule is set: people hold only the roles their identity provider sends.</p>`
    : html`<ul class="plain list">
      ${mappings.map((m) => html`<li>Group <a href="${roles}/${encodeURIComponent(m.groupId)}">${m.displayName}</a> grants <span class="tags">${m.roles.map((r) => badge('info', r))}</span></li>`)}
      ${rules.map((r) => html`<li>Rule <code>${r.filter}</code> grants ${badge('info', r.role)}</li>`)}
    </ul>`}
</section>`;
}
