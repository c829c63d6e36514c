import { textField } from '../components.js';
import { html, type Html } from '../html.js';
import { bare, flashMessage, type Flash } from '../layout.js';

// Sign-in and first-password pages. Their forms carry a token that must match a cookie set with the page
// (double submit), so another site cannot sign a browser in to an account of its choosing.

export function loginPage(options: { loginToken: string; email?: string; next?: string; flash?: Flash }): Html {
  return bare(
    'Sign in',
    html`<h1>Sign in</h1>
<p class="muted">The administration console of this Roster server.</p>
${flashMessage(options.flash)}
<form method="post" action="/admin/login" novalidate>
  <input type="hidden" name="_login" value="${options.loginToken}">
  ${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
  ${textField({ id: 'email', name: 'email', label: 'Email', type: 'email', value: options.email, required: true, autocomplete: 'username', autofocus: !options.email })}
  ${textField({ id: 'password', name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password', autofocus: !!options.email })}
  <button type="submit" class="primary">Sign in</button>
</form>
<p class="muted small">No account yet? An administrator runs <code>roster admin create --email you@example.com</code> and sends you the setup link it prints.</p>`,
  );
}

export function setupPage(options: { loginToken: string; email: string; secret: string; error?: string }): Html {
  return bare(
    'Choose a password',
    html`<h1>Choose a password</h1>
<p class="muted">For <strong>${options.email}</strong>. This link works once.</p>
${options.error ? flashMessage({ kind: 'error', text: options.error }) : ''}
<form method="post" action="/admin/setup/${options.secret}">
  <input type="hidden" name="_login" value="${options.loginToken}">
  <input type="text" name="username" value="${options.email}" autocomplete="username" hidden>
  ${textField({ id: 'password', name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 12 characters. A passphrase of a few words is good.', autofocus: true })}
  ${textField({ id: 'confirm', name: 'confirm', label: 'Repeat the password', type: 'password', required: true, autocomplete: 'new-password' })}
  <button type="submit" class="primary">Save and sign in</button>
</form>`,
  );
}

export function invalidLinkPage(): Html {
  return bare(
    'Link expired',
    html`<h1>This link no longer works</h1>
<p>Setup links work once and expire after 72 hours. Ask an administrator for a new one
(<code>roster admin reset --email you@example.com</code>), or <a href="/admin/login">sign in</a>.</p>`,
  );
}

export function errorPage(status: number, title: string, detail: string, signedIn: boolean): Html {
  return bare(
    title,
    html`<h1>${title}</h1>
<p>${detail}</p>
<p class="muted small">HTTP ${status}</p>
<p><a href="${signedIn ? '/admin' : '/admin/login'}">${signedIn ? 'Back to the console' : 'Sign in'}</a></p>`,
  );
}
