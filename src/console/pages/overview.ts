import type { LogEntry } from '../../directory/provisioning-log.js';
import type { Directory } from '../../directory/tenants.js';
import { CLIENT_LABELS, type ClientName } from '../../protocol/clients.js';
import { callsChart, dailyTotals } from '../chart.js';
import { emptyState, formatNumber, statusBadge, timeAgo } from '../components.js';
import { html, query, type Html } from '../html.js';
import { directoryPath, pageHead } from '../layout.js';
import type { HourBucket } from '../read-model.js';
import type { TargetView, WebhookView } from '../../outbound/types.js';
import { outboundCard } from './outbound.js';

export interface OverviewData {
  directory: Directory;
  baseUrl: string;
  people: number;
  active: number;
  blocked: number;
  deleted?: number;
  roles: number;
  activeTokens: number;
  lastCall?: LogEntry;
  calls24h: { total: number; failed: number };
  series: HourBucket[];
  recentFailures: LogEntry[];
  days: number;
  /** Outbound SCIM targets and webhooks, with their delivery state. */
  targets?: TargetView[];
  webhooks?: WebhookView[];
}

export function clientLabel(client: string | null | undefined): string {
  if (!client) return 'Unrecognised client';
  return CLIENT_LABELS[client as ClientName] ?? client;
}

export function overviewPage(d: OverviewData): Html {
  const path = (rest: string) => directoryPath(d.directory, rest);
  const stat = (label: string, value: number, href: string) =>
    html`<div class="stat"><a href="${href}"><div class="label">${label}</div><div class="value">${formatNumber(value)}</div></a></div>`;
  const totals = dailyTotals(d.series);
  return html`${pageHead({ title: d.directory.name, subtitle: html`Directory <span class="mono">${d.directory.slug}</span> · SCIM base URL <span class="mono">${d.baseUrl}</span>` })}
<div class="grid-2">
  <section class="card" aria-labelledby="inbound-title">
    <h2 id="inbound-title" class="flow">Identity provider <span class="arrow" aria-hidden="true">→</span><span class="visually-hidden">to</span> Roster <span class="muted small">(SCIM server)</span></h2>
    ${d.lastCall
      ? html`<p>Last provisioning call ${timeAgo(d.lastCall.time)} from <strong>${clientLabel(d.lastCall.client)}</strong>${d.lastCall.tokenLabel ? html` (token “${d.lastCall.tokenLabel}”)` : ''}:
          <a href="${path(`/log/${encodeURIComponent(d.lastCall.id)}`)}">${d.lastCall.summary}</a> ${statusBadge(d.lastCall.status)}</p>`
      : html`<p>No identity provider has called this directory yet.</p>`}
    <p class="muted">${d.activeTokens === 0 ? 'No active token: create one to connect an identity provider.' : `${d.activeTokens} active ${d.activeTokens === 1 ? 'token' : 'tokens'}.`}</p>
    <a class="button primary" href="${path('/inbound')}">Configure</a>
  </section>
  <section class="card" aria-labelledby="outbound-title">
    <h2 id="outbound-title" class="flow">Roster <span class="arrow" aria-hidden="true">→</span><span class="visually-hidden">to</span> other apps <span class="muted small">(SCIM client and webhooks)</span></h2>
    ${outboundCard(d.directory, d.targets ?? [], d.webhooks ?? [])}
  </section>
</div>
<h2 class="visually-hidden">Counts</h2>
<div class="stats">
  ${stat('People', d.people, path('/people'))}
  ${stat('Active', d.active, path(`/people${query({ status: 'active' })}`))}
  ${stat('Blocked', d.blocked, path(`/people${query({ status: 'blocked' })}`))}
  ${d.deleted !== undefined ? stat('Deleted', d.deleted, path(`/people${query({ status: 'deleted' })}`)) : ''}
  ${stat('Roles', d.roles, path('/roles'))}
  ${stat('Calls (24 h)', d.calls24h.total, path('/log'))}
  ${stat('Failed (24 h)', d.calls24h.failed, path(`/log${query({ status: 'error' })}`))}
</div>
<section class="card" aria-labelledby="chart-title">
  <div class="card-head">
    <h2 id="chart-title">Provisioning calls per hour, last ${d.days} days</h2>
    <a href="${path('/log')}">Open the provisioning log</a>
  </div>
  ${callsChart(d.series, 'chart-title')}
  <ul class="legend">
    <li><span class="swatch ok" aria-hidden="true"></span>Succeeded</li>
    <li><span class="swatch client" aria-hidden="true"></span>Rejected (4xx)</li>
    <li><span class="swatch server" aria-hidden="true"></span>Failed (5xx)</li>
    <li class="muted">Hours in UTC</li>
  </ul>
  <details class="disclosure">
    <summary>Calls per day as a table</summary>
    <div class="body table-wrap" tabindex="0" role="region" aria-label="Calls per day">
      <table>
        <thead><tr><th scope="col">Day (UTC)</th><th scope="col" class="num">Succeeded</th><th scope="col" class="num">Rejected (4xx)</th><th scope="col" class="num">Failed (5xx)</th></tr></thead>
        <tbody>${totals.map((t) => html`<tr><td>${t.day}</td><td class="num">${formatNumber(t.ok)}</td><td class="num">${formatNumber(t.clientErrors)}</td><td class="num">${formatNumber(t.serverErrors)}</td></tr>`)}</tbody>
      </table>
    </div>
  </details>
</section>
<section class="card" aria-labelledby="failures-title">
  <div class="card-head">
    <h2 id="failures-title">Recent failed calls</h2>
    <a href="${path(`/log${query({ status: 'error' })}`)}">All failed calls</a>
  </div>
  ${d.recentFailures.length === 0
    ? emptyState('No failed calls', html`<p>Calls that Roster rejected or could not complete show here.</p>`)
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Recent failed calls"><table>
      <thead><tr><th scope="col">When</th><th scope="col">Client</th><th scope="col">Call</th><th scope="col">Status</th><th scope="col">Error</th></tr></thead>
      <tbody>${d.recentFailures.map(
        (e) => html`<tr>
          <td class="nowrap">${timeAgo(e.time)}</td>
          <td>${clientLabel(e.client)}</td>
          <td class="wrap"><a href="${path(`/log/${encodeURIComponent(e.id)}`)}">${e.summary}</a></td>
          <td>${statusBadge(e.status)}</td>
          <td class="wrap">${e.errorDetail ?? ''}</td>
        </tr>`,
      )}</tbody>
    </table></div>`}
</section>`;
}
