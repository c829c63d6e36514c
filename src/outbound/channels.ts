import type { ChangeRecord } from '../directory/history.js';
import type { Roster } from '../directory/roster.js';
import type { Directory } from '../directory/tenants.js';
import type { EndpointRow, EndpointStore } from './endpoints.js';
import { LinkStore } from './links.js';
import { TargetPeople } from './people-scope.js';
import { ScimClient } from './scim-client.js';
import { isMemberEvent, ScimDeliverer, type DeliveryResult } from './scim-delivery.js';
import type { OutboundSettings } from './settings.js';
import type { TargetConfig, WebhookConfig } from './types.js';
import { changeMessage, deliverWebhook } from './webhook-delivery.js';
import { wantsEvent } from './webhooks.js';

// How the delivery worker talks to one endpoint, whatever its kind: which changes it wants, which go together in
// one delivery, and the delivery itself. A SCIM target never receives a change that came from it (its peer id).

export interface Channel {
  wants(change: ChangeRecord): boolean;
  /** Whether `next` can join the run (one delivery): member changes of one group, for SCIM targets. */
  joins(run: ChangeRecord[], next: ChangeRecord): boolean;
  deliver(run: ChangeRecord[]): Promise<DeliveryResult>;
  /** The HTTP status of the last exchange, for the delivery log. */
  lastStatus(): number | undefined;
}

const MAX_RUN = 1000;

export function openChannel(roster: Roster, store: EndpointStore, settings: OutboundSettings, directory: Directory, row: EndpointRow): Channel {
  return row.kind === 'webhook' ? webhookChannel(store, settings, directory, row) : scimChannel(roster, store, settings, directory, row);
}

export function scimDelivererFor(roster: Roster, store: EndpointStore, settings: OutboundSettings, directory: Directory, row: EndpointRow, onStatus?: (status?: number) => void): ScimDeliverer {
  const config = JSON.parse(row.config) as TargetConfig;
  const client = new ScimClient({
    baseUrl: row.url,
    auth: config.auth,
    credentials: store.openCredentials(row),
    timeoutMs: settings.requestTimeoutMs,
    originId: directory.id,
    onExchange: (exchange) => onStatus?.(exchange.status),
  });
  return new ScimDeliverer(roster, directory, config, client, new LinkStore(store.storage, directory.id, row.id), new TargetPeople(store.storage, directory.id, config.people));
}

function scimChannel(roster: Roster, store: EndpointStore, settings: OutboundSettings, directory: Directory, row: EndpointRow): Channel {
  let status: number | undefined;
  const deliverer = scimDelivererFor(roster, store, settings, directory, row, (s) => (status = s));
  const peerId = deliverer.config.peerId;
  const wants = (change: ChangeRecord) => !(peerId && change.actor.origin === peerId);
  return {
    wants,
    joins: (run, next) =>
      run.length < MAX_RUN && next.resourceId === run[0].resourceId && isMemberEvent(run[0].event) && isMemberEvent(next.event) && wants(next),
    deliver: (run) => {
      status = undefined;
      return deliverer.deliver(run);
    },
    lastStatus: () => status,
  };
}

function webhookChannel(store: EndpointStore, settings: OutboundSettings, directory: Directory, row: EndpointRow): Channel {
  const config = JSON.parse(row.config) as WebhookConfig;
  let secret: string | undefined;
  let status: number | undefined;
  return {
    wants: (change) => wantsEvent(config, change.event),
    joins: () => false,
    async deliver([change]) {
      status = undefined;
      secret ??= store.openWebhookSecret(row);
      const message = changeMessage(directory, change);
      status = await deliverWebhook({ url: row.url, secret, messageId: message.id, payload: message.payload, timeoutMs: settings.requestTimeoutMs }).catch((error) => {
        status = (error as { status?: number }).status;
        throw error;
      });
      return { outcome: 'delivered', message: `${change.event} ${change.resourceName ?? change.resourceId}` };
    },
    lastStatus: () => status,
  };
}
