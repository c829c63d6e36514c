import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TenantError } from '../../directory/tenants.js';
import { ScimError } from '../../protocol/errors.js';
import { baseUrlOf, directoryOf, field, pageContext, redirect, sendHtml, session, setFlash, type ConsoleDeps } from '../context.js';
import { html } from '../html.js';
import { directoryPath, page } from '../layout.js';
import { inboundPage, type InboundData } from '../pages/inbound.js';
import { policySection, roleMappingSummary, schemasSection } from '../pages/policies.js';

// Configure inbound: base URL, tokens (create, rotate, revoke; a new token is shown once, in the answer to the
// form that created it, and never stored), IdP instructions, policies and custom schema extensions.

const POLICY_KEYS = ['create', 'update', 'deactivate', 'delete', 'passwordSync', 'groupPush', 'userNameFromEmail', 'deletion', 'retentionDays'];

export async function inboundRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const services = deps.roster;

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Partial<Pick<InboundData, 'newToken' | 'tokenError'>> & { policyError?: string; schemaError?: string } = {},
    status = 200,
  ) {
    const directory = directoryOf(request);
    const csrfToken = session(request).csrfToken;
    const [mappings, rules] = await Promise.all([services.roles.listMappings(directory), services.roles.listRules(directory)]);
    const extraSections = html`${policySection(directory, services.policies.get(directory), csrfToken, extra.policyError)}
${schemasSection(directory, services.schemas.list(directory), csrfToken, extra.schemaError)}
${roleMappingSummary(directory, mappings, rules)}`;
    const body = inboundPage({
      directory,
      baseUrl: baseUrlOf(request, deps, directory),
      tokens: await deps.roster.tenants.listTokens(directory),
      csrfToken,
      newToken: extra.newToken,
      tokenError: extra.tokenError,
      extraSections,
    });
    // A page showing a new token must not be kept by any cache or the back button's page cache.
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: `${directory.name}: configure inbound`, section: 'inbound', body }), status);
  }

  app.get('/inbound', (request, reply) => render(request, reply));

  app.post('/tokens', async (request, reply) => {
    const directory = directoryOf(request);
    const label = field(request.body, 'label').slice(0, 200);
    const scope = field(request.body, 'scope') === 'scim:read' ? 'scim:read' : 'scim:write';
    if (!label) return render(request, reply, { tokenError: 'Give the token a label, e.g. the identity provider it is for.' }, 400);
    const { token } = await deps.roster.tenants.createToken(directory, { label, scope });
    return render(request, reply, { newToken: { label, value: token } }, 201);
  });

  app.post<{ Params: { id: string } }>('/tokens/:id/revoke', async (request, reply) => {
    const directory = directoryOf(request);
    const token = (await deps.roster.tenants.listTokens(directory)).find((t) => t.id === request.params.id);
    if (!token) throw new ScimError(404, undefined, 'No such token in this directory.');
    await deps.roster.tenants.revokeToken(directory, token.id);
    setFlash(reply, request, { kind: 'ok', text: `Token “${token.label}” revoked. Requests with it now fail with 401.` });
    return redirect(reply, directoryPath(directory, '/inbound'));
  });

  app.post<{ Params: { id: string } }>('/tokens/:id/rotate', async (request, reply) => {
    const directory = directoryOf(request);
    const old = (await deps.roster.tenants.listTokens(directory)).find((t) => t.id === request.params.id && !t.revoked_at);
    if (!old) throw new ScimError(404, undefined, 'No such active token in this directory.');
    const { token } = await deps.roster.tenants.createToken(directory, { label: old.label, scope: old.scope });
    await deps.roster.tenants.revokeToken(directory, old.id);
    return render(request, reply, { newToken: { label: old.label, value: token } }, 201);
  });

  app.post('/policies', async (request, reply) => {
    const directory = directoryOf(request);
    const changes: Record<string, string> = {};
    for (const key of POLICY_KEYS) {
      const value = field(request.body, key);
      if (value !== '') changes[key] = value;
    }
    try {
      await services.policies.update(directory, changes);
    } catch (error) {
      if (!(error instanceof TenantError)) throw error;
      request.adminDirectory = (await deps.roster.tenants.findDirectory(directory.slug)) ?? directory;
      return render(request, reply, { policyError: error.message }, 400);
    }
    setFlash(reply, request, { kind: 'ok', text: 'Policies saved. They apply to the next SCIM call.' });
    return redirect(reply, `${directoryPath(directory, '/inbound')}#policies`);
  });

  app.post('/schemas', async (request, reply) => {
    const directory = directoryOf(request);
    const text = field(request.body, 'schema');
    const resourceType = field(request.body, 'resourceType') === 'Group' ? 'Group' : 'User';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return render(request, reply, { schemaError: 'The schema is not valid JSON.' }, 400);
    }
    try {
      const added = await services.schemas.add(directory, parsed, resourceType);
      setFlash(reply, request, { kind: 'ok', text: `Extension ${added.schema.name} declared for ${added.resourceType}.` });
    } catch (error) {
      if (!(error instanceof TenantError) && !(error instanceof ScimError)) throw error;
      return render(request, reply, { schemaError: error.message }, 400);
    }
    return redirect(reply, `${directoryPath(directory, '/inbound')}#schemas`);
  });

  app.post('/schemas/remove', async (request, reply) => {
    const directory = directoryOf(request);
    const id = field(request.body, 'id');
    const removed = await services.schemas.remove(directory, id);
    setFlash(reply, request, removed ? { kind: 'ok', text: `Extension ${id} removed.` } : { kind: 'error', text: `No extension ${id}.` });
    return redirect(reply, `${directoryPath(directory, '/inbound')}#schemas`);
  });

}
