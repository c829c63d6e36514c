import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OutboundError, type Outbound } from '../../outbound/index.js';
import { TARGET_OPERATIONS, WEBHOOK_EVENTS, type TargetAuthInput, type TargetChanges, type TargetCredentials, type TargetView, type TestResult } from '../../outbound/types.js';
import { directoryOf, field, pageContext, param, redirect, sendHtml, session, setFlash, type ConsoleDeps } from '../context.js';
import type { Html } from '../html.js';
import { page } from '../layout.js';
import {
  emptyTargetForm,
  emptyWebhookForm,
  outboundListPage,
  outboundPath,
  syncPage,
  targetFormFrom,
  targetFormPage,
  targetPage,
  targetPath,
  webhookFormPage,
  webhookPage,
  webhookPath,
  type TargetFormValues,
  type WebhookFormValues,
} from '../pages/outbound.js';

// Configure outbound: the same calls as `roster target|webhook|sync` (src/cli/commands/sync.ts), as pages. Saving
// a target can test it against the live server at once; a webhook's signing secret is shown once, in the answer
// to the form that made (or rotated) it, with caching off. Nothing here delivers: the delivery worker of whichever
// instance holds an endpoint picks up what was saved, retried or requested.

const LOG_PAGE = 25;

type IdParams = { Params: { id: string } };

interface Secrets {
  token: string;
  password: string;
  clientSecret: string;
}

/** The form's fields; secrets apart, since they are never rendered back. */
function readTargetForm(body: unknown): { values: TargetFormValues; secrets: Secrets } {
  const auth = field(body, 'auth');
  const on = (name: string, fallback: boolean) => {
    const value = field(body, name);
    return value === '' ? fallback : value === 'on';
  };
  const defaults = emptyTargetForm();
  const values: TargetFormValues = {
    name: field(body, 'name').slice(0, 200),
    url: field(body, 'url').slice(0, 4000),
    auth: auth === 'basic' || auth === 'oauth2' || auth === 'none' ? auth : 'bearer',
    username: field(body, 'username').slice(0, 1000),
    tokenUrl: field(body, 'tokenUrl').slice(0, 4000),
    clientId: field(body, 'clientId').slice(0, 1000),
    oauthScope: field(body, 'oauthScope').slice(0, 2000),
    preset: field(body, 'preset') === 'aws' ? 'aws' : 'scim',
    operations: Object.fromEntries(TARGET_OPERATIONS.map((op) => [op, on(`op-${op}`, true)])) as TargetFormValues['operations'],
    groups: field(body, 'groups').slice(0, 20000),
    deprovision: field(body, 'deprovision') === 'delete' ? 'delete' : 'deactivate',
    syncEvery: field(body, 'syncEvery').slice(0, 40),
    peerId: field(body, 'peerId').slice(0, 400),
    mapping: field(body, 'mapping').slice(0, 100_000),
    enabled: on('enabled', defaults.enabled),
    initialSync: on('initialSync', defaults.initialSync),
  };
  // Secrets are taken as typed (untrimmed would keep a pasted trailing newline out of a header anyway: checkAuth refuses it).
  const secrets = { token: field(body, 'token'), password: field(body, 'password'), clientSecret: field(body, 'clientSecret') };
  return { values, secrets };
}

/** The authentication the form asks for; an empty secret field keeps the stored one (`stored`, same method only). */
function authInput(v: TargetFormValues, s: Secrets, stored: TargetCredentials = {}): TargetAuthInput {
  switch (v.auth) {
    case 'bearer':
      return { type: 'bearer', token: s.token || stored.token || '' };
    case 'basic':
      return { type: 'basic', username: v.username, password: s.password || stored.password || '' };
    case 'oauth2':
      return { type: 'oauth2', tokenUrl: v.tokenUrl, clientId: v.clientId, clientSecret: s.clientSecret || stored.clientSecret || '', ...(v.oauthScope ? { scope: v.oauthScope } : {}) };
    default:
      return { type: 'none' };
  }
}

/** Whether the form changes the target's authentication (otherwise its stored credentials are left as they are). */
function authChanged(v: TargetFormValues, s: Secrets, current: TargetView): boolean {
  if (v.auth !== current.auth.type || s.token || s.password || s.clientSecret) return true;
  if (v.auth === 'basic') return v.username !== (current.auth.username ?? '');
  if (v.auth === 'oauth2') return v.tokenUrl !== (current.auth.tokenUrl ?? '') || v.clientId !== (current.auth.clientId ?? '') || v.oauthScope !== (current.auth.scope ?? '');
  return false;
}

function parseMapping(text: string): Record<string, string> | undefined {
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OutboundError('The attribute mapping is not valid JSON: write {"target attribute": "Roster attribute", ...}');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new OutboundError('The attribute mapping must be a JSON object of attribute names to Roster attributes (strings)');
  }
  return value as Record<string, string>;
}

const groupList = (text: string) => text.split(',').map((g) => g.trim()).filter(Boolean);

function testFlash(saved: string | undefined, result: TestResult): { kind: 'ok' | 'error'; text: string } {
  const prefix = saved ? `${saved} ` : '';
  return result.ok
    ? { kind: 'ok', text: `${prefix}Test passed: ${result.message} (${result.durationMs} ms).` }
    : { kind: 'error', text: `${prefix}Test failed: ${result.message}` };
}

function readWebhookForm(body: unknown): WebhookFormValues {
  const events = WEBHOOK_EVENTS.filter((e) => field(body, `event-${e}`) === 'on');
  return {
    name: field(body, 'name').slice(0, 200),
    url: field(body, 'url').slice(0, 4000),
    allEvents: field(body, 'eventsMode') !== 'chosen',
    events,
    enabled: field(body, 'enabled') !== 'off',
  };
}

function webhookEvents(v: WebhookFormValues): string[] {
  if (v.allEvents) return ['*'];
  if (v.events.length === 0) throw new OutboundError('Choose at least one event, or “All events”.');
  return v.events;
}

export async function outboundRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const outboundOf = (request: FastifyRequest): Outbound => deps.outbound(request);

  async function show(request: FastifyRequest, reply: FastifyReply, title: string, body: Html, status = 200) {
    const directory = directoryOf(request);
    return sendHtml(reply, page(await pageContext(request, reply, deps), { title: `${directory.name}: ${title}`, section: 'outbound', body }), status);
  }

  /** A page of the delivery log: `before` from the query, and the id the next (older) page starts before. */
  async function logPage(request: FastifyRequest, kind: 'scim' | 'webhook', id: string) {
    const before = param(request, 'before');
    const rows = await outboundOf(request).deliveries(directoryOf(request), kind, id, { limit: LOG_PAGE + 1, ...(before ? { before } : {}) });
    const deliveries = rows.slice(0, LOG_PAGE);
    return { deliveries, before, olderBefore: rows.length > LOG_PAGE ? deliveries[deliveries.length - 1].id : undefined };
  }

  app.get('/outbound', async (request, reply) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const [targets, webhooks] = await Promise.all([outbound.targets.list(directory), outbound.webhooks.list(directory)]);
    return show(request, reply, 'configure outbound', outboundListPage({ directory, targets, webhooks }));
  });

  // ---- targets ----

  const renderTargetForm = async (request: FastifyRequest, reply: FastifyReply, values: TargetFormValues, options: { target?: TargetView; error?: string } = {}, status = 200) => {
    const directory = directoryOf(request);
    const body = targetFormPage({ directory, csrfToken: session(request).csrfToken, values, target: options.target, error: options.error, ownPeerId: directory.id });
    return show(request, reply, options.target ? `edit target ${options.target.name}` : 'add a target', body, status);
  };

  app.get('/outbound/targets/new', (request, reply) => renderTargetForm(request, reply, emptyTargetForm()));

  app.post('/outbound/targets', async (request, reply) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const { values, secrets } = readTargetForm(request.body);
    let view: TargetView;
    try {
      view = await outbound.targets.add(directory, {
        name: values.name,
        url: values.url,
        auth: authInput(values, secrets),
        preset: values.preset,
        operations: values.operations,
        groups: groupList(values.groups),
        mapping: parseMapping(values.mapping),
        ...(values.peerId ? { peerId: values.peerId } : {}),
        deprovision: values.deprovision,
        syncEvery: values.syncEvery || null,
        enabled: values.enabled,
        initialSync: values.initialSync,
      });
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      return renderTargetForm(request, reply, values, { error: error.message }, error.status === 409 ? 409 : 400);
    }
    const saved = `Target “${view.name}” saved.`;
    if (field(request.body, 'intent') === 'test') setFlash(reply, request, testFlash(saved, await outbound.targets.test(directory, view.id)));
    else setFlash(reply, request, { kind: 'ok', text: `${saved}${values.initialSync ? ' A full sync pushes what the directory holds now.' : ''}` });
    return redirect(reply, targetPath(directory, view));
  });

  app.get<IdParams>('/outbound/targets/:id', async (request, reply) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const target = await outbound.targets.get(directory, request.params.id);
    const [lanes, log] = await Promise.all([outbound.lanes(directory, 'scim', target.id), logPage(request, 'scim', target.id)]);
    return show(request, reply, `target ${target.name}`, targetPage({ directory, csrfToken: session(request).csrfToken, target, lanes, ...log }));
  });

  app.get<IdParams>('/outbound/targets/:id/edit', async (request, reply) => {
    const target = await outboundOf(request).targets.get(directoryOf(request), request.params.id);
    return renderTargetForm(request, reply, targetFormFrom(target), { target });
  });

  app.post<IdParams>('/outbound/targets/:id', async (request, reply) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const current = await outbound.targets.get(directory, request.params.id);
    const { values, secrets } = readTargetForm(request.body);
    let view: TargetView;
    try {
      const changes: TargetChanges = {
        name: values.name,
        url: values.url,
        preset: values.preset,
        operations: values.operations,
        groups: groupList(values.groups),
        mapping: parseMapping(values.mapping) ?? null,
        peerId: values.peerId,
        deprovision: values.deprovision,
        syncEvery: values.syncEvery || null,
        enabled: values.enabled,
      };
      if (authChanged(values, secrets, current)) {
        // An empty secret field keeps the stored secret of the same method (opened here, never sent to the browser).
        const stored = values.auth === current.auth.type ? outbound.store.openCredentials(await outbound.store.require(directory, 'scim', current.id)) : {};
        changes.auth = authInput(values, secrets, stored);
      }
      view = await outbound.targets.update(directory, current.id, changes);
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      return renderTargetForm(request, reply, values, { target: current, error: error.message }, error.status === 409 ? 409 : 400);
    }
    const saved = `Target “${view.name}” saved.`;
    if (field(request.body, 'intent') === 'test') setFlash(reply, request, testFlash(saved, await outbound.targets.test(directory, view.id)));
    else setFlash(reply, request, { kind: 'ok', text: saved });
    return redirect(reply, targetPath(directory, view));
  });

  app.post<IdParams>('/outbound/targets/:id/test', async (request, reply) => {
    const directory = directoryOf(request);
    const target = await outboundOf(request).targets.get(directory, request.params.id);
    setFlash(reply, request, testFlash(undefined, await outboundOf(request).targets.test(directory, target.id)));
    return redirect(reply, targetPath(directory, target));
  });

  app.post<IdParams>('/outbound/targets/:id/remove', async (request, reply) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const target = await outbound.targets.get(directory, request.params.id);
    await outbound.targets.remove(directory, target.id);
    setFlash(reply, request, { kind: 'ok', text: `Target “${target.name}” removed. Nothing was deleted on the target itself.` });
    return redirect(reply, outboundPath(directory));
  });

  app.post<IdParams>('/outbound/targets/:id/sync', async (request, reply) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const target = await outbound.targets.get(directory, request.params.id);
    const status = target.state.fullSync.state?.status;
    if (status === 'requested' || status === 'running') {
      setFlash(reply, request, { kind: 'info', text: 'A full sync of this target is already under way.' });
    } else {
      const dryRun = field(request.body, 'dryRun') === 'on';
      await outbound.requestFullSync(directory, target.id, { dryRun });
      setFlash(reply, request, { kind: 'ok', text: `${dryRun ? 'Dry run' : 'Full sync'} of “${target.name}” requested.` });
    }
    return redirect(reply, targetPath(directory, target, '/sync'));
  });

  app.get<IdParams>('/outbound/targets/:id/sync', async (request, reply) => {
    const directory = directoryOf(request);
    const target = await outboundOf(request).targets.get(directory, request.params.id);
    reply.header('cache-control', 'no-store');
    return show(request, reply, `full sync of ${target.name}`, syncPage({ directory, csrfToken: session(request).csrfToken, target }));
  });

  // ---- webhooks ----

  const renderWebhook = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: { newSecret?: string; values?: WebhookFormValues; error?: string } = {}, status = 200) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const webhook = await outbound.webhooks.get(directory, id);
    const [lanes, log] = await Promise.all([outbound.lanes(directory, 'webhook', webhook.id), logPage(request, 'webhook', webhook.id)]);
    // A page showing a signing secret must not be kept by any cache.
    if (extra.newSecret) reply.header('cache-control', 'no-store');
    return show(request, reply, `webhook ${webhook.name}`, webhookPage({ directory, csrfToken: session(request).csrfToken, webhook, lanes, ...log, ...extra }), status);
  };

  app.get('/outbound/webhooks/new', (request, reply) =>
    show(request, reply, 'add a webhook', webhookFormPage({ directory: directoryOf(request), csrfToken: session(request).csrfToken, values: emptyWebhookForm() })),
  );

  app.post('/outbound/webhooks', async (request, reply) => {
    const directory = directoryOf(request);
    const values = readWebhookForm(request.body);
    try {
      const { webhook, secret } = await outboundOf(request).webhooks.add(directory, {
        url: values.url,
        ...(values.name ? { name: values.name } : {}),
        events: webhookEvents(values),
        enabled: values.enabled,
      });
      return renderWebhook(request, reply, webhook.id, { newSecret: secret }, 201);
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      const body = webhookFormPage({ directory, csrfToken: session(request).csrfToken, values, error: error.message });
      return show(request, reply, 'add a webhook', body, error.status === 409 ? 409 : 400);
    }
  });

  app.get<IdParams>('/outbound/webhooks/:id', (request, reply) => renderWebhook(request, reply, request.params.id));

  app.post<IdParams>('/outbound/webhooks/:id', async (request, reply) => {
    const directory = directoryOf(request);
    const outbound = outboundOf(request);
    const current = await outbound.webhooks.get(directory, request.params.id);
    const values = readWebhookForm(request.body);
    try {
      await outbound.webhooks.update(directory, current.id, { url: values.url, name: values.name, events: webhookEvents(values), enabled: values.enabled });
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      return renderWebhook(request, reply, current.id, { values, error: error.message }, error.status === 409 ? 409 : 400);
    }
    setFlash(reply, request, { kind: 'ok', text: `Webhook “${values.name}” saved.` });
    return redirect(reply, webhookPath(directory, current));
  });

  app.post<IdParams>('/outbound/webhooks/:id/test', async (request, reply) => {
    const directory = directoryOf(request);
    const webhook = await outboundOf(request).webhooks.get(directory, request.params.id);
    const result = await outboundOf(request).webhooks.sendTest(directory, webhook.id);
    setFlash(reply, request, result.ok ? { kind: 'ok', text: `Test event sent: ${result.message}.` } : { kind: 'error', text: `The test event was not accepted: ${result.message}` });
    return redirect(reply, `${webhookPath(directory, webhook)}#deliveries`);
  });

  app.post<IdParams>('/outbound/webhooks/:id/rotate', async (request, reply) => {
    const directory = directoryOf(request);
    const webhook = await outboundOf(request).webhooks.get(directory, request.params.id);
    const secret = await outboundOf(request).webhooks.rotateSecret(directory, webhook.id);
    return renderWebhook(request, reply, webhook.id, { newSecret: secret });
  });

  app.post<IdParams>('/outbound/webhooks/:id/remove', async (request, reply) => {
    const directory = directoryOf(request);
    const webhook = await outboundOf(request).webhooks.get(directory, request.params.id);
    await outboundOf(request).webhooks.remove(directory, webhook.id);
    setFlash(reply, request, { kind: 'ok', text: `Webhook “${webhook.name}” removed.` });
    return redirect(reply, outboundPath(directory));
  });

  // ---- retry, for both ----

  for (const kind of ['scim', 'webhook'] as const) {
    const segment = kind === 'scim' ? 'targets' : 'webhooks';
    app.post<IdParams>(`/outbound/${segment}/:id/retry`, async (request, reply) => {
      const directory = directoryOf(request);
      const outbound = outboundOf(request);
      const view = kind === 'scim' ? await outbound.targets.get(directory, request.params.id) : await outbound.webhooks.get(directory, request.params.id);
      const resource = field(request.body, 'resource').slice(0, 200);
      const count = await outbound.retry(directory, kind, view.id, resource || undefined);
      setFlash(
        reply,
        request,
        count === 0
          ? { kind: 'info', text: 'Nothing was waiting.' }
          : { kind: 'ok', text: `${count} ${count === 1 ? 'resource' : 'resources'} will be delivered again in a moment.` },
      );
      return redirect(reply, `${kind === 'scim' ? targetPath(directory, view) : webhookPath(directory, view)}#waiting`);
    });
  }
}
