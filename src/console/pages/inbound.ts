import type { Directory, TokenInfo } from '../../directory/tenants.js';
import { badge, copyField, emptyState, selectField, textField, timeAgo } from '../components.js';
import { html, type Html, type Renderable } from '../html.js';
import { IDP_GUIDES } from '../idp-guides.js';
import { csrfField, directoryPath, pageHead } from '../layout.js';

export interface InboundData {
  directory: Directory;
  baseUrl: string;
  tokens: TokenInfo[];
  csrfToken: string;
  /** A token just created or rotated: shown once. */
  newToken?: { label: string; value: string };
  tokenError?: string;
  /** Policy switches, custom schemas and role mapping: rendered by their own modules once available. */
  extraSections?: Renderable;
}

function tokenRow(d: InboundData, token: TokenInfo): Html {
  const base = directoryPath(d.directory, `/tokens/${encodeURIComponent(token.id)}`);
  return html`<tr>
  <td class="wrap">${token.label}</td>
  <td>${token.scope === 'scim:write' ? 'read and write' : 'read only'}</td>
  <td class="nowrap">${timeAgo(token.created)}</td>
  <td class="nowrap">${timeAgo(token.last_used_at)}</td>
  <td>${token.revoked_at ? badge('neutral', 'Revoked') : badge('ok', 'Active')}</td>
  <td class="actions">${token.revoked_at
    ? ''
    : html`<form class="inline" method="post" action="${base}/rotate" data-confirm="${`Rotate “${token.label}”? A new token replaces it and this one stops working at once.`}">${csrfField(d.csrfToken)}<button type="submit" class="small">Rotate<span class="visually-hidden"> ${token.label}</span></button></form><form class="inline" method="post" action="${base}/revoke" data-confirm="${`Revoke “${token.label}”? Its identity provider can no longer reach this directory.`}">${csrfField(d.csrfToken)}<button type="submit" class="small danger">Revoke<span class="visually-hidden"> ${token.label}</span></button></form>`}</td>
</tr>`;
}

export function inboundPage(d: InboundData): Html {
  const active = d.tokens.filter((t) => !t.revoked_at);
  return html`${pageHead({ title: 'Configure inbound provisioning', subtitle: html`How an identity provider connects to <strong>${d.directory.name}</strong>: a SCIM base URL and a bearer token.` })}
<nav class="contents" aria-label="On this page">
  <a href="#connection-title">Connection</a><a href="#tokens-title">Tokens</a><a href="#guides-title">Identity provider set-up</a><a href="#policies">Policies</a><a href="#schemas">Schema extensions</a><a href="#role-mapping">Role mapping</a>
</nav>
<section class="card" aria-labelledby="connection-title">
  <h2 id="connection-title">Connection</h2>
  ${copyField('base-url', 'SCIM base URL', d.baseUrl, 'Paste it into your identity provider as the SCIM base URL (also called Tenant URL or SCIM connector base URL).')}
  ${d.newToken
    ? html`<div class="flash ok" role="status">New token “${d.newToken.label}” created. Copy it now: Roster keeps only its hash and cannot show it again.</div>
      ${copyField('new-token', 'Bearer token', d.newToken.value, 'Paste it into your identity provider as the bearer token (also called Secret Token, API token or Token Key).')}`
    : html`<p class="muted">${active.length === 0
        ? 'This directory has no active token yet. Create one below; it is shown once.'
        : 'A token is shown only once, when it is created. Lost one? Rotate it below, or create another.'}</p>`}
</section>
<section class="card" aria-labelledby="tokens-title">
  <h2 id="tokens-title">Tokens</h2>
  ${d.tokens.length === 0
    ? emptyState('No tokens yet')
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Tokens"><table>
      <thead><tr><th scope="col">Label</th><th scope="col">Access</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${d.tokens.map((t) => tokenRow(d, t))}</tbody>
    </table></div>`}
  <h3 class="small-gap">Create a token</h3>
  <form method="post" action="${directoryPath(d.directory, '/tokens')}">
    ${csrfField(d.csrfToken)}
    <div class="form-row">
      ${textField({ id: 'token-label', name: 'label', label: 'Label', required: true, maxlength: 200, hint: 'What it is for, e.g. "Okta production".', error: d.tokenError })}
      ${selectField({ id: 'token-scope', name: 'scope', label: 'Access', value: 'scim:write', choices: [{ value: 'scim:write', label: 'Read and write (identity providers)' }, { value: 'scim:read', label: 'Read only (applications)' }] })}
    </div>
    <div class="form-actions"><button type="submit" class="primary">Create token</button></div>
  </form>
</section>
<section class="card" aria-labelledby="guides-title">
  <h2 id="guides-title">Set up your identity provider</h2>
  <p class="muted">Step by step, with this directory's values filled in${d.newToken ? ' (including the new token)' : ''}.</p>
  ${IDP_GUIDES.map(
    (guide) => html`<details class="disclosure" id="guide-${guide.id}">
    <summary>${guide.name}</summary>
    <div class="body"><ol class="steps">${guide.steps({ baseUrl: d.baseUrl, token: d.newToken?.value }).map((step) => html`<li>${step}</li>`)}</ol></div>
  </details>`,
  )}
  <p class="muted small">Google Workspace and other SCIM clients need the same two values.</p>
</section>
${d.extraSections ?? ''}`;
}
