import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../protocol/errors.js';
import { directoryOf, field, pageContext, param, provisioningLogOf, redirect, scopeOf, sendHtml, session, setFlash, type ConsoleDeps } from '../context.js';
import { directoryPath, page } from '../layout.js';
import { historySection, sourceLabel } from '../pages/history.js';
import { PEOPLE_SORTS, peoplePage, type PeopleFilters } from '../pages/people.js';
import { personFormPage, personPage } from '../pages/person.js';
import { ConsoleQueries, type PeopleOrder, type PeopleSource } from '../../directory/console-queries.js';
import { CLIENT_LABELS } from '../../protocol/clients.js';
import {
  createBody, editOperations, formOf, literal, patchBody, personName, searchFilter, type PersonForm, type ScimResource,
} from '../people-model.js';
import { ConsoleReadModel } from '../read-model.js';

// People: the paged table (filtered and paged in SQL by the directory service, never loaded whole), a person's
// page, and the administrator's actions. Every change is a directory-service call with the administrator as actor.

export const PAGE_SIZE = 50;
const ROLE_CHOICES = 200;

const ORDERS: Record<string, PeopleOrder> = { '': 'newest', oldest: 'oldest', name: 'name' };

/** The Source filter's value as the creator it stands for (see SOURCE_CHOICES). */
function sourceOf(value: string | undefined): PeopleSource | undefined {
  if (!value) return undefined;
  if (value === 'console') return { kind: 'admin' };
  if (value === 'cli' || value === 'import' || value === 'sync') return { kind: value };
  if (value === 'scim') return { kind: 'scim', client: null };
  return value in CLIENT_LABELS ? { kind: 'scim', client: value } : undefined;
}

function formFrom(body: unknown): PersonForm {
  return {
    userName: field(body, 'userName'),
    givenName: field(body, 'givenName'),
    familyName: field(body, 'familyName'),
    displayName: field(body, 'displayName'),
    email: field(body, 'email'),
    title: field(body, 'title'),
  };
}

export async function peopleRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const services = deps.roster;
  const readModel = new ConsoleReadModel(deps.roster.storage);
  const queries = new ConsoleQueries(deps.roster.storage);
  const people = (request: FastifyRequest, rest = '') => directoryPath(directoryOf(request), `/people${rest}`);
  const personPath = (request: FastifyRequest, id: string, rest = '') => people(request, `/${encodeURIComponent(id)}${rest}`);

  /** A page of ids as SCIM resources, read by the service (with groups and effective roles), in the page's order. */
  async function presented(request: FastifyRequest, ids: string[]): Promise<ScimResource[]> {
    if (ids.length === 0) return [];
    const filter = ids.map((id) => `id eq ${literal(id)}`).join(' or ');
    const found = await deps.roster.users.list(scopeOf(request, deps), { filter, startIndex: 1, count: ids.length, sortOrder: 'ascending' }, { groups: true, roles: true });
    const byId = new Map(found.resources.map((r) => [String(r.id), r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ScimResource => r !== undefined);
  }

  async function roleChoices(request: FastifyRequest) {
    const { resources } = await deps.roster.groups.list(scopeOf(request, deps), { startIndex: 1, count: ROLE_CHOICES, sortBy: 'displayName', sortOrder: 'ascending' }, false);
    return resources.map((g) => ({ value: String(g.id), label: String(g.displayName ?? g.id) }));
  }

  app.get('/people', async (request, reply) => {
    const directory = directoryOf(request);
    const scope = scopeOf(request, deps);
    const filters: PeopleFilters = {
      q: param(request, 'q'),
      status: param(request, 'status'),
      role: param(request, 'role'),
      source: param(request, 'source'),
      sort: param(request, 'sort'),
    };
    if (!PEOPLE_SORTS.some((s) => s.value === (filters.sort ?? ''))) filters.sort = undefined;
    if (filters.status && !['active', 'blocked', 'deleted'].includes(filters.status)) filters.status = undefined;
    const source = sourceOf(filters.source);
    if (!source) filters.source = undefined;
    const after = param(request, 'after');
    const before = param(request, 'before');
    const choices = await roleChoices(request);
    if (filters.role && !choices.some((c) => c.value === filters.role)) {
      const group = await deps.roster.groups.get(scope, filters.role, false).catch(() => undefined);
      choices.unshift({ value: filters.role, label: group ? String(group.displayName) : filters.role });
    }
    let resources: ScimResource[] = [];
    let total = 0;
    let next: string | undefined;
    let previous: string | undefined;
    let error: string | undefined;
    try {
      if (filters.status === 'deleted') {
        // Soft-deleted people, most recent deletion first, a page at a time.
        const deleted = await queries.deleted(directory.id, { q: filters.q, after, limit: PAGE_SIZE });
        resources = deleted.people.map((d) => ({ id: d.id, userName: d.userName, meta: { lastModified: d.deletedAt } }));
        ({ total, next } = deleted);
      } else {
        const found = await queries.people(scope, {
          filter: filters.q ? searchFilter(filters.q) : undefined,
          status: filters.status as 'active' | 'blocked' | undefined,
          role: filters.role,
          source,
          order: ORDERS[filters.sort ?? ''],
          after,
          before,
          limit: PAGE_SIZE,
        });
        ({ total, next, previous } = found);
        resources = await presented(request, found.ids);
      }
    } catch (e) {
      if (!(e instanceof ScimError)) throw e;
      error = e.scimType === 'invalidCursor' ? e.message : `The search could not run: ${e.message}`;
    }
    const creators = await queries.creators(directory.id, resources.map((r) => String(r.id)));
    const sources = new Map([...creators].map(([id, actor]) => [id, sourceLabel(actor)]));
    const body = peoplePage({ directory, people: resources, total, next, previous, paged: !!(after || before), filters, roleChoices: choices, canListDeleted: true, sources, error });
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: `${directory.name}: people`, section: 'people', body }));
  });

  async function renderForm(request: FastifyRequest, reply: FastifyReply, options: Omit<Parameters<typeof personFormPage>[0], 'directory' | 'csrfToken'>, status = 200) {
    const directory = directoryOf(request);
    const body = personFormPage({ ...options, directory, csrfToken: session(request).csrfToken });
    const title = options.mode === 'create' ? 'Add a person' : `Edit ${options.form.userName}`;
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title, section: 'people', body }), status);
  }

  app.get('/people/new', (request, reply) =>
    renderForm(request, reply, { mode: 'create', form: { userName: '', givenName: '', familyName: '', displayName: '', email: '', title: '' } }),
  );

  app.post('/people/new', async (request, reply) => {
    const form = formFrom(request.body);
    const active = field(request.body, 'active') === 'true';
    if (!form.userName) return renderForm(request, reply, { mode: 'create', form, active, error: 'A userName is required.' }, 400);
    try {
      const user = await deps.roster.users.create(scopeOf(request, deps), createBody(form, active));
      setFlash(reply, request, { kind: 'ok', text: `${personName(user)} created.` });
      return redirect(reply, personPath(request, String(user.id)));
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      return renderForm(request, reply, { mode: 'create', form, active, error: error.message }, error.status);
    }
  });

  app.get<{ Params: { id: string } }>('/people/:id', async (request, reply) => {
    const directory = directoryOf(request);
    const scope = scopeOf(request, deps);
    const { id } = request.params;
    let user: ScimResource | undefined;
    let deleted = false;
    try {
      user = await deps.roster.users.get(scope, id, { groups: true, roles: true });
    } catch (error) {
      if (!(error instanceof ScimError) || error.status !== 404) throw error;
      const gone = await readModel.deletedUser(directory.id, id);
      if (!gone) throw new ScimError(404, undefined, 'No such person in this directory (they may have been purged).');
      user = { id, userName: gone.userName, meta: { lastModified: gone.deletedAt } };
      deleted = true;
    }
    const [log, history, choices] = await Promise.all([
      provisioningLogOf(request)?.query(directory.id, { user: id, limit: 20 }),
      services.history.list(directory, { resourceId: id, limit: 50, newestFirst: true }),
      roleChoices(request),
    ]);
    const body = personPage({
      directory,
      user,
      deleted,
      csrfToken: session(request).csrfToken,
      log: log?.entries ?? [],
      roleChoices: choices.map((c) => c.label),
      history: historySection(history),
      canRestore: true,
      roleError: param(request, 'roleError'),
    });
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: personName(user), section: 'people', body }));
  });

  app.get<{ Params: { id: string } }>('/people/:id/edit', async (request, reply) => {
    const user = await deps.roster.users.get(scopeOf(request, deps), request.params.id, false);
    const version = (user.meta as { version?: string } | undefined)?.version;
    return renderForm(request, reply, { mode: 'edit', form: formOf(user), userId: request.params.id, version });
  });

  app.post<{ Params: { id: string } }>('/people/:id/edit', async (request, reply) => {
    const scope = scopeOf(request, deps);
    const { id } = request.params;
    const form = formFrom(request.body);
    const version = field(request.body, 'version') || undefined;
    const again = (error: string, status: number) => renderForm(request, reply, { mode: 'edit', form, userId: id, version, error }, status);
    if (!form.userName) return again('A userName is required.', 400);
    const current = await deps.roster.users.get(scope, id, false);
    const operations = editOperations(current, form);
    if (operations.length === 0) {
      setFlash(reply, request, { kind: 'info', text: 'Nothing changed.' });
      return redirect(reply, personPath(request, id));
    }
    try {
      const user = await deps.roster.users.patch(scope, id, patchBody(operations), version);
      setFlash(reply, request, { kind: 'ok', text: `${personName(user)} saved.` });
      return redirect(reply, personPath(request, id));
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      if (error.status === 412) return again('Someone changed this person while you were editing. Reload the page to see their changes, then edit again.', 409);
      return again(error.message, error.status);
    }
  });

  const setActive = (active: boolean) => async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const user = await deps.roster.users.patch(scopeOf(request, deps), request.params.id, patchBody([{ op: 'replace', path: 'active', value: active }]));
    setFlash(reply, request, { kind: 'ok', text: active ? `${personName(user)} is unblocked.` : `${personName(user)} is blocked: applications see active = false.` });
    return redirect(reply, personPath(request, request.params.id));
  };
  app.post<{ Params: { id: string } }>('/people/:id/block', setActive(false));
  app.post<{ Params: { id: string } }>('/people/:id/unblock', setActive(true));

  app.post<{ Params: { id: string } }>('/people/:id/delete', async (request, reply) => {
    const scope = scopeOf(request, deps);
    const user = await deps.roster.users.get(scope, request.params.id, false);
    await deps.roster.users.delete(scope, request.params.id);
    const soft = services.policies.get(scope.directory).deletion === 'soft';
    setFlash(reply, request, {
      kind: 'ok',
      text: soft ? `${personName(user)} is deleted. You can restore them from their page during the retention period.` : `${personName(user)} is deleted.`,
    });
    return redirect(reply, soft ? personPath(request, request.params.id) : people(request));
  });

  app.post<{ Params: { id: string } }>('/people/:id/restore', async (request, reply) => {
    const user = await deps.roster.users.restore(scopeOf(request, deps), request.params.id);
    setFlash(reply, request, { kind: 'ok', text: `${personName(user)} is restored, with their attributes and groups.` });
    return redirect(reply, personPath(request, request.params.id));
  });

  app.post<{ Params: { id: string } }>('/people/:id/roles', async (request, reply) => {
    const scope = scopeOf(request, deps);
    const { id } = request.params;
    const name = field(request.body, 'groupName');
    const found = name
      ? await deps.roster.groups.list(scope, { filter: `displayName eq ${literal(name)}`, startIndex: 1, count: 1, sortOrder: 'ascending' }, false)
      : { resources: [] };
    const group = found.resources[0];
    if (!group) {
      const q = new URLSearchParams({ roleError: name ? `There is no role (group) named “${name}”.` : 'Type the name of a role (group).' });
      return redirect(reply, `${personPath(request, id)}?${q}#roles-title`);
    }
    await deps.roster.groups.patch(scope, String(group.id), patchBody([{ op: 'add', path: 'members', value: [{ value: id }] }]));
    setFlash(reply, request, { kind: 'ok', text: `Added to ${String(group.displayName)}.` });
    return redirect(reply, personPath(request, id));
  });

  app.post<{ Params: { id: string } }>('/people/:id/roles/remove', async (request, reply) => {
    const scope = scopeOf(request, deps);
    const { id } = request.params;
    const groupId = field(request.body, 'group');
    const group = await deps.roster.groups.patch(scope, groupId, patchBody([{ op: 'remove', path: `members[value eq ${literal(id)}]` }]));
    setFlash(reply, request, { kind: 'ok', text: `Removed from ${String(group.displayName)}.` });
    return redirect(reply, personPath(request, id));
  });
}
