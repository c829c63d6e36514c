// Which identity provider sent a SCIM request, for the provisioning log. Pure: it reads a summary of the request
// (never stores it) and never throws, whatever the body holds.
//
// Signals, strongest first:
// 1. A User-Agent that names the client. Okta documents `Okta SCIM Client 1.0.0` on every request; Entra's
//    provisioning service identifies itself as `Microsoft Azure AD SCIM provisioning ...` (what GitHub's SCIM
//    endpoint keys on); the others are matched on their product name (OneLogin connectors are often configured
//    with `User-Agent: OneLogin SCIM`).
// 2. Request shapes only one client produces: Entra's `aadOptscim062020` URL flag, its capitalised PATCH op
//    names, its ADSCIM group schema URI and its test-connection lookup of a random GUID; Okta's own ids as
//    `externalId` (`00u…`/`00g…`, 20 characters) and its fixed credential test `GET /Users?startIndex=1&count=2`;
//    OneLogin's `urn:scim:schemas:core:1.0` templates.
// 3. What earlier requests with the same token were recognised as.
// 4. The token's label, which an administrator usually names after the IdP ("Okta production").
// 5. A generic Java client (`Apache-HttpClient`), which is how PingFederate's provisioner shows up.

export type ClientName = 'okta' | 'entra' | 'onelogin' | 'jumpcloud' | 'ping' | 'google';

export const CLIENT_NAMES: readonly ClientName[] = ['okta', 'entra', 'onelogin', 'jumpcloud', 'ping', 'google'];

/** How each client is called in messages. */
export const CLIENT_LABELS: Record<ClientName, string> = {
  okta: 'Okta',
  entra: 'Microsoft Entra ID',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  ping: 'Ping Identity',
  google: 'Google Workspace',
};

export type RecognitionSignal = 'user-agent' | 'request' | 'previous-request' | 'token-label';

export interface Recognition {
  client: ClientName;
  via: RecognitionSignal;
}

/** What recognition looks at. `path` is relative to the SCIM base URL (`/Users`, `/Groups/{id}`). */
export interface RequestShape {
  userAgent?: string;
  method: string;
  path: string;
  /** Query parameters by name as sent (any case); values as the HTTP layer parsed them. */
  query?: Record<string, unknown>;
  body?: unknown;
  tokenLabel?: string;
  /** What earlier requests with the same token were recognised as (Bulk operations carry no User-Agent). */
  previous?: ClientName;
}

/** Names in a User-Agent (or a token label) that identify a client. Word boundaries keep `Oktoberfest` out. */
const NAMED: [ClientName, RegExp][] = [
  ['okta', /\bokta\b/i],
  ['entra', /\bazure\s*ad\b|\baad\b|\bentra\b|microsoft.*(scim|provisioning|identity)/i],
  ['onelogin', /\bone\s*login\b/i],
  ['jumpcloud', /\bjump\s*cloud\b/i],
  ['ping', /\bping\s*(federate|one|identity)\b|\bpingidentity\b/i],
  ['google', /\bgoogle\b/i],
];

/** Token labels are written by people: `Entra prod`, `Azure`, `AAD sync`, `Ping`, `Google Workspace`. */
const LABELS: [ClientName, RegExp][] = [
  ['okta', /okta/i],
  ['entra', /entra|azure|\baad\b|microsoft/i],
  ['onelogin', /one\s*login/i],
  ['jumpcloud', /jump\s*cloud/i],
  ['ping', /\bping/i],
  ['google', /google|g\s*suite|workspace/i],
];

const GENERIC_PING = /^apache-httpclient\//i;

const ENTRA_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/resourcemanagement/adscim/2.0/group';
const ONELOGIN_SCHEMA = 'urn:scim:schemas:core:1.0';
const OKTA_ID = /^00[ug][0-9A-Za-z]{17}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENTRA_TEST_FILTER = /^\s*userName\s+eq\s+"?([0-9a-f-]{36})"?\s*$/i;
/** A User-Agent longer than this is not worth reading (and may be hostile). */
const MAX_AGENT = 512;

export function recognizeClient(request: RequestShape): Recognition | undefined {
  try {
    const agent = typeof request.userAgent === 'string' ? request.userAgent.slice(0, MAX_AGENT) : '';
    const named = matchName(agent, NAMED);
    if (named) return { client: named, via: 'user-agent' };
    const shaped = fromShape(request);
    if (shaped) return { client: shaped, via: 'request' };
    if (request.previous && CLIENT_NAMES.includes(request.previous)) return { client: request.previous, via: 'previous-request' };
    const label = typeof request.tokenLabel === 'string' ? matchName(request.tokenLabel.slice(0, MAX_AGENT), LABELS) : undefined;
    if (label) return { client: label, via: 'token-label' };
    if (GENERIC_PING.test(agent)) return { client: 'ping', via: 'user-agent' };
  } catch {
    // Recognition is best effort: a body no rule expected never costs the log its row.
  }
  return undefined;
}

/** A client as people name it on the command line: `okta`, `entra`, `azure`, `aad`, `Google Workspace`. */
export function clientFromName(text: string): ClientName | undefined {
  const value = text.trim().toLowerCase();
  if ((CLIENT_NAMES as readonly string[]).includes(value)) return value as ClientName;
  return matchName(value, LABELS);
}

function matchName(text: string, table: [ClientName, RegExp][]): ClientName | undefined {
  if (!text) return undefined;
  return table.find(([, pattern]) => pattern.test(text))?.[0];
}

function fromShape(request: RequestShape): ClientName | undefined {
  const query = isObject(request.query) ? request.query : {};
  const keys = Object.keys(query).map((k) => k.toLowerCase());
  if (keys.includes('aadoptscim062020')) return 'entra';

  const method = request.method.toUpperCase();
  const path = request.path.replace(/\/+$/, '');
  if (method === 'GET' && /^\/users$/i.test(path)) {
    const filter = stringParam(query, 'filter');
    const guid = filter !== undefined ? ENTRA_TEST_FILTER.exec(filter)?.[1] : undefined;
    if (guid && GUID.test(guid)) return 'entra';
    if (keys.length === 2 && stringParam(query, 'startindex') === '1' && stringParam(query, 'count') === '2') return 'okta';
  }

  const body = request.body;
  if (!isObject(body)) return undefined;
  const schemas = field(body, 'schemas');
  if (Array.isArray(schemas)) {
    const uris = schemas.slice(0, 20).filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase());
    if (uris.includes(ENTRA_GROUP_SCHEMA)) return 'entra';
    if (uris.includes(ONELOGIN_SCHEMA)) return 'onelogin';
  }
  const externalId = field(body, 'externalId');
  if (typeof externalId === 'string' && OKTA_ID.test(externalId)) return 'okta';
  const operations = field(body, 'Operations');
  if (Array.isArray(operations)) {
    // Entra's default PATCH behaviour capitalises op names ("Replace"); everyone else sends lower case.
    const capitalised = operations
      .slice(0, 100)
      .some((op) => isObject(op) && typeof field(op, 'op') === 'string' && /^(Add|Replace|Remove)$/.test(field(op, 'op') as string));
    if (capitalised) return 'entra';
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A member of a JSON object by case-insensitive name, own properties only. */
function field(object: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === wanted) return object[key];
  return undefined;
}

function stringParam(query: Record<string, unknown>, lowerName: string): string | undefined {
  const value = field(query, lowerName);
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}
