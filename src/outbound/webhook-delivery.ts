import { randomUUID } from 'node:crypto';
import type { ChangeRecord } from '../directory/history.js';
import type { Directory } from '../directory/tenants.js';
import { changeView } from './change-view.js';
import { errorFor, send } from './http-client.js';
import { webhookHeaders } from './webhook-signing.js';

// One webhook message: a Standard Webhooks payload `{ type, timestamp, data }`, signed, POSTed as JSON. Its id is
// the same on every retry (`msg_<directory>_<seq>`), so receivers can drop duplicates.

export interface WebhookMessage {
  id: string;
  payload: Record<string, unknown>;
}

export function changeMessage(directory: Directory, record: ChangeRecord): WebhookMessage {
  return {
    id: `msg_${directory.id.replace(/-/g, '')}_${record.seq}`,
    payload: { type: record.event, timestamp: record.time, data: { directory: directory.slug, ...changeView(record) } },
  };
}

export function testEventPayload(directory: Directory): WebhookMessage {
  return {
    id: `msg_test_${randomUUID().replace(/-/g, '')}`,
    payload: { type: 'roster.test', timestamp: new Date().toISOString(), data: { directory: directory.slug, message: 'A test event from Roster' } },
  };
}

/** Delivers; resolves with the 2xx status, or rejects with a DeliveryError saying whether to retry. */
export async function deliverWebhook(options: { url: string; secret: string; messageId: string; payload: unknown; timeoutMs: number }): Promise<number> {
  const body = JSON.stringify(options.payload);
  const response = await send({
    method: 'POST',
    url: options.url,
    headers: { 'content-type': 'application/json', ...webhookHeaders(options.secret, options.messageId, body) },
    body,
    timeoutMs: options.timeoutMs,
  });
  if (response.status >= 200 && response.status < 300) return response.status;
  throw errorFor(response, `POST ${(payloadType(options.payload))}`);
}

const payloadType = (payload: unknown) => String((payload as { type?: unknown })?.type ?? 'event');
