import { PATCH_OP_SCHEMA } from '../protocol/messages.js';
import { DeliveryError, errorFor, send, TargetAuthorizer, type HttpResponse } from './http-client.js';
import type { TargetAuthConfig, TargetCredentials } from './types.js';

// A SCIM 2.0 client for one target: the few requests outbound sync makes. Every request names this directory
// in `X-Roster-Origin`, so a Roster target records where the change came from and never sends it back here.

export type RemoteResource = Record<string, unknown> & { id: string };
export type ResourcePath = 'Users' | 'Groups';
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

export interface ScimClientOptions {
  baseUrl: string;
  auth: TargetAuthConfig;
  credentials: TargetCredentials;
  timeoutMs: number;
  /** This directory's peer id, sent as X-Roster-Origin. */
  originId: string;
  /** Told about every exchange (for the delivery log and tests). */
  onExchange?: (exchange: { method: string; path: string; status?: number; durationMs: number }) => void;
}

export class ScimClient {
  private readonly authorizer: TargetAuthorizer;
  private readonly base: string;

  constructor(private readonly options: ScimClientOptions) {
    this.authorizer = new TargetAuthorizer(options.auth, options.credentials, options.timeoutMs);
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** One request; a 401 with an OAuth token is tried once more with a fresh token. */
  async request(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      const headers: Record<string, string> = {
        accept: 'application/scim+json, application/json',
        'x-roster-origin': this.options.originId,
      };
      const authorization = await this.authorizer.header();
      if (authorization) headers.authorization = authorization;
      if (body !== undefined) headers['content-type'] = 'application/scim+json';
      let response: HttpResponse | undefined;
      try {
        response = await send({ method, url: `${this.base}${path}`, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: this.options.timeoutMs });
      } finally {
        this.options.onExchange?.({ method, path, status: response?.status, durationMs: Date.now() - started });
      }
      if (response.status === 401 && attempt === 0 && this.authorizer.invalidate()) continue;
      return response;
    }
  }

  /** The request, which must answer 2xx (or one of `allowed`); otherwise its DeliveryError. */
  async expect(method: string, path: string, body: unknown, what: string, allowed: number[] = []): Promise<HttpResponse> {
    const response = await this.request(method, path, body);
    if ((response.status >= 200 && response.status < 300) || allowed.includes(response.status)) return response;
    throw errorFor(response, what);
  }

  async create(type: ResourcePath, doc: unknown, what: string): Promise<{ created?: RemoteResource; conflict?: true }> {
    const response = await this.expect('POST', `/${type}`, doc, what, [409]);
    if (response.status === 409) return { conflict: true };
    const id = (response.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || id === '') throw new DeliveryError(`${what}: the target answered ${response.status} without an id`, false, response.status);
    return { created: response.body as RemoteResource };
  }

  /** PUT; undefined when the resource is gone there (404). */
  async replace(type: ResourcePath, id: string, doc: unknown, what: string): Promise<HttpResponse | undefined> {
    const response = await this.expect('PUT', `/${type}/${encodeURIComponent(id)}`, doc, what, [404]);
    return response.status === 404 ? undefined : response;
  }

  /** PATCH; undefined when the resource is gone there (404). */
  async patch(type: ResourcePath, id: string, operations: PatchOperation[], what: string): Promise<HttpResponse | undefined> {
    const response = await this.expect('PATCH', `/${type}/${encodeURIComponent(id)}`, { schemas: [PATCH_OP_SCHEMA], Operations: operations }, what, [404]);
    return response.status === 404 ? undefined : response;
  }

  /** DELETE; a resource already gone (404) counts as deleted. */
  async delete(type: ResourcePath, id: string, what: string): Promise<void> {
    await this.expect('DELETE', `/${type}/${encodeURIComponent(id)}`, undefined, what, [404]);
  }

  async get(type: ResourcePath, id: string, what: string): Promise<RemoteResource | undefined> {
    const response = await this.expect('GET', `/${type}/${encodeURIComponent(id)}`, undefined, what, [404]);
    return response.status === 404 ? undefined : (response.body as RemoteResource);
  }

  /** The one resource whose attribute equals the value (case as the target compares it), if any. */
  async findBy(type: ResourcePath, attribute: string, value: string, what: string): Promise<RemoteResource | undefined> {
    const filter = `${attribute} eq "${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const response = await this.expect('GET', `/${type}?filter=${encodeURIComponent(filter)}&startIndex=1&count=2`, undefined, what);
    const resources = (response.body as { Resources?: unknown } | undefined)?.Resources;
    if (!Array.isArray(resources)) return undefined;
    const found = resources.filter((r): r is RemoteResource => !!r && typeof r === 'object' && typeof (r as { id?: unknown }).id === 'string');
    return found.length === 1 ? found[0] : undefined;
  }

  /**
   * Pages through a whole resource type (startIndex paging, as every SCIM server supports). `removed` counts the
   * resources the caller has deleted there so far: those of the page just read move the later ones up by as many.
   */
  async *list(type: ResourcePath, pageSize = 100, removed: () => number = () => 0): AsyncGenerator<{ resources: RemoteResource[]; total: number }> {
    let startIndex = 1;
    for (;;) {
      const response = await this.expect('GET', `/${type}?startIndex=${startIndex}&count=${pageSize}`, undefined, `list ${type}`);
      const body = (response.body ?? {}) as { Resources?: unknown; totalResults?: unknown };
      const resources = (Array.isArray(body.Resources) ? body.Resources : []).filter(
        (r): r is RemoteResource => !!r && typeof r === 'object' && typeof (r as { id?: unknown }).id === 'string',
      );
      const total = Number(body.totalResults ?? resources.length);
      const removedBefore = removed();
      yield { resources, total };
      const gone = removed() - removedBefore;
      startIndex += resources.length - gone;
      if (resources.length === 0 || startIndex > total - gone) return;
    }
  }
}
