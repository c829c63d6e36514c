// Row types of outbound sync and webhooks (see migrations/006-outbound.ts).

/** A SCIM target (`kind` 'scim') or a webhook endpoint ('webhook') of one directory. */
export interface OutboundEndpointsTable {
  directory_id: string;
  id: string;
  kind: 'scim' | 'webhook';
  name: string;
  name_ci: string; // folded, unique per directory and kind
  url: string;
  config: string; // JSON, never a secret (see outbound/types.ts)
  secret: string | null; // sealed with AES-256-GCM (outbound/secrets.ts)
  enabled: number; // 0 or 1
  cursor_seq: number; // every change up to this seq is delivered, skipped, or waits in a lane
  failures: number; // consecutive transient failures: the endpoint's own backoff
  retry_at: string | null; // nothing is attempted before this time
  last_error: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  sync_requested_at: string | null; // a full sync asked for (console button); the worker runs it
  sync_state: string | null; // JSON progress or result of the last full sync
  last_full_sync_at: string | null;
  created: string;
  updated: string;
}

/** The target's id for a resource of the directory. */
export interface OutboundLinksTable {
  directory_id: string;
  endpoint_id: string;
  resource_id: string;
  resource_type: 'User' | 'Group';
  remote_id: string;
  detached: number; // 1: deactivated on the target because the person left the target's scope
  created: string;
}

/** The changes of one resource that wait for delivery, from next_seq on. */
export interface OutboundLanesTable {
  directory_id: string;
  endpoint_id: string;
  resource_id: string;
  resource_type: 'User' | 'Group';
  resource_name: string | null;
  next_seq: number;
  state: 'retrying' | 'failed';
  attempts: number;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  first_failed_at: string;
  updated: string;
}

/** One delivery attempt. */
export interface OutboundDeliveriesTable {
  directory_id: string;
  endpoint_id: string;
  id: string; // time-ordered
  time: string;
  seq: number | null; // the change delivered (null for tests and full syncs)
  event: string;
  resource_type: string | null;
  resource_id: string | null;
  resource_name: string | null;
  outcome: 'delivered' | 'retrying' | 'failed' | 'skipped';
  http_status: number | null;
  attempt: number;
  duration_ms: number;
  message: string | null;
}

export interface OutboundTables {
  outbound_endpoints: OutboundEndpointsTable;
  outbound_links: OutboundLinksTable;
  outbound_lanes: OutboundLanesTable;
  outbound_deliveries: OutboundDeliveriesTable;
}
