import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError, badRequest } from '../protocol/errors.js';
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA } from '../protocol/messages.js';
import type { HttpLimits } from './limits.js';
import { sendScim } from './scim-reply.js';

// RFC 7644 section 3.7. Each operation is dispatched through the server itself (fastify's inject), so it gets
// exactly the validation, authorisation and answers of the single request it stands for.

interface BulkOperation {
  method: string;
  bulkId?: string;
  version?: string;
  path: string;
  data?: unknown;
}

const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BULK_REF = /^bulkId:(.+)$/;

export async function handleBulk(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, limits: HttpLimits) {
  const body = request.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('invalidSyntax', 'A bulk request body must be a JSON object');
  const field = (name: string) => body[Object.keys(body).find((k) => k.toLowerCase() === name) ?? name];
  const schemas = field('schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())) {
    throw badRequest('invalidSyntax', `A bulk request must list "${BULK_REQUEST_SCHEMA}" in "schemas"`);
  }
  const operations = field('operations');
  if (!Array.isArray(operations)) throw badRequest('invalidSyntax', '"Operations" must be an array');
  if (operations.length > limits.bulkMaxOperations) {
    throw new ScimError(413, undefined, `A bulk request may carry at most ${limits.bulkMaxOperations} operations`);
  }
  const failOnErrors = field('failonerrors');
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw badRequest('invalidValue', '"failOnErrors" must be a positive integer');
  }

  const ids = new Map<string, string>();
  const results: Record<string, unknown>[] = [];
  let errors = 0;
  const prefix = request.url.slice(0, request.url.indexOf('/Bulk'));

  for (const [index, raw] of operations.entries()) {
    if (failOnErrors !== undefined && errors >= (failOnErrors as number)) break;
    const outcome = await runOperation(app, request, prefix, raw, index, ids);
    if (Number(outcome.status) >= 400) errors++;
    results.push(outcome);
  }
  return sendScim(reply, 200, { schemas: [BULK_RESPONSE_SCHEMA], Operations: results });
}

async function runOperation(
  app: FastifyInstance,
  request: FastifyRequest,
  prefix: string,
  raw: unknown,
  index: number,
  ids: Map<string, string>,
): Promise<Record<string, unknown>> {
  let op: BulkOperation;
  try {
    op = readOperation(raw, index);
    op = { ...op, path: substitute(op.path, ids) as string, data: substitute(op.data, ids) };
  } catch (error) {
    const e = error instanceof ScimError ? error : badRequest('invalidValue', String(error));
    const method = (raw as { method?: unknown })?.method;
    const bulkId = (raw as { bulkId?: unknown })?.bulkId;
    return {
      ...(typeof method === 'string' ? { method: method.toUpperCase() } : {}),
      ...(typeof bulkId === 'string' ? { bulkId } : {}),
      status: String(e.status),
      response: e.toBody(),
    };
  }
  // Marked so the provisioning log records each operation as part of a Bulk request.
  const headers: Record<string, string> = { 'x-roster-bulk': '1' };
  if (request.headers.authorization) headers.authorization = request.headers.authorization;
  if (request.headers.host) headers.host = request.headers.host;
  // The operations act for the same client as the Bulk request (recorded in history and the log).
  if (typeof request.headers['user-agent'] === 'string') headers['user-agent'] = request.headers['user-agent'];
  if (typeof request.headers['x-roster-origin'] === 'string') headers['x-roster-origin'] = request.headers['x-roster-origin'];
  if (op.version) headers['if-match'] = op.version;
  if (op.data !== undefined) headers['content-type'] = 'application/scim+json';
  const response = await app.inject({
    method: op.method as 'POST',
    url: `${prefix}${op.path}`,
    headers,
    ...(op.data !== undefined ? { payload: JSON.stringify(op.data) } : {}),
  });
  const parsed = response.body ? safeJson(response.body) : undefined;
  const result: Record<string, unknown> = { method: op.method };
  if (op.bulkId !== undefined) result.bulkId = op.bulkId;
  const meta = (parsed as { meta?: { location?: string; version?: string } } | undefined)?.meta;
  if (meta?.version) result.version = meta.version;
  if (meta?.location) result.location = meta.location;
  else if (op.method !== 'POST' && response.statusCode < 400) result.location = `${request.scope.base}${op.path}`;
  result.status = String(response.statusCode);
  if (response.statusCode >= 400) result.response = parsed;
  if (op.method === 'POST' && op.bulkId !== undefined && response.statusCode === 201) {
    ids.set(op.bulkId, (parsed as { id: string }).id);
  }
  return result;
}

function readOperation(raw: unknown, index: number): BulkOperation {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('invalidSyntax', `Operations[${index}] must be an object`);
  const o = raw as Record<string, unknown>;
  const get = (name: string) => o[Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name];
  const method = typeof get('method') === 'string' ? (get('method') as string).toUpperCase() : '';
  if (!METHODS.has(method)) throw badRequest('invalidValue', `Operations[${index}].method must be POST, PUT, PATCH or DELETE`);
  const path = get('path');
  if (typeof path !== 'string' || !/^\/(Users|Groups)(\/[^/?#]+)?$/.test(path)) {
    throw badRequest('invalidValue', `Operations[${index}].path must be /Users, /Groups or one resource under them`);
  }
  const bulkId = get('bulkId');
  if (method === 'POST' && (typeof bulkId !== 'string' || bulkId === '')) throw badRequest('invalidValue', `Operations[${index}] is a POST and needs a bulkId`);
  if (bulkId !== undefined && typeof bulkId !== 'string') throw badRequest('invalidValue', `Operations[${index}].bulkId must be a string`);
  if (method === 'POST' && /\/[^/]+\/[^/]+$/.test(path)) throw badRequest('invalidValue', `Operations[${index}]: POST goes to /Users or /Groups`);
  if (method !== 'POST' && !/\/[^/]+\/[^/]+$/.test(path)) throw badRequest('invalidValue', `Operations[${index}]: ${method} needs a resource path such as /Users/{id}`);
  const version = get('version');
  return { method, path, bulkId: bulkId as string | undefined, version: typeof version === 'string' ? version : undefined, data: get('data') };
}

/** Replaces `bulkId:x` references (whole strings, anywhere in the data or in the path) with created ids. */
function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') {
    const pathRef = /^(\/(?:Users|Groups)\/)bulkId:(.+)$/.exec(value);
    if (pathRef) return pathRef[1] + resolve(pathRef[2], ids);
    const ref = BULK_REF.exec(value);
    return ref ? resolve(ref[1], ids) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  }
  return value;
}

function resolve(bulkId: string, ids: Map<string, string>): string {
  const id = ids.get(bulkId);
  if (id === undefined) throw new ScimError(409, 'invalidValue', `bulkId "${bulkId}" does not refer to a resource created earlier in this request`);
  return id;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
