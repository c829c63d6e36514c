import type { Directory } from '../../directory/tenants.js';
import { emptyState, formatNumber, textField } from '../components.js';
import { html, type Html } from '../html.js';
import { csrfField, directoryPath, pageHead } from '../layout.js';

export interface DirectoryRow {
  directory: Directory;
  baseUrl: string;
  people: number;
  roles: number;
}

export function directoriesPage(options: {
  rows: DirectoryRow[];
  csrfToken: string;
  form?: { slug: string; name: string; error?: string };
}): Html {
  const { rows, form } = options;
  return html`${pageHead({
    title: 'Directories',
    subtitle: 'Each directory has its own people, roles, tokens and SCIM base URL. A token of one directory never reads or writes another.',
  })}
<section class="card" aria-labelledby="dirs-title">
  <h2 id="dirs-title">All directories</h2>
  ${rows.length === 0
    ? emptyState('No directories yet', html`<p>Create the first one below.</p>`)
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Directories"><table>
    <thead><tr><th scope="col">Name</th><th scope="col">Slug</th><th scope="col">SCIM base URL</th><th scope="col" class="num">People</th><th scope="col" class="num">Roles</th></tr></thead>
    <tbody>
      ${rows.map(
        (r) => html`<tr>
        <td class="wrap"><a href="${directoryPath(r.directory)}">${r.directory.name}</a></td>
        <td class="mono">${r.directory.slug}</td>
        <td class="mono wrap">${r.baseUrl}</td>
        <td class="num">${formatNumber(r.people)}</td>
        <td class="num">${formatNumber(r.roles)}</td>
      </tr>`,
      )}
    </tbody>
  </table></div>`}
</section>
<section class="card" aria-labelledby="new-dir-title">
  <h2 id="new-dir-title">Create a directory</h2>
  <form method="post" action="/admin/directories">
    ${csrfField(options.csrfToken)}
    <div class="form-row">
      ${textField({ id: 'dir-name', name: 'name', label: 'Name', value: form?.name, required: true, maxlength: 200, hint: 'Shown in the console, e.g. "Acme Corp".' })}
      ${textField({ id: 'dir-slug', name: 'slug', label: 'Slug', value: form?.slug, required: true, maxlength: 63, hint: 'Lower-case letters, digits and dashes; part of the SCIM URL.', error: form?.error })}
    </div>
    <div class="form-actions"><button type="submit" class="primary">Create directory</button></div>
  </form>
</section>`;
}
