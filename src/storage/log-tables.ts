// Row types of the provisioning log (see migrations/002-provisioning-log.ts).

/**
 * One SCIM request, as recorded after its answer was sent. Never the request body, never a token: only what a
 * person needs to see what an identity provider did (`summary`) and how it went (`status`, `error_detail`).
 */
export interface ProvisioningLogTable {
  directory_id: string;
  time: string; // ISO 8601 UTC, millisecond precision: the moment the request arrived
  id: string; // time-ordered within one process (see directory/provisioning-log.ts); breaks ties of `time`
  request_id: string | null;
  token_id: string | null;
  token_label: string | null;
  client: string | null; // 'okta', 'entra', ... (protocol/clients.ts); null when not recognised
  user_agent: string | null; // truncated
  method: string;
  path: string; // URL path and query, with secret-looking query parameters redacted
  operation: string; // create, update, deactivate, ... (http/request-summary.ts)
  resource_type: string | null; // 'User' | 'Group'
  resource_id: string | null;
  resource_name: string | null; // userName or displayName, as known
  resource_name_ci: string | null; // folded copy for case-insensitive lookups
  summary: string;
  status: number;
  duration_ms: number;
  error_type: string | null; // the scimType of an error answer
  error_detail: string | null; // the `detail` of an error answer
}

export interface ProvisioningLogTables {
  provisioning_log: ProvisioningLogTable;
}
