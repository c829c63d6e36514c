import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../protocol/errors.js';
import { directoryOf, field, pageContext, param, provisioningLogOf, redirect, scopeOf, sendHtml, session, setFlash, type ConsoleDeps } from '../context.js';
import { directoryPath, page } from '../layout.js';
import { historySection, sourceLabel } from '../pages/history.js';
import { PEOPLE_SORTS, peoplePage, type PeopleFilters } from '../pages/people.js';
import { personFormPage, personPage } from '../pages/person.js';
import {
  allOf, createBody, editOperations, formOf, literal, patchBody, personName, searchFilter, type PersonForm, type ScimResource,
} from '../people-model.js';
import { ConsoleReadModel } from '../read-model.js';

// People: the paged table (filtered and paged in SQL by the directory service, never loaded whole), a person's
// page, and the administrator's actions. Every change is a directory-service call with the administrator as actor.

export const PAGE_SIZE = 50;
const ROLE_CHOICES = 200;

const SORTS: Record<string, { sortBy?: string; sortOrder: 'ascending' | 'descending' }> = {
  '': { sortOrder: 'descending' },
  oldest: { sortOrder: 'ascending' },
  name: { sortBy: 'userName', sortOrder: 'ascending' },
  changed: { sortBy: 'meta.lastModified', sortOrder: 'descending' },
};

function pageNumber(request: FastifyRequest): number {
  const n = Number(param(request, 'page') ?? '1');
  return Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? n : 1;
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
  const people = (request: FastifyRequest, rest = '') => directoryPath(directoryOf(request), `/people${rest}`);
  const personPath = (request: FastifyRequest, id: string, rest = '') => people(request, `/${encodeURIComponent(id)}${rest}`);

  async function roleChoices(request: FastifyRequest) {
    const { resources } = await deps.roster.groups.list(scopeOf(request, deps), { startIndex: 1, count: ROLE_CHOICES, sortBy: 'displayName', sortOrder: 'ascending' }, false);
    return resources.map((g) => ({ value: String(g.id), label: String(g.displayName ?? g.id) }));
  }

  /** Where each person on the page came from: the actor of their first recorded change. */
  async function sourcesOf(request: FastifyRequest, ids: string[]): Promise<Map<string, string | null>> {
    const directory = directoryOf(request);
    const sources = new Map<string, string | null>();
    await Promise.all(
      ids.map(async (id) => {
        const [first] = await services.history.list(directory, { resourceId: id, limit: 1 });
        if (first?.event === 'user.created') sources.set(id, sourceLabel(first.actor));
      }),
    );
    return sources;
  }

  app.get('/people', async (request, reply) => {
    const directory = directoryOf(request);
    const scope = scopeOf(request, deps);
    const filters: PeopleFilters = { q: param(request, 'q'), status: param(request, 'status'), role: param(request, 'role'), sort: param(request, 'sort') };
    if (!PEOPLE_SORTS.some((s) => s.value === (filters.sort ?? ''))) filters.sort = undefined;
    const pageNo = pageNumber(request);
    const startIndex = (pageNo - 1) * PAGE_SIZE + 1;
    const choices = await roleChoices(request);
    if (filters.role && !choices.some((c) => c.value === filters.role)) {
      const group = await deps.roster.groups.get(scope, filters.role, false).catch(() => undefined);
      choices.unshift({ value: filters.role, label: group ? String(group.displayName) : filters.role });
    }
    let resources: ScimResource[] = [];
    let total = 0;
    let error: string | undefined;
    if (filters.status === 'deleted') {
      // Soft-deleted people: the most recent deletions (the service lists them without paging).
      const deleted = await deps.roster.users.listDeleted(scope, 100);
      const q = filters.q?.toLowerCase();
      resources = deleted
        .filter((d) => !q || d.userName.toLowerCase().includes(q))
        .map((d) => ({ id: d.id, userName: d.userName, meta: { lastModified: d.deletedAt } }));
      total = resources.length;
    } else if (filters.role && !filters.q) {
      // A role alone: that group's members page by page from the memberships key, then presented by the service.
      const active = filters.status === 'active' ? true : filters.status === 'blocked' ? false : undefined;
      const page = await readModel.memberUsers(directory.id, filters.role, { active, offset: startIndex - 1, limit: PAGE_SIZE });
      total = page.total;
      if (page.ids.length > 0) {
        const filter = page.ids.map((id) => `id eq ${literal(id)}`).join(' or ');
        const found = await deps.roster.users.list(scope, { filter, startIndex: 1, count: page.ids.length, sortOrder: 'ascending' }, { groups: true, roles: true });
        const byId = new Map(found.resources.map((r) => [String(r.id), r]));
        resources = page.ids.map((id) => byId.get(id)).filter((r): r is ScimResource => r !== undefined);
      }
    } else {
      const filter = allOf([
        filters.q ? searchFilter(filters.q) : undefined,
        filters.status === 'active' ? 'active eq true' : filters.status === 'blocked' ? 'active eq false' : undefined,
        filters.role ? `groups.value eq ${literal(filters.role)}` : undefined,
      ]);
      try {
        const result = await deps.roster.users.list(scope, { filter, startIndex, count: PAGE_SIZE, ...SORTS[filters.sort ?? ''] }, { groups: true, roles: true });
        resources = result.resources;
        total = result.total;
      } catch (e) {
        if (!(e instanceof ScimError)) throw e;
        error = `The search could not run: ${e.message}`;
      }
    }
    const sources = await sourcesOf(request, resources.map((r) => String(r.id)));
    const body = peoplePage({
      directory,
      people: resources,
      total,
      startIndex: filters.status === 'deleted' ? 1 : startIndex,
      count: filters.status === 'deleted' ? Math.max(total, 1) : PAGE_SIZE,
      filters,
      roleChoices: choices,
      canListDeleted: true,
      sources,
      error,
    });
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
