import type { Directory } from '../directory/tenants.js';
import { assetUrl } from './assets.js';
import { html, raw, type Html, type Renderable } from './html.js';

// The frame every console page shares: top bar (directory menu, who is signed in, sign out), the directory's
// navigation, and the page. Scripts are files (the CSP allows no inline script); htmx is told not to inject the
// inline style it normally adds.

export type Section = 'overview' | 'inbound' | 'outbound' | 'people' | 'roles' | 'log' | 'directories';

export interface Flash {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

export interface PageContext {
  adminEmail: string;
  csrfToken: string;
  directory?: Directory;
  directories: Directory[];
  flash?: Flash;
}

const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
});

function head(title: string): Html {
  return html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${title} · Roster</title>
<link rel="stylesheet" href="${assetUrl('console.css')}">
<script src="${assetUrl('htmx.min.js')}" defer></script>
<script src="${assetUrl('console.js')}" defer></script>`;
}

export const directoryPath = (directory: Pick<Directory, 'slug'>, rest = '') => `/admin/d/${encodeURIComponent(directory.slug)}${rest}`;

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function flashMessage(flash: Flash | undefined): Renderable {
  if (!flash) return undefined;
  return html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}</div>`;
}

function navigation(directory: Directory, section: Section): Html {
  const item = (key: Section, label: string, path: string) =>
    html`<li><a href="${directoryPath(directory, path)}"${section === key ? raw(' aria-current="page"') : ''}>${label}</a></li>`;
  return html`<nav class="sidenav" aria-label="Directory">
  <div class="dir-name">${directory.name}</div>
  <div class="dir-slug">${directory.slug}</div>
  <ul>
    ${item('overview', 'Overview', '')}
    ${item('inbound', 'Configure inbound', '/inbound')}
    ${item('outbound', 'Configure outbound', '/outbound')}
    ${item('people', 'People', '/people')}
    ${item('roles', 'Roles', '/roles')}
    ${item('log', 'Provisioning log', '/log')}
  </ul>
</nav>`;
}

function directoryMenu(context: PageContext): Html {
  const current = context.directory;
  return html`<details class="dir-menu">
  <summary>${current ? html`<span class="visually-hidden">Directory: </span>${current.name}` : 'Directories'}</summary>
  <ul>
    ${context.directories.map(
      (d) => html`<li><a href="${directoryPath(d)}"${current?.id === d.id ? raw(' aria-current="true"') : ''}>${d.name} <span class="small">(${d.slug})</span></a></li>`,
    )}
    <li class="sep"><a href="/admin/directories">All directories…</a></li>
  </ul>
</details>`;
}

export function page(context: PageContext, options: { title: string; section: Section; body: Renderable }): Html {
  const { directory } = context;
  return html`<!doctype html>
<html lang="en">
<head>${head(options.title)}</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <a class="brand" href="/admin">Roster</a>
  ${directoryMenu(context)}
  <span class="spacer"></span>
  <span class="who">${context.adminEmail}</span>
  <form method="post" action="/admin/logout">${csrfField(context.csrfToken)}<button type="submit" class="button small">Sign out</button></form>
</header>
<div class="frame">
  ${directory ? navigation(directory, options.section) : html`<nav class="sidenav" aria-label="Console"><ul><li><a href="/admin/directories" aria-current="page">Directories</a></li></ul></nav>`}
  <main id="main" tabindex="-1">
    ${flashMessage(context.flash)}
    ${options.body}
  </main>
</div>
</body>
</html>`;
}

/** Pages shown before signing in (sign-in, setup, errors without a session). */
export function bare(title: string, body: Renderable): Html {
  return html`<!doctype html>
<html lang="en">
<head>${head(title)}</head>
<body>
<main id="main" class="auth-page">
  <div class="auth-card">
    <a class="brand" href="/admin">Roster</a>
    ${body}
  </div>
</main>
</body>
</html>`;
}

export function pageHead(options: { title: Renderable; subtitle?: Renderable; actions?: Renderable; breadcrumbs?: Renderable }): Html {
  return html`<div class="page-head">
  <div class="titles">
    ${options.breadcrumbs ? html`<nav class="breadcrumbs" aria-label="Breadcrumb">${options.breadcrumbs}</nav>` : ''}
    <h1>${options.title}</h1>
    ${options.subtitle ? html`<p class="subtitle">${options.subtitle}</p>` : ''}
  </div>
  ${options.actions ? html`<div class="actions">${options.actions}</div>` : ''}
</div>`;
}
