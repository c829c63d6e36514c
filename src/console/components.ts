import { html, query, raw, type Html, type Renderable } from './html.js';

// Small building blocks shared by the pages.

export function badge(kind: 'ok' | 'warn' | 'bad' | 'neutral' | 'info', text: string): Html {
  return html`<span class="badge ${kind}">${text}</span>`;
}

export function statusBadge(status: number): Html {
  if (status >= 500) return badge('bad', String(status));
  if (status >= 400) return badge('warn', String(status));
  return badge('ok', String(status));
}

const number = new Intl.NumberFormat('en');
export const formatNumber = (n: number) => number.format(n);

/** "3 min ago" with the exact UTC time as a tooltip (console.js turns it into local time). */
export function timeAgo(iso: string | null | undefined, now = new Date()): Html {
  if (!iso) return html`<span class="muted">never</span>`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  let text: string;
  if (seconds < 45) text = 'just now';
  else if (seconds < 3600) text = `${Math.max(1, Math.round(seconds / 60))} min ago`;
  else if (seconds < 86_400) text = `${Math.round(seconds / 3600)} h ago`;
  else if (seconds < 30 * 86_400) text = `${Math.round(seconds / 86_400)} days ago`;
  else text = date.toISOString().slice(0, 10);
  return html`<time datetime="${date.toISOString()}" title="${utc(date)}" data-local>${text}</time>`;
}

export function dateTime(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  return html`<time datetime="${date.toISOString()}" data-local>${utc(date)}</time>`;
}

const utc = (date: Date) => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** A read-only value with a copy button (shown only when JavaScript can copy). */
export function copyField(id: string, label: string, value: string, hint?: Renderable): Html {
  return html`<div class="field copy-block">
  <label for="${id}">${label}</label>
  <div class="copy-field">
    <input type="text" id="${id}" value="${value}" readonly data-select spellcheck="false" autocomplete="off">
    <button type="button" class="button" data-copy="${id}" hidden>Copy<span class="visually-hidden"> ${label}</span></button>
  </div>
  ${hint ? html`<div class="hint">${hint}</div>` : ''}
  <div class="copy-status" role="status" aria-live="polite"></div>
</div>`;
}

export interface OffsetPage {
  startIndex: number; // 1-based
  count: number;
  total: number;
}

/** "Showing 51–100 of 1,234" with previous and next links that keep the other query parameters. */
export function offsetPager(path: string, params: Record<string, string | undefined>, p: OffsetPage, noun: string): Html {
  const first = p.total === 0 ? 0 : p.startIndex;
  const last = Math.min(p.total, p.startIndex + p.count - 1);
  const pages = Math.max(1, Math.ceil(p.total / p.count));
  const current = Math.floor((p.startIndex - 1) / p.count) + 1;
  const link = (pageNumber: number) => `${path}${query({ ...params, page: pageNumber === 1 ? undefined : String(pageNumber) })}`;
  if (p.total === 0) return html``;
  const prev = current > 1;
  const next = current < pages;
  return html`<div class="pager">
  <span>${p.total === 0 ? `No ${noun}` : `Showing ${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(p.total)} ${noun}`}</span>
  ${pages > 1
    ? html`<span class="links">
    ${prev ? html`<a class="button small" href="${link(current - 1)}" rel="prev">Previous<span class="visually-hidden"> page</span></a>` : html`<span class="button small" aria-disabled="true">Previous<span class="visually-hidden"> page</span></span>`}
    <span class="small nowrap">Page ${formatNumber(current)} of ${formatNumber(pages)}</span>
    ${next ? html`<a class="button small" href="${link(current + 1)}" rel="next">Next<span class="visually-hidden"> page</span></a>` : html`<span class="button small" aria-disabled="true">Next<span class="visually-hidden"> page</span></span>`}
  </span>`
    : ''}
</div>`;
}

export interface CursorPage {
  total: number;
  shown: number;
  next?: string;
  previous?: string;
  /** A later page: offers the first one. */
  paged?: boolean;
}

/**
 * Keyset paging: the total, and first, previous and next links carrying the cursors of the page's edges (a page
 * number would make the database count its way to it). Other query parameters are kept.
 */
export function cursorPager(path: string, params: Record<string, string | undefined>, p: CursorPage, noun: string): Html {
  if (p.total === 0) return html``;
  const link = (extra: Record<string, string | undefined>) => `${path}${query({ ...params, after: undefined, before: undefined, ...extra })}`;
  const disabled = (text: string) => html`<span class="button small" aria-disabled="true">${text}<span class="visually-hidden"> page</span></span>`;
  const paged = !!(p.next || p.previous || p.paged);
  return html`<div class="pager">
  <span>${paged ? `Showing ${formatNumber(p.shown)} of ${formatNumber(p.total)} ${noun}` : `${formatNumber(p.total)} ${noun}`}</span>
  ${paged
    ? html`<span class="links">
    ${p.previous || p.paged ? html`<a class="button small" href="${link({})}">First<span class="visually-hidden"> page</span></a>` : disabled('First')}
    ${p.previous ? html`<a class="button small" href="${link({ before: p.previous })}" rel="prev">Previous<span class="visually-hidden"> page</span></a>` : disabled('Previous')}
    ${p.next ? html`<a class="button small" href="${link({ after: p.next })}" rel="next">Next<span class="visually-hidden"> page</span></a>` : disabled('Next')}
  </span>`
    : ''}
</div>`;
}

export function emptyState(title: string, body?: Renderable): Html {
  return html`<div class="empty"><strong>${title}</strong>${body ?? ''}</div>`;
}

export function selectField(options: {
  id: string;
  name: string;
  label: string;
  value: string | undefined;
  choices: { value: string; label: string }[];
}): Html {
  return html`<div class="field">
  <label for="${options.id}">${options.label}</label>
  <select id="${options.id}" name="${options.name}">
    ${options.choices.map((c) => html`<option value="${c.value}"${c.value === (options.value ?? '') ? raw(' selected') : ''}>${c.label}</option>`)}
  </select>
</div>`;
}

export function textField(options: {
  id: string;
  name: string;
  label: string;
  value?: string;
  type?: 'text' | 'email' | 'password' | 'search';
  required?: boolean;
  hint?: string;
  error?: string;
  autocomplete?: string;
  maxlength?: number;
  autofocus?: boolean;
}): Html {
  const hintId = `${options.id}-hint`;
  const errorId = `${options.id}-error`;
  const described = [options.hint ? hintId : '', options.error ? errorId : ''].filter(Boolean).join(' ');
  return html`<div class="field">
  <label for="${options.id}">${options.label}${options.required ? html` <span class="muted small">(required)</span>` : ''}</label>
  <input type="${options.type ?? 'text'}" id="${options.id}" name="${options.name}" value="${options.value ?? ''}"${options.required ? raw(' required') : ''}${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.maxlength ? html` maxlength="${options.maxlength}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${options.error ? raw(' aria-invalid="true"') : ''}${options.autofocus ? raw(' autofocus') : ''}>
  ${options.hint ? html`<div class="hint" id="${hintId}">${options.hint}</div>` : ''}
  ${options.error ? html`<div class="error-text" id="${errorId}">${options.error}</div>` : ''}
</div>`;
}
