import type { Directory } from '../directory/tenants.js';
import { fold } from '../storage/database.js';
import { checkUrl, EndpointCollection, type EndpointRow, type EndpointStore } from './endpoints.js';
import { deliverWebhook, testEventPayload } from './webhook-delivery.js';
import { newWebhookSecret, webhookKey } from './webhook-signing.js';
import { OutboundError, WEBHOOK_EVENTS, type TestResult, type WebhookConfig, type WebhookInput, type WebhookView } from './types.js';
import { DeliveryError } from './http-client.js';
import { DeliveryLog } from './delivery-log.js';

// Webhook endpoints of a directory. The signing secret is shown once, when the endpoint is made (or its secret
// rotated), and stored sealed; it is never returned again.

export class Webhooks extends EndpointCollection<WebhookView> {
  constructor(store: EndpointStore, timeoutMs: number) {
    super(store, 'webhook', timeoutMs);
  }

  /** Saves an endpoint; the answer carries its signing secret, the one time it is shown. */
  async add(directory: Directory, input: WebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    const url = checkUrl(input.url, 'The webhook URL');
    const events = checkEvents(input.events);
    const secret = input.secret ?? newWebhookSecret();
    if (!webhookKey(secret)) throw new OutboundError('A webhook secret is "whsec_" followed by the base64 of 24 to 64 random bytes');
    let name = input.name?.trim() || new URL(url).host + new URL(url).pathname.replace(/\/$/, '');
    if (name.length > 100) name = name.slice(0, 100);
    if (await this.store.nameTaken(directory, 'webhook', name)) {
      if (input.name) await this.store.freeName(directory, 'webhook', name);
      name = `${name} (${await this.nextFree(directory, name)})`;
    }
    const row = await this.store.insert(directory, 'webhook', { name, url, config: { events } satisfies WebhookConfig, enabled: input.enabled !== false, secret: { secret } });
    return { webhook: await this.view(directory, row), secret };
  }

  async update(directory: Directory, idOrName: string, changes: { url?: string; events?: string[]; enabled?: boolean; name?: string }): Promise<WebhookView> {
    const row = await this.store.require(directory, 'webhook', idOrName);
    const next: Partial<EndpointRow> = { updated: new Date().toISOString() };
    if (changes.url !== undefined) next.url = checkUrl(changes.url, 'The webhook URL');
    if (changes.events !== undefined) next.config = JSON.stringify({ events: checkEvents(changes.events) } satisfies WebhookConfig);
    if (changes.enabled !== undefined) next.enabled = changes.enabled ? 1 : 0;
    if (changes.name !== undefined) {
      const name = changes.name.trim();
      if (!name || name.length > 100) throw new OutboundError('A webhook name is 1 to 100 characters');
      next.name = await this.store.freeName(directory, 'webhook', name, row.id);
      next.name_ci = fold(name);
    }
    await this.store.save(row, next);
    return this.get(directory, row.id);
  }

  /** A new signing secret, returned once; the old one stops working at once. */
  async rotateSecret(directory: Directory, idOrName: string, secret = newWebhookSecret()): Promise<string> {
    const row = await this.store.require(directory, 'webhook', idOrName);
    if (!webhookKey(secret)) throw new OutboundError('A webhook secret is "whsec_" followed by the base64 of 24 to 64 random bytes');
    await this.store.save(row, { secret: this.store.seal(row, { secret }) });
    return secret;
  }

  /** Sends a signed `roster.test` event now and records it in the endpoint's delivery log. */
  async sendTest(directory: Directory, idOrName: string): Promise<TestResult> {
    const row = await this.store.require(directory, 'webhook', idOrName);
    const started = Date.now();
    const log = new DeliveryLog(this.store.storage);
    const { id, payload } = testEventPayload(directory);
    try {
      const status = await deliverWebhook({ url: row.url, secret: this.store.openWebhookSecret(row), messageId: id, payload, timeoutMs: this.timeoutMs });
      const durationMs = Date.now() - started;
      await log.record(row, { event: 'roster.test', outcome: 'delivered', httpStatus: status, attempt: 1, durationMs, message: 'test event' });
      return { ok: true, status, durationMs, message: `The endpoint accepted the test event (HTTP ${status})` };
    } catch (error) {
      const e = error instanceof DeliveryError ? error : new DeliveryError((error as Error).message, false);
      const durationMs = Date.now() - started;
      await log.record(row, { event: 'roster.test', outcome: 'failed', httpStatus: e.status ?? null, attempt: 1, durationMs, message: e.message });
      return { ok: false, ...(e.status !== undefined ? { status: e.status } : {}), durationMs, message: e.message };
    }
  }

  private async nextFree(directory: Directory, name: string): Promise<number> {
    let n = 2;
    while (await this.store.nameTaken(directory, 'webhook', `${name} (${n})`)) n++;
    return n;
  }

  async view(_directory: Directory, row: EndpointRow): Promise<WebhookView> {
    const config = JSON.parse(row.config) as WebhookConfig;
    return { kind: 'webhook', ...(await this.commonView(row)), events: config.events };
  }
}

function checkEvents(events: string[] | undefined): string[] {
  const list = (events ?? ['*']).map((e) => e.trim()).filter(Boolean);
  if (list.length === 0 || list.includes('*')) return ['*'];
  for (const event of list) {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(event)) throw new OutboundError(`Unknown event type "${event}": use ${WEBHOOK_EVENTS.join(', ')} or *`);
  }
  return [...new Set(list)];
}

export function wantsEvent(config: WebhookConfig, event: string): boolean {
  return config.events.includes('*') || config.events.includes(event);
}
