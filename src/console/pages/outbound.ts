import type { Directory } from '../../directory/tenants.js';
import {
  TARGET_OPERATIONS,
  WEBHOOK_EVENTS,
  type DeliveryView,
  type EndpointState,
  type FullSyncState,
  type LaneView,
  type TargetOperation,
  type TargetView,
  type WebhookView,
} from '../../outbound/types.js';
import { badge, copyField, dateTime, emptyState, formatNumber, selectField, textField, timeAgo } from '../components.js';
import { html, query, raw, type Html, type Renderable } from '../html.js';
import { csrfField, directoryPath, pageHead } from '../layout.js';

// Configure outbound: SCIM targets and webhook endpoints of a directory, their health (last delivery, parked
// failures, backlog), what waits and can be retried, the delivery log, and full sync with its progress. Secrets
// are never rendered: a stored token or password shows as "set", next to an empty field that replaces it.

const checked = (on: boolean) => (on ? raw(' checked') : '');
const plural = (n: number, one: string, many = `${one}s`) => `${formatNumber(n)} ${n === 1 ? one : many}`;

export const outboundPath = (directory: Directory, rest = '') => directoryPath(directory, `/outbound${rest}`);
export const targetPath = (directory: Directory, target: { id: string }, rest = '') => outboundPath(directory, `/targets/${encodeURIComponent(target.id)}${rest}`);
export const webhookPath = (directory: Directory, webhook: { id: string }, rest = '') => outboundPath(directory, `/webhooks/${encodeURIComponent(webhook.id)}${rest}`);

const OPERATION_LABELS: Record<TargetOperation, string> = {
  create: 'Create people',
  update: 'Update people',
  deactivate: 'Deactivate people',
  delete: 'Delete people',
  groups: 'Groups and memberships',
};

/** One word for where delivery to an endpoint stands, as a badge. */
export function healthBadge(view: { enabled: boolean; state: EndpointState }): Html {
  const s = view.state;
  if (s.failed) return badge('bad', `${formatNumber(s.failed)} failed`);
  if (!view.enabled) return badge('neutral', 'Paused');
  if (s.retrying || s.retryAt) return badge('warn', 'Retrying');
  if (s.backlog) return badge('info', `${formatNumber(s.backlog)} to deliver`);
  return badge('ok', 'Up to date');
}

/** The line the overview and the list show under an endpoint: last delivery, parked failures, backlog. */
export function healthLine(state: EndpointState): Html {
  return html`last delivery ${timeAgo(state.lastSuccessAt)} · ${plural(state.failed, 'parked failure')} · backlog ${formatNumber(state.backlog)}${state.retrying ? html` · ${formatNumber(state.retrying)} retrying` : ''}`;
}

function flashBox(kind: 'ok' | 'error' | 'info', text: Renderable): Html {
  return html`<div class="flash ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>`;
}

function postButton(options: { action: string; csrfToken: string; label: Renderable; css?: string; confirm?: string; fields?: Record<string, string> }): Html {
  return html`<form class="inline" method="post" action="${options.action}"${options.confirm ? html` data-confirm="${options.confirm}"` : ''}>${csrfField(options.csrfToken)}${Object.entries(options.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit"${options.css ? html` class="${options.css}"` : ''}>${options.label}</button></form>`;
}

// ---- the list ----

export interface OutboundListData {
  directory: Directory;
  targets: TargetView[];
  webhooks: WebhookView[];
}

export function outboundListPage(d: OutboundListData): Html {
  return html`${pageHead({
    title: 'Configure outbound sync',
    subtitle: html`Where <strong>${d.directory.name}</strong> sends its changes: other SCIM servers (targets) and your applications (webhooks). Every change, whoever made it, is delivered in order per person and group.`,
    actions: html`<a class="button primary" href="${outboundPath(d.directory, '/targets/new')}">Add a target</a><a class="button" href="${outboundPath(d.directory, '/webhooks/new')}">Add a webhook</a>`,
  })}
<section class="card" aria-labelledby="targets-title">
  <div class="card-head"><h2 id="targets-title">SCIM targets</h2><a href="${outboundPath(d.directory, '/targets/new')}">Add a target</a></div>
  ${d.targets.length === 0
    ? emptyState('No targets yet', html`<p>A target is another SCIM 2.0 server (a SaaS application, AWS IAM Identity Center, another Roster) that receives this directory's people and groups.</p>`)
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="SCIM targets"><table>
      <thead><tr><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Last delivery</th><th scope="col" class="num">Parked failures</th><th scope="col" class="num">Backlog</th><th scope="col">Full sync</th></tr></thead>
      <tbody>${d.targets.map(
        (t) => html`<tr>
        <td class="wrap"><a href="${targetPath(d.directory, t)}">${t.name}</a><span class="sub mono">${t.url}</span></td>
        <td>${healthBadge(t)}</td>
        <td class="nowrap">${timeAgo(t.state.lastSuccessAt)}</td>
        <td class="num">${formatNumber(t.state.failed)}</td>
        <td class="num">${formatNumber(t.state.backlog)}</td>
        <td>${syncSummary(t.state.fullSync)}</td>
      </tr>`,
      )}</tbody>
    </table></div>`}
</section>
<section class="card" aria-labelledby="webhooks-title">
  <div class="card-head"><h2 id="webhooks-title">Webhooks</h2><a href="${outboundPath(d.directory, '/webhooks/new')}">Add a webhook</a></div>
  ${d.webhooks.length === 0
    ? emptyState('No webhooks yet', html`<p>A webhook endpoint of your application receives a signed event (Standard Webhooks) for every change it subscribes to.</p>`)
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Webhooks"><table>
      <thead><tr><th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Last delivery</th><th scope="col" class="num">Parked failures</th><th scope="col" class="num">Backlog</th></tr></thead>
      <tbody>${d.webhooks.map(
        (w) => html`<tr>
        <td class="wrap"><a href="${webhookPath(d.directory, w)}">${w.name}</a><span class="sub mono">${w.url}</span></td>
        <td class="wrap">${eventsText(w.events)}</td>
        <td>${healthBadge(w)}</td>
        <td class="nowrap">${timeAgo(w.state.lastSuccessAt)}</td>
        <td class="num">${formatNumber(w.state.failed)}</td>
        <td class="num">${formatNumber(w.state.backlog)}</td>
      </tr>`,
      )}</tbody>
    </table></div>`}
</section>
<section class="card" aria-labelledby="feed-title">
  <h2 id="feed-title">Applications that pull</h2>
  <p class="muted">An application that cannot receive webhooks reads the ordered change feed with a read-only token (create one under <a href="${directoryPath(d.directory, '/inbound')}#tokens-title">Configure inbound</a>): <span class="mono">GET ${directoryPath(d.directory, '').replace('/admin', '')}/api/v1/changes</span>.</p>
</section>`;
}

const eventsText = (events: string[]) => (events.includes('*') ? 'All events' : events.join(', '));

function syncSummary(sync: EndpointState['fullSync']): Html {
  const state = sync.state;
  if (!state) return html`${sync.lastAt ? timeAgo(sync.lastAt) : html`<span class="muted">never</span>`}`;
  if (state.status === 'requested') return badge('info', 'Requested');
  if (state.status === 'running') return badge('info', 'Running');
  if (state.status === 'failed') return badge('bad', 'Failed');
  return html`${state.error ? badge('warn', 'Done with errors') : badge('ok', state.dryRun ? 'Dry run done' : 'Done')} ${timeAgo(state.finishedAt)}`;
}

// ---- target form ----

export interface TargetFormValues {
  name: string;
  url: string;
  auth: 'bearer' | 'basic' | 'oauth2' | 'none';
  username: string;
  tokenUrl: string;
  clientId: string;
  oauthScope: string;
  preset: 'scim' | 'aws';
  operations: Record<TargetOperation, boolean>;
  groups: string;
  deprovision: 'deactivate' | 'delete';
  syncEvery: string;
  peerId: string;
  mapping: string;
  enabled: boolean;
  initialSync: boolean;
}

export const emptyTargetForm = (): TargetFormValues => ({
  name: '',
  url: '',
  auth: 'bearer',
  username: '',
  tokenUrl: '',
  clientId: '',
  oauthScope: '',
  preset: 'scim',
  operations: { create: true, update: true, deactivate: true, delete: true, groups: true },
  groups: '',
  deprovision: 'deactivate',
  syncEvery: '',
  peerId: '',
  mapping: '',
  enabled: true,
  initialSync: true,
});

export function targetFormFrom(view: TargetView): TargetFormValues {
  return {
    name: view.name,
    url: view.url,
    auth: view.auth.type,
    username: view.auth.username ?? '',
    tokenUrl: view.auth.tokenUrl ?? '',
    clientId: view.auth.clientId ?? '',
    oauthScope: view.auth.scope ?? '',
    preset: view.preset,
    operations: { ...view.operations },
    groups: view.people.mode === 'all' ? '' : view.people.groups.map((g) => g.displayName ?? g.id).join(', '),
    deprovision: view.deprovision,
    syncEvery: view.syncEveryMs ? interval(view.syncEveryMs) : '',
    peerId: view.peerId ?? '',
    mapping: view.mappingIsDefault ? '' : JSON.stringify(view.mapping, null, 2),
    enabled: view.enabled,
    initialSync: false,
  };
}

/** 86400000 → 1d: the largest unit that divides it (the form takes it back the same way). */
export function interval(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

export interface TargetFormData {
  directory: Directory;
  csrfToken: string;
  values: TargetFormValues;
  /** Editing: the target as stored (its credentials show as "set"). */
  target?: TargetView;
  error?: string;
  ownPeerId: string;
}

function secretField(options: { id: string; name: string; label: string; set: boolean; hint?: string }): Html {
  const hintId = `${options.id}-hint`;
  return html`<div class="field">
  <label for="${options.id}">${options.label}${options.set ? html` <span class="badge ok">set</span>` : ''}</label>
  <input type="password" id="${options.id}" name="${options.name}" value="" autocomplete="new-password" spellcheck="false" aria-describedby="${hintId}">
  <div class="hint" id="${hintId}">${options.set ? 'A value is stored (sealed; Roster never shows it). Type a new one to replace it, or leave this empty to keep it.' : (options.hint ?? 'Stored sealed; never shown again.')}</div>
</div>`;
}

export function targetFormPage(d: TargetFormData): Html {
  const v = d.values;
  const editing = !!d.target;
  const action = editing ? targetPath(d.directory, d.target!) : outboundPath(d.directory, '/targets');
  const set = (type: string) => !!d.target && d.target.auth.type === type && d.target.auth.credentialsSet;
  const title = editing ? `Edit target ${d.target!.name}` : 'Add a SCIM target';
  return html`${pageHead({
    breadcrumbs: html`<a href="${outboundPath(d.directory)}">Outbound</a> / ${editing ? html`<a href="${targetPath(d.directory, d.target!)}">${d.target!.name}</a> / edit` : 'new target'}`,
    title,
    subtitle: 'A SCIM 2.0 server that receives the changes of this directory. “Save and test” checks the URL and credentials against the live target.',
  })}
${d.error ? flashBox('error', d.error) : ''}
<form method="post" action="${action}" class="card" aria-labelledby="target-form-title">
  <h2 id="target-form-title" class="visually-hidden">${title}</h2>
  ${csrfField(d.csrfToken)}
  <div class="form-row spaced">
    ${textField({ id: 'target-name', name: 'name', label: 'Name', value: v.name, required: true, maxlength: 100, hint: 'Letters, digits, spaces and . @ : - _, e.g. "Slack" or "mirror".' })}
    <div class="field grow">${textField({ id: 'target-url', name: 'url', label: 'SCIM base URL', value: v.url, required: true, maxlength: 2000, autocomplete: 'off', hint: 'e.g. https://api.example.com/scim/v2 (Roster adds /Users and /Groups).' })}</div>
  </div>
  <fieldset>
    <legend>Authentication</legend>
    ${selectField({ id: 'target-auth', name: 'auth', label: 'How Roster signs in to the target', value: v.auth, choices: [
      { value: 'bearer', label: 'Bearer token' },
      { value: 'basic', label: 'Basic (user name and password)' },
      { value: 'oauth2', label: 'OAuth 2.0 client credentials' },
      { value: 'none', label: 'None' },
    ] })}
    <p class="muted small" data-auth-note>Only the fields of the chosen method are used.</p>
    <div class="form-row spaced" data-auth="bearer">
      ${secretField({ id: 'target-token', name: 'token', label: 'Bearer token', set: set('bearer') })}
    </div>
    <div class="form-row spaced" data-auth="basic">
      ${textField({ id: 'target-username', name: 'username', label: 'User name (basic)', value: v.username, maxlength: 500, autocomplete: 'off' })}
      ${secretField({ id: 'target-password', name: 'password', label: 'Password (basic)', set: set('basic') })}
    </div>
    <div class="form-row spaced" data-auth="oauth2">
      <div class="field grow">${textField({ id: 'target-token-url', name: 'tokenUrl', label: 'Token URL (OAuth 2.0)', value: v.tokenUrl, maxlength: 2000, autocomplete: 'off' })}</div>
      ${textField({ id: 'target-client-id', name: 'clientId', label: 'Client id (OAuth 2.0)', value: v.clientId, maxlength: 500, autocomplete: 'off' })}
    </div>
    <div class="form-row spaced" data-auth="oauth2">
      ${secretField({ id: 'target-client-secret', name: 'clientSecret', label: 'Client secret (OAuth 2.0)', set: set('oauth2') })}
      ${textField({ id: 'target-oauth-scope', name: 'oauthScope', label: 'Scope (OAuth 2.0, optional)', value: v.oauthScope, maxlength: 1000, autocomplete: 'off' })}
    </div>
  </fieldset>
  <fieldset>
    <legend>What the target receives</legend>
    ${TARGET_OPERATIONS.map(
      (op) => html`<div class="field"><input type="hidden" name="op-${op}" value="off"><label class="checkbox"><input type="checkbox" id="target-op-${op}" name="op-${op}" value="on"${checked(v.operations[op])}> ${OPERATION_LABELS[op]}</label></div>`,
    )}
    ${textField({ id: 'target-groups', name: 'groups', label: 'Only the members of these groups', value: v.groups, maxlength: 20000, hint: 'Group names (or ids), separated by commas; empty sends everyone. The groups themselves are sent too.' })}
    ${selectField({ id: 'target-deprovision', name: 'deprovision', label: 'A person deleted here, or who leaves those groups, is there', value: v.deprovision, choices: [
      { value: 'deactivate', label: 'Deactivated' },
      { value: 'delete', label: 'Deleted' },
    ] })}
  </fieldset>
  <fieldset>
    <legend>Attributes and schedule</legend>
    ${selectField({ id: 'target-preset', name: 'preset', label: 'Preset', value: v.preset, choices: [
      { value: 'scim', label: 'Plain SCIM server (every attribute Roster holds)' },
      { value: 'aws', label: 'AWS IAM Identity Center (its attributes; 100 member changes per PATCH)' },
    ] })}
    <div class="field">
      <label for="target-mapping">Attribute mapping (JSON, optional)</label>
      <textarea id="target-mapping" name="mapping" rows="5" spellcheck="false" class="mono" aria-describedby="target-mapping-hint">${v.mapping}</textarea>
      <div class="hint" id="target-mapping-hint">{"target attribute": "Roster attribute", ...}. Empty: the preset's mapping.</div>
    </div>
    <div class="form-row spaced">
      ${textField({ id: 'target-sync-every', name: 'syncEvery', label: 'Full sync on a schedule', value: v.syncEvery, maxlength: 20, hint: 'e.g. 24h or 7d; empty: only when you start one.' })}
      ${textField({ id: 'target-peer-id', name: 'peerId', label: "Target's peer id (optional)", value: v.peerId, maxlength: 200, autocomplete: 'off', hint: `For another Roster that also sends here: its directory's peer id, so its changes are not sent back. This directory's peer id is ${d.ownPeerId}.` })}
    </div>
    <div class="field"><input type="hidden" name="enabled" value="off"><label class="checkbox"><input type="checkbox" id="target-enabled" name="enabled" value="on"${checked(v.enabled)}> Deliver changes (clear to pause)</label></div>
    ${editing
      ? ''
      : html`<div class="field"><input type="hidden" name="initialSync" value="off"><label class="checkbox"><input type="checkbox" id="target-initial-sync" name="initialSync" value="on" aria-describedby="target-initial-sync-hint"${checked(v.initialSync)}> Push what the directory holds now</label><div class="hint" id="target-initial-sync-hint">A full sync after saving; otherwise only changes from now on are sent.</div></div>`}
  </fieldset>
  <div class="form-actions">
    <button type="submit" class="primary" name="intent" value="test">Save and test</button>
    <button type="submit" name="intent" value="save">Save</button>
    <a class="button" href="${editing ? targetPath(d.directory, d.target!) : outboundPath(d.directory)}">Cancel</a>
  </div>
</form>`;
}

// ---- one target ----

export interface TargetPageData {
  directory: Directory;
  csrfToken: string;
  target: TargetView;
  lanes: LaneView[];
  deliveries: DeliveryView[];
  /** The id before which the shown log page starts (a later page), and the next page's. */
  before?: string;
  olderBefore?: string;
}

export function targetPage(d: TargetPageData): Html {
  const t = d.target;
  const base = targetPath(d.directory, t);
  const people = t.people.mode === 'all' ? 'Everyone' : html`Members of ${t.people.groups.map((g, i) => html`${i ? ', ' : ''}${g.displayName ?? html`${g.id} <span class="muted">(deleted)</span>`}`)}`;
  const ops = TARGET_OPERATIONS.filter((op) => t.operations[op]).map((op) => OPERATION_LABELS[op]);
  const auth =
    t.auth.type === 'bearer' ? 'Bearer token'
    : t.auth.type === 'basic' ? html`Basic, as <span class="mono">${t.auth.username ?? ''}</span>`
    : t.auth.type === 'oauth2' ? html`OAuth 2.0 client credentials, client <span class="mono">${t.auth.clientId ?? ''}</span> at <span class="mono">${t.auth.tokenUrl ?? ''}</span>`
    : 'None';
  return html`${pageHead({
    breadcrumbs: html`<a href="${outboundPath(d.directory)}">Outbound</a> / target`,
    title: html`${t.name} ${healthBadge(t)}`,
    subtitle: html`SCIM target <span class="mono">${t.url}</span>`,
    actions: html`${postButton({ action: `${base}/test`, csrfToken: d.csrfToken, label: 'Test connection' })}
      <a class="button" href="${base}/edit">Edit<span class="visually-hidden"> ${t.name}</span></a>
      ${postButton({ action: `${base}/remove`, csrfToken: d.csrfToken, label: 'Remove', css: 'danger', confirm: `Remove target “${t.name}”? Nothing is deleted on the target itself.` })}`,
  })}
<div class="grid-2">
  <section class="card" aria-labelledby="health-title">
    <h2 id="health-title">Delivery</h2>
    ${deliveryFacts(t)}
  </section>
  <section class="card" aria-labelledby="settings-title">
    <h2 id="settings-title">Settings</h2>
    <dl class="props">
      <dt>Authentication</dt><dd>${auth}${t.auth.type !== 'none' ? html` · credentials ${t.auth.credentialsSet ? badge('ok', 'set') : badge('warn', 'not set')}` : ''}</dd>
      <dt>Sends</dt><dd>${ops.length ? ops.join(', ') : 'Nothing'}</dd>
      <dt>People</dt><dd>${people}; leaving: ${t.deprovision === 'delete' ? 'deleted there' : 'deactivated there'}</dd>
      <dt>Attributes</dt><dd>${t.mappingIsDefault ? (t.preset === 'aws' ? 'The AWS IAM Identity Center preset' : 'Every attribute Roster holds') : `Custom mapping of ${plural(Object.keys(t.mapping).length, 'attribute')}`}; at most ${formatNumber(t.maxMembersPerPatch)} member changes per PATCH</dd>
      <dt>Full sync</dt><dd>${t.syncEveryMs ? `Every ${interval(t.syncEveryMs)}` : 'When started'}</dd>
      <dt>Peer ids</dt><dd>Target: <span class="mono">${t.peerId ?? '(none)'}</span><br>This directory: <span class="mono">${t.ownPeerId}</span></dd>
    </dl>
  </section>
</div>
${lanesSection(d.directory, base, d.csrfToken, d.lanes, 'target')}
<section class="card" id="full-sync" aria-labelledby="sync-title">
  <h2 id="sync-title">Full sync</h2>
  <p class="muted">Compares the whole directory with the target and sends what differs: creates what is missing there, updates what differs, deprovisions people who left. Resources on the target that Roster did not create and cannot match are left alone.</p>
  ${syncStatus(t.state.fullSync)}
  <form method="post" action="${base}/sync">
    ${csrfField(d.csrfToken)}
    <div class="field"><input type="hidden" name="dryRun" value="off"><label class="checkbox"><input type="checkbox" id="sync-dry-run" name="dryRun" value="on"> Dry run: only count what would change</label></div>
    <div class="form-actions"><button type="submit" class="primary">Start full sync</button><a class="button" href="${base}/sync">Show progress</a></div>
  </form>
</section>
${deliveryLog(d.directory, base, d.deliveries, d.before, d.olderBefore)}`;
}

function deliveryFacts(view: TargetView | WebhookView): Html {
  const s = view.state;
  return html`<dl class="props">
  <dt>Status</dt><dd>${healthBadge(view)}${view.enabled ? '' : html` <span class="muted">paused: changes wait until it is resumed</span>`}</dd>
  <dt>Last delivery</dt><dd>${timeAgo(s.lastSuccessAt)}</dd>
  ${s.lastAttemptAt ? html`<dt>Last attempt</dt><dd>${timeAgo(s.lastAttemptAt)}</dd>` : ''}
  <dt>Parked failures</dt><dd>${formatNumber(s.failed)}</dd>
  <dt>Retrying</dt><dd>${formatNumber(s.retrying)}${s.retryAt ? html` · the endpoint is retried ${dateTime(s.retryAt)}` : ''}</dd>
  <dt>Backlog</dt><dd>${plural(s.backlog, 'change')} to deliver (delivered up to change ${formatNumber(s.cursor)} of ${formatNumber(s.latestSeq)})</dd>
  ${s.lastError ? html`<dt>Last error</dt><dd class="wrap">${s.lastError}</dd>` : ''}
</dl>`;
}

function lanesSection(directory: Directory, base: string, csrfToken: string, lanes: LaneView[], noun: 'target' | 'webhook'): Html {
  const failed = lanes.filter((l) => l.state === 'failed').length;
  return html`<section class="card" id="waiting" aria-labelledby="waiting-title">
  <div class="card-head">
    <h2 id="waiting-title">Failed and waiting</h2>
    ${lanes.length ? postButton({ action: `${base}/retry`, csrfToken, label: html`Retry all<span class="visually-hidden"> failed and waiting</span>`, css: failed ? 'primary' : '' }) : ''}
  </div>
  ${lanes.length === 0
    ? emptyState('Nothing waiting', html`<p>Changes the ${noun} refused (a 4xx answer) are parked here with its error, to retry once it is fixed; later changes of the same person or group wait behind them.</p>`)
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Failed and waiting"><table>
      <thead><tr><th scope="col">Resource</th><th scope="col">State</th><th scope="col" class="num">Attempts</th><th scope="col">Since</th><th scope="col">Error</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${lanes.map((l) => {
        const name = l.resourceName ?? l.resourceId;
        const link = directoryPath(directory, l.resourceType === 'User' ? `/people/${encodeURIComponent(l.resourceId)}` : `/roles/${encodeURIComponent(l.resourceId)}`);
        return html`<tr>
          <td class="wrap"><a href="${link}">${name}</a><span class="sub">${l.resourceType === 'User' ? 'Person' : 'Group'}</span></td>
          <td>${l.state === 'failed' ? badge('bad', 'Failed') : badge('warn', 'Retrying')}${l.nextAttemptAt ? html`<span class="sub">next ${dateTime(l.nextAttemptAt)}</span>` : ''}</td>
          <td class="num">${formatNumber(l.attempts)}</td>
          <td class="nowrap">${timeAgo(l.firstFailedAt)}</td>
          <td class="wrap">${l.lastStatus && !(l.lastError ?? '').includes(`HTTP ${l.lastStatus}`) ? html`HTTP ${l.lastStatus}: ` : ''}${l.lastError ?? ''}</td>
          <td class="actions">${postButton({ action: `${base}/retry`, csrfToken, label: html`Retry<span class="visually-hidden"> ${name}</span>`, css: 'small', fields: { resource: l.resourceId } })}</td>
        </tr>`;
      })}</tbody>
    </table></div>`}
</section>`;
}

const OUTCOME_BADGES: Record<DeliveryView['outcome'], () => Html> = {
  delivered: () => badge('ok', 'Delivered'),
  retrying: () => badge('warn', 'Will retry'),
  failed: () => badge('bad', 'Failed'),
  skipped: () => badge('neutral', 'Skipped'),
};

function deliveryLog(directory: Directory, base: string, deliveries: DeliveryView[], before: string | undefined, olderBefore: string | undefined): Html {
  return html`<section class="card" id="deliveries" aria-labelledby="deliveries-title">
  <div class="card-head"><h2 id="deliveries-title">Delivery log</h2><span class="muted small">every attempt, newest first</span></div>
  ${deliveries.length === 0
    ? emptyState(before ? 'No older deliveries' : 'No deliveries yet', html`<p>Each attempt to deliver a change is recorded here with the answer it got.</p>`)
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Delivery log"><table>
      <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col" class="num">HTTP</th><th scope="col" class="num">Attempt</th><th scope="col" class="num">Time</th><th scope="col">Message</th></tr></thead>
      <tbody>${deliveries.map(
        (e) => html`<tr>
        <td class="nowrap">${timeAgo(e.time)}</td>
        <td class="nowrap">${e.event}${e.seq !== null ? html`<span class="sub">change ${formatNumber(e.seq)}</span>` : ''}</td>
        <td class="wrap">${e.resourceName ?? e.resourceId ?? html`<span class="muted">—</span>`}</td>
        <td>${OUTCOME_BADGES[e.outcome]()}</td>
        <td class="num">${e.httpStatus ?? '—'}</td>
        <td class="num">${formatNumber(e.attempt)}</td>
        <td class="num nowrap">${formatNumber(e.durationMs)} ms</td>
        <td class="wrap">${e.message ?? ''}</td>
      </tr>`,
      )}</tbody>
    </table></div>`}
  ${before || olderBefore
    ? html`<div class="pager"><span></span><span class="links">
      ${before ? html`<a class="button small" href="${base}#deliveries">Newest</a>` : ''}
      ${olderBefore ? html`<a class="button small" href="${base}${query({ before: olderBefore })}#deliveries" rel="next">Older<span class="visually-hidden"> deliveries</span></a>` : ''}
    </span></div>`
    : ''}
</section>`;
}

// ---- full sync progress ----

function syncStatus(sync: EndpointState['fullSync']): Html {
  const state = sync.state;
  if (!state) return html`<p>${sync.lastAt ? html`Last full sync ${timeAgo(sync.lastAt)}.` : 'No full sync has run yet.'}</p>`;
  return html`<p>${syncSentence(state)}</p>`;
}

function syncSentence(state: FullSyncState): Html {
  const what = state.dryRun ? 'Dry run' : 'Full sync';
  switch (state.status) {
    case 'requested':
      return html`${badge('info', 'Requested')} ${what} requested: the delivery worker starts it within a few seconds.`;
    case 'running':
      return html`${badge('info', 'Running')} ${what} running since ${timeAgo(state.startedAt)}${state.phase ? html`: ${state.phase}` : ''}.`;
    case 'failed':
      return html`${badge('bad', 'Failed')} ${what} failed ${timeAgo(state.finishedAt)}: ${state.error ?? 'no reason given'}`;
    default:
      return html`${state.error ? badge('warn', 'Finished with errors') : badge('ok', 'Finished')} ${what} finished ${timeAgo(state.finishedAt)}.`;
  }
}

const SUMMARY_LABELS: [string, string][] = [
  ['usersCreated', 'People created'],
  ['usersUpdated', 'People updated'],
  ['usersLinked', 'People linked'],
  ['usersDeprovisioned', 'People deprovisioned'],
  ['groupsCreated', 'Groups created'],
  ['groupsUpdated', 'Groups updated'],
  ['groupsDeleted', 'Groups deleted'],
  ['memberAdds', 'Members added'],
  ['memberRemoves', 'Members removed'],
  ['errors', 'Errors'],
];

export interface SyncPageData {
  directory: Directory;
  csrfToken: string;
  target: TargetView;
}

/** The progress region, also what htmx fetches every two seconds while the sync is requested or running. */
export function syncProgress(d: SyncPageData): Html {
  const sync = d.target.state.fullSync;
  const state = sync.state;
  const live = state?.status === 'requested' || state?.status === 'running';
  const base = targetPath(d.directory, d.target);
  const fraction = state?.total ? Math.min(1, (state.done ?? 0) / state.total) : undefined;
  return html`<section class="card" id="sync-progress" aria-labelledby="progress-title"${live ? html` hx-get="${base}/sync" hx-trigger="every 2s" hx-select="#sync-progress" hx-target="this" hx-swap="outerHTML"` : ''}>
  <h2 id="progress-title">Progress</h2>
  <div role="status" aria-live="polite" aria-atomic="true"><p class="sync-state">${state ? syncSentence(state) : sync.lastAt ? html`Last full sync ${timeAgo(sync.lastAt)}.` : 'No full sync has run yet.'}</p></div>
  ${state?.status === 'running'
    ? html`<div class="field">
      <label for="sync-bar">${state.phase ?? 'Starting'}: ${formatNumber(state.done ?? 0)}${state.total ? ` of ${formatNumber(state.total)}` : ''}</label>
      ${fraction !== undefined ? html`<progress id="sync-bar" max="100" value="${Math.round(fraction * 100)}">${Math.round(fraction * 100)}%</progress>` : html`<progress id="sync-bar"></progress>`}
    </div>`
    : ''}
  ${state?.summary
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="What the sync ${state.dryRun ? 'would change' : 'changed'}"><table>
      <thead><tr><th scope="col">${state.dryRun ? 'Would be' : 'Done'}</th><th scope="col" class="num">Count</th></tr></thead>
      <tbody>${SUMMARY_LABELS.filter(([key]) => state.summary![key] !== undefined).map(([key, label]) => html`<tr><td>${label}</td><td class="num">${formatNumber(state.summary![key])}</td></tr>`)}</tbody>
    </table></div>
    ${state.error ? html`<p class="wrap">First error: ${state.error}</p>` : ''}`
    : ''}
  ${live
    ? html`<p class="muted small">This page updates itself every two seconds (with JavaScript); otherwise <a href="${base}/sync">reload it</a>.</p>`
    : html`<form method="post" action="${base}/sync">
    ${csrfField(d.csrfToken)}
    <div class="field"><input type="hidden" name="dryRun" value="off"><label class="checkbox"><input type="checkbox" id="sync-again-dry-run" name="dryRun" value="on"> Dry run: only count what would change</label></div>
    <div class="form-actions"><button type="submit" class="primary">${state ? 'Run it again' : 'Start full sync'}</button><a class="button" href="${base}">Back to ${d.target.name}</a></div>
  </form>`}
</section>`;
}

export function syncPage(d: SyncPageData): Html {
  const base = targetPath(d.directory, d.target);
  return html`${pageHead({
    breadcrumbs: html`<a href="${outboundPath(d.directory)}">Outbound</a> / <a href="${base}">${d.target.name}</a> / full sync`,
    title: html`Full sync of ${d.target.name}`,
    subtitle: html`Target <span class="mono">${d.target.url}</span>`,
  })}
${syncProgress(d)}`;
}

// ---- webhooks ----

export interface WebhookFormValues {
  name: string;
  url: string;
  allEvents: boolean;
  events: string[];
  enabled: boolean;
}

export const emptyWebhookForm = (): WebhookFormValues => ({ name: '', url: '', allEvents: true, events: [], enabled: true });

export const webhookFormFrom = (view: WebhookView): WebhookFormValues => ({
  name: view.name,
  url: view.url,
  allEvents: view.events.includes('*'),
  events: view.events.filter((e) => e !== '*'),
  enabled: view.enabled,
});

function webhookFields(v: WebhookFormValues, editing: boolean): Html {
  return html`<div class="form-row spaced">
    <div class="field grow">${textField({ id: 'webhook-url', name: 'url', label: 'Endpoint URL', value: v.url, required: true, maxlength: 2000, autocomplete: 'off', hint: 'Where Roster POSTs each event, signed as Standard Webhooks describes.' })}</div>
    ${textField({ id: 'webhook-name', name: 'name', label: editing ? 'Name' : 'Name (optional)', value: v.name, maxlength: 100, required: editing, hint: editing ? undefined : 'Default: the URL.' })}
  </div>
  <fieldset>
    <legend>Events</legend>
    <div class="field">
      <label class="checkbox"><input type="radio" name="eventsMode" value="all"${checked(v.allEvents)}> All events (and those added later)</label>
      <label class="checkbox"><input type="radio" name="eventsMode" value="chosen"${checked(!v.allEvents)}> Only these:</label>
    </div>
    <div class="event-grid">${WEBHOOK_EVENTS.map(
      (e) => html`<div class="field"><input type="hidden" name="event-${e}" value="off"><label class="checkbox"><input type="checkbox" id="webhook-event-${e.replace('.', '-')}" name="event-${e}" value="on"${checked(v.events.includes(e))}> <span class="mono">${e}</span></label></div>`,
    )}</div>
  </fieldset>
  <div class="field"><input type="hidden" name="enabled" value="off"><label class="checkbox"><input type="checkbox" id="webhook-enabled" name="enabled" value="on"${checked(v.enabled)}> Deliver events (clear to pause)</label></div>`;
}

export function webhookFormPage(d: { directory: Directory; csrfToken: string; values: WebhookFormValues; error?: string }): Html {
  return html`${pageHead({
    breadcrumbs: html`<a href="${outboundPath(d.directory)}">Outbound</a> / new webhook`,
    title: 'Add a webhook',
    subtitle: 'An endpoint of your application that receives a signed event for every change it subscribes to. Its signing secret is shown once, after saving.',
  })}
${d.error ? flashBox('error', d.error) : ''}
<form method="post" action="${outboundPath(d.directory, '/webhooks')}" class="card" aria-labelledby="webhook-form-title">
  <h2 id="webhook-form-title" class="visually-hidden">New webhook</h2>
  ${csrfField(d.csrfToken)}
  ${webhookFields(d.values, false)}
  <div class="form-actions"><button type="submit" class="primary">Save</button><a class="button" href="${outboundPath(d.directory)}">Cancel</a></div>
</form>`;
}

export interface WebhookPageData {
  directory: Directory;
  csrfToken: string;
  webhook: WebhookView;
  lanes: LaneView[];
  deliveries: DeliveryView[];
  before?: string;
  olderBefore?: string;
  /** Just created or rotated: shown once. */
  newSecret?: string;
  values?: WebhookFormValues;
  error?: string;
}

export function webhookPage(d: WebhookPageData): Html {
  const w = d.webhook;
  const base = webhookPath(d.directory, w);
  return html`${pageHead({
    breadcrumbs: html`<a href="${outboundPath(d.directory)}">Outbound</a> / webhook`,
    title: html`${w.name} ${healthBadge(w)}`,
    subtitle: html`Webhook <span class="mono">${w.url}</span>`,
    actions: html`${postButton({ action: `${base}/test`, csrfToken: d.csrfToken, label: 'Send test event', css: 'primary' })}
      ${postButton({ action: `${base}/remove`, csrfToken: d.csrfToken, label: 'Remove', css: 'danger', confirm: `Remove webhook “${w.name}”? Its delivery log goes with it.` })}`,
  })}
${d.newSecret
  ? html`<section class="card" aria-labelledby="secret-title">
  <h2 id="secret-title">Signing secret</h2>
  ${flashBox('ok', 'Copy the signing secret now: Roster keeps it sealed and cannot show it again.')}
  ${copyField('webhook-secret', 'Signing secret', d.newSecret, 'Your application verifies the webhook-signature header of each request with it (HMAC-SHA256, as Standard Webhooks describes).')}
</section>`
  : ''}
<div class="grid-2">
  <section class="card" aria-labelledby="health-title">
    <h2 id="health-title">Delivery</h2>
    ${deliveryFacts(w)}
  </section>
  <section class="card" aria-labelledby="settings-title">
    <h2 id="settings-title">Settings</h2>
    <dl class="props">
      <dt>Events</dt><dd>${eventsText(w.events)}</dd>
      <dt>Signing secret</dt><dd>${badge('ok', 'set')} <span class="muted small">sealed; never shown again</span>
        ${postButton({ action: `${base}/rotate`, csrfToken: d.csrfToken, label: html`Rotate secret`, css: 'small', confirm: 'Rotate the signing secret? The old one stops working at once.' })}</dd>
      <dt>Created</dt><dd>${dateTime(w.created)}</dd>
    </dl>
  </section>
</div>
${lanesSection(d.directory, base, d.csrfToken, d.lanes, 'webhook')}
${deliveryLog(d.directory, base, d.deliveries, d.before, d.olderBefore)}
<section class="card" id="edit" aria-labelledby="edit-title">
  <h2 id="edit-title">Edit</h2>
  ${d.error ? flashBox('error', d.error) : ''}
  <form method="post" action="${base}">
    ${csrfField(d.csrfToken)}
    ${webhookFields(d.values ?? webhookFormFrom(w), true)}
    <div class="form-actions"><button type="submit">Save changes</button></div>
  </form>
</section>`;
}

// ---- the overview's card ----

export function outboundCard(directory: Directory, targets: TargetView[], webhooks: WebhookView[]): Html {
  const configure = outboundPath(directory);
  if (targets.length === 0 && webhooks.length === 0) {
    return html`<p>${badge('neutral', 'Not set up')}</p>
    <p class="muted">No SCIM target or webhook yet. Add one to deliver every change recorded in this directory to your applications; meanwhile they can read people and roles from Roster's SCIM API.</p>
    <a class="button primary" href="${configure}">Set up outbound</a>`;
  }
  const item = (kind: string, name: string, href: string, view: TargetView | WebhookView) =>
    html`<li><a href="${href}">${name}</a> <span class="muted small">${kind}</span> ${healthBadge(view)}<span class="sub small muted">${healthLine(view.state)}</span></li>`;
  return html`<ul class="plain list endpoint-health">
    ${targets.map((t) => item('SCIM target', t.name, targetPath(directory, t), t))}
    ${webhooks.map((w) => item('webhook', w.name, webhookPath(directory, w), w))}
  </ul>
  <p class="muted small">${plural(targets.length, 'target')}, ${plural(webhooks.length, 'webhook')}.</p>
  <a class="button primary" href="${configure}">Configure outbound</a>`;
}
