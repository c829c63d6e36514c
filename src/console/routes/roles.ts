import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ScimError } from '../../protocol/errors.js';
import { directoryOf, field, pageContext, param, redirect, scopeOf, sendHtml, session, setFlash, type ConsoleDeps } from '../context.js';
import { directoryPath, page } from '../layout.js';
import { historySection } from '../pages/history.js';
import { groupPage, rolesPage } from '../pages/roles.js';
import { literal, patchBody } from '../people-model.js';
import { ConsoleReadModel } from '../read-model.js';

// Roles: groups with member counts and role mappings, one group's members page by page, role rules.

const PAGE_SIZE = 50;

function pageStart(request: FastifyRequest): number {
  const n = Number(param(request, 'page') ?? '1');
  return (Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? n - 1 : 0) * PAGE_SIZE + 1;
}

export async function rolesRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const services = deps.roster;
  const readModel = new ConsoleReadModel(deps.roster.storage);
  const rolesPath = (request: FastifyRequest, rest = '') => directoryPath(directoryOf(request), `/roles${rest}`);
  const groupPath = (request: FastifyRequest, id: string) => rolesPath(request, `/${encodeURIComponent(id)}`);

  app.get('/roles', async (request, reply) => {
    const directory = directoryOf(request);
    const scope = scopeOf(request, deps);
    const q = param(request, 'q');
    const startIndex = pageStart(request);
    let groups: Record<string, unknown>[] = [];
    let total = 0;
    let error: string | undefined;
    try {
      const result = await deps.roster.groups.list(
        scope,
        { filter: q ? `displayName co ${literal(q.slice(0, 200))}` : undefined, startIndex, count: PAGE_SIZE, sortBy: 'displayName', sortOrder: 'ascending' },
        false,
      );
      groups = result.resources;
      total = result.total;
    } catch (e) {
      if (!(e instanceof ScimError)) throw e;
      error = e.message;
    }
    const [memberCounts, mappings, rules] = await Promise.all([
      readModel.memberCounts(directory.id, groups.map((g) => String(g.id))),
      services.roles.listMappings(directory),
      services.roles.listRules(directory),
    ]);
    const body = rolesPage({
      directory,
      groups,
      total,
      startIndex,
      count: PAGE_SIZE,
      q,
      memberCounts,
      mappings: new Map(mappings.map((m) => [m.groupId, m.roles])),
      rules,
      csrfToken: session(request).csrfToken,
      error,
      ruleError: param(request, 'ruleError'),
    });
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: `${directory.name}: roles`, section: 'roles', body }));
  });

  app.post('/roles/new', async (request, reply) => {
    const displayName = field(request.body, 'displayName');
    if (!displayName) throw new ScimError(400, undefined, 'A group needs a name.');
    const group = await deps.roster.groups.create(scopeOf(request, deps), { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName });
    setFlash(reply, request, { kind: 'ok', text: `Group ${displayName} created.` });
    return redirect(reply, groupPath(request, String(group.id)));
  });

  app.post('/roles/rules', async (request, reply) => {
    const filter = field(request.body, 'filter');
    const role = field(request.body, 'role');
    try {
      await services.roles.addRule(scopeOf(request, deps), filter, role);
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      return redirect(reply, `${rolesPath(request)}?${new URLSearchParams({ ruleError: error.message })}#rules`);
    }
    setFlash(reply, request, { kind: 'ok', text: `Rule added: it grants ${role}.` });
    return redirect(reply, `${rolesPath(request)}#rules`);
  });

  app.post('/roles/rules/remove', async (request, reply) => {
    const removed = await services.roles.removeRule(scopeOf(request, deps), field(request.body, 'id'));
    setFlash(reply, request, removed ? { kind: 'ok', text: 'Rule removed.' } : { kind: 'error', text: 'No such rule.' });
    return redirect(reply, `${rolesPath(request)}#rules`);
  });

  app.get<{ Params: { id: string } }>('/roles/:id', async (request, reply) => {
    const directory = directoryOf(request);
    const scope = scopeOf(request, deps);
    const { id } = request.params;
    // Without members: a group of 100,000 is shown one page at a time from the memberships key.
    const group = await deps.roster.groups.get(scope, id, false);
    const startIndex = pageStart(request);
    const [members, memberTotal, mappings, history] = await Promise.all([
      readModel.members(directory.id, id, startIndex - 1, PAGE_SIZE),
      readModel.memberCount(directory.id, id),
      services.roles.listMappings(directory),
      services.history.list(directory, { resourceId: id, limit: 30, newestFirst: true }),
    ]);
    const body = groupPage({
      directory,
      group,
      members,
      memberTotal,
      startIndex,
      count: PAGE_SIZE,
      mappedRoles: mappings.find((m) => m.groupId === id)?.roles ?? [],
      csrfToken: session(request).csrfToken,
      history: historySection(history, {
        names: await readModel.names(directory.id, history.map((r) => (r.data.member as { value?: string } | undefined)?.value ?? '').filter(Boolean)),
        memberHref: (memberId, type) => type === 'Group' ? groupPath(request, memberId) : directoryPath(directory, `/people/${encodeURIComponent(memberId)}`),
      }),
      memberError: param(request, 'memberError'),
    });
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: String(group.displayName ?? id), section: 'roles', body }));
  });

  app.post<{ Params: { id: string } }>('/roles/:id/members', async (request, reply) => {
    const scope = scopeOf(request, deps);
    const { id } = request.params;
    const userName = field(request.body, 'userName');
    const found = userName
      ? await deps.roster.users.list(scope, { filter: `userName eq ${literal(userName)}`, startIndex: 1, count: 1, sortOrder: 'ascending' }, false)
      : { resources: [] };
    const user = found.resources[0];
    if (!user) {
      return redirect(reply, `${groupPath(request, id)}?${new URLSearchParams({ memberError: `Nobody has the userName “${userName}”.` })}#members-title`);
    }
    await deps.roster.groups.patch(scope, id, patchBody([{ op: 'add', path: 'members', value: [{ value: String(user.id) }] }]));
    setFlash(reply, request, { kind: 'ok', text: `${userName} added.` });
    return redirect(reply, groupPath(request, id));
  });

  app.post<{ Params: { id: string } }>('/roles/:id/members/remove', async (request, reply) => {
    const { id } = request.params;
    const member = field(request.body, 'member');
    await deps.roster.groups.patch(scopeOf(request, deps), id, patchBody([{ op: 'remove', path: `members[value eq ${literal(member)}]` }]));
    setFlash(reply, request, { kind: 'ok', text: 'Member removed.' });
    return redirect(reply, groupPath(request, id));
  });

  app.post<{ Params: { id: string } }>('/roles/:id/mapping', async (request, reply) => {
    const roles = field(request.body, 'roles').split(',').map((r) => r.trim()).filter(Boolean).slice(0, 100);
    await services.roles.mapGroup(scopeOf(request, deps), request.params.id, roles);
    setFlash(reply, request, { kind: 'ok', text: roles.length ? `This group now grants ${roles.join(', ')}.` : 'This group no longer grants roles.' });
    return redirect(reply, groupPath(request, request.params.id));
  });

  app.post<{ Params: { id: string } }>('/roles/:id/delete', async (request, reply) => {
    const scope = scopeOf(request, deps);
    const group = await deps.roster.groups.get(scope, request.params.id, false);
    await deps.roster.groups.delete(scope, request.params.id);
    setFlash(reply, request, { kind: 'ok', text: `Group ${String(group.displayName)} deleted.` });
    return redirect(reply, rolesPath(request));
  });
}
