import type { LogEntry } from '../../directory/provisioning-log.js';
import type { Directory } from '../../directory/tenants.js';
import { LOG_OPERATIONS } from '../../http/request-summary.js';
import { CLIENT_LABELS, CLIENT_NAMES } from '../../protocol/clients.js';
import { dateTime, emptyState, selectField, statusBadge, timeAgo } from '../components.js';
import { html, query, type Html } from '../html.js';
import { directoryPath, pageHead } from '../layout.js';
import { clientLabel } from './overview.js';
import { logTable } from './person.js';

export interface LogFilters {
  user?: string;
  operation?: string;
  status?: string;
  client?: string;
  since?: string;
}

export const SINCE_CHOICES = [
  { value: '', label: 'Any time' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

export const STATUS_CHOICES = [
  { value: '', label: 'Any status' },
  { value: 'ok', label: 'Succeeded' },
  { value: 'error', label: 'Failed (4xx and 5xx)' },
  { value: '4xx', label: 'Rejected (4xx)' },
  { value: '5xx', label: 'Server errors (5xx)' },
  { value: '401', label: 'Unauthorised (401)' },
  { value: '403', label: 'Forbidden by policy (403)' },
  { value: '409', label: 'Conflict (409)' },
];

export interface LogData {
  directory: Directory;
  entries: LogEntry[];
  filters: LogFilters;
  next?: string;
  paged: boolean;
  error?: string;
}

export function logPage(d: LogData): Html {
  const path = directoryPath(d.directory, '/log');
  const filtered = Object.values(d.filters).some(Boolean);
  const params = { ...d.filters };
  return html`${pageHead({ title: 'Provisioning log', subtitle: 'Every SCIM call identity providers made to this directory, newest first. Open a call to see what it asked and what Roster answered.' })}
<form class="filters" method="get" action="${path}" role="search" aria-label="Filter the provisioning log"
  hx-get="${path}" hx-trigger="change, input delay:400ms from:#log-user, submit" hx-target="#log-results" hx-select="#log-results" hx-swap="outerHTML" hx-push-url="true">
  <div class="field search"><label for="log-user">Person</label><input type="search" id="log-user" name="user" value="${d.filters.user ?? ''}" placeholder="userName or id" autocomplete="off" maxlength="300"></div>
  ${selectField({ id: 'log-operation', name: 'operation', label: 'Operation', value: d.filters.operation, choices: [{ value: '', label: 'Any operation' }, ...LOG_OPERATIONS.map((o) => ({ value: o, label: o }))] })}
  ${selectField({ id: 'log-status', name: 'status', label: 'Status', value: d.filters.status, choices: STATUS_CHOICES })}
  ${selectField({ id: 'log-client', name: 'client', label: 'Client', value: d.filters.client, choices: [{ value: '', label: 'Any client' }, ...CLIENT_NAMES.map((c) => ({ value: c, label: CLIENT_LABELS[c] })), { value: 'unknown', label: 'Unrecognised' }] })}
  ${selectField({ id: 'log-since', name: 'since', label: 'Time', value: d.filters.since, choices: SINCE_CHOICES })}
  <div class="field action"><button type="submit">Apply</button></div>
</form>
<div id="log-results">
${d.error ? html`<div class="flash error" role="alert">${d.error}</div>` : ''}
${d.entries.length === 0
  ? filtered ? emptyState('No calls match', html`<p><a href="${path}">Clear the filters</a></p>`) : emptyState('No calls yet', html`<p>Calls appear here as soon as an identity provider uses a token of this directory.</p>`)
  : logTable(d.directory, d.entries, 'Provisioning calls')}
<div class="pager">
  <span>${d.entries.length} ${d.entries.length === 1 ? 'call' : 'calls'} on this page</span>
  <span class="links">
    ${d.paged ? html`<a class="button small" href="${path}${query(params)}">Newest</a>` : ''}
    ${d.next ? html`<a class="button small" href="${path}${query({ ...params, before: d.next })}" rel="next">Older calls</a>` : ''}
  </span>
</div>
</div>`;
}

/** The path with its query decoded where it decodes, so a filter reads as typed. */
function readablePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function logEntryPage(directory: Directory, e: LogEntry): Html {
  const path = directoryPath(directory, '/log');
  const resourceHref =
    e.resourceId && e.resourceType === 'User' ? directoryPath(directory, `/people/${encodeURIComponent(e.resourceId)}`)
      : e.resourceId && e.resourceType === 'Group' ? directoryPath(directory, `/roles/${encodeURIComponent(e.resourceId)}`)
        : undefined;
  return html`${pageHead({
    breadcrumbs: html`<a href="${path}">Provisioning log</a> / call`,
    title: e.summary,
    subtitle: html`${statusBadge(e.status)} ${timeAgo(e.time)} from ${clientLabel(e.client)}`,
  })}
${e.status >= 400
  ? html`<section class="card" aria-labelledby="error-title">
    <h2 id="error-title">What Roster answered</h2>
    <dl class="props">
      <dt>Status</dt><dd>${statusBadge(e.status)}</dd>
      ${e.errorType ? html`<dt>scimType</dt><dd class="mono">${e.errorType}</dd>` : ''}
      <dt>Detail</dt><dd>${e.errorDetail ?? html`<span class="muted">No detail was sent.</span>`}</dd>
    </dl>
  </section>`
  : ''}
<section class="card" aria-labelledby="request-title">
  <h2 id="request-title">Request</h2>
  <dl class="props">
    <dt>Summary</dt><dd>${e.summary}</dd>
    <dt>Operation</dt><dd>${e.operation}</dd>
    <dt>Request</dt><dd class="mono">${e.method} ${readablePath(e.path)}</dd>
    <dt>Resource</dt><dd>${e.resourceId ? html`${e.resourceType ?? ''} ${resourceHref ? html`<a href="${resourceHref}">${e.resourceName ?? e.resourceId}</a>` : (e.resourceName ?? e.resourceId)}` : html`<span class="muted">—</span>`}</dd>
    <dt>Status</dt><dd>${statusBadge(e.status)}</dd>
    <dt>Duration</dt><dd>${e.durationMs} ms</dd>
    <dt>Time</dt><dd>${dateTime(e.time)}</dd>
    <dt>Client</dt><dd>${clientLabel(e.client)}</dd>
    <dt>Token</dt><dd>${e.tokenLabel ?? html`<span class="muted">none or not valid</span>`}</dd>
    <dt>User-Agent</dt><dd class="mono">${e.userAgent ?? '—'}</dd>
    <dt>Request id</dt><dd class="mono">${e.requestId ?? '—'}</dd>
  </dl>
  <p class="muted small">Request bodies are never stored; passwords and tokens never appear in the log.</p>
</section>
<p><a href="${path}">Back to the provisioning log</a></p>`;
}
