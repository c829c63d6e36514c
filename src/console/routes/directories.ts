import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TenantError } from '../../directory/tenants.js';
import { field, pageContext, redirect, scopeOf, sendHtml, session, setFlash, type ConsoleDeps } from '../context.js';
import { directoryPath, page } from '../layout.js';
import { directoriesPage, type DirectoryRow } from '../pages/directories.js';

// The list of directories, and creating one.

export async function directoriesRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const rows = async (request: FastifyRequest): Promise<DirectoryRow[]> => {
    const list = await deps.roster.tenants.listDirectories();
    return Promise.all(
      list.map(async (directory) => {
        const scope = scopeOf(request, deps, directory);
        const [people, roles] = await Promise.all([
          deps.roster.users.list(scope, { startIndex: 1, count: 0, sortOrder: 'ascending' }, false),
          deps.roster.groups.list(scope, { startIndex: 1, count: 0, sortOrder: 'ascending' }, false),
        ]);
        return { directory, baseUrl: scope.base, people: people.total, roles: roles.total };
      }),
    );
  };

  app.get('/directories', async (request, reply) => {
    const context = await pageContext(request, reply, deps);
    context.directory = undefined;
    const body = directoriesPage({ rows: await rows(request), csrfToken: context.csrfToken });
    return sendHtml(reply, page(context, { title: 'Directories', section: 'directories', body }));
  });

  app.post('/directories', async (request, reply) => {
    const slug = field(request.body, 'slug').toLowerCase();
    const name = field(request.body, 'name') || slug;
    try {
      const directory = await deps.roster.tenants.createDirectory(slug, name.slice(0, 200));
      setFlash(reply, request, { kind: 'ok', text: `Directory ${directory.name} created. Create a token below to connect an identity provider.` });
      return redirect(reply, directoryPath(directory, '/inbound'));
    } catch (error) {
      if (!(error instanceof TenantError)) throw error;
      const context = await pageContext(request, reply, deps);
      const body = directoriesPage({ rows: await rows(request), csrfToken: session(request).csrfToken, form: { slug, name, error: error.message } });
      return sendHtml(reply, page(context, { title: 'Directories', section: 'directories', body }), 400);
    }
  });
}
