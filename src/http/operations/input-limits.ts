import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ScimError, badRequest } from '../../protocol/errors.js';
import type { HttpLimits } from '../limits.js';
import { isExempt } from './request-keys.js';

// Configurable limits on what one SCIM request may ask for, checked once the token was accepted and the body
// parsed, before any work: the filter's length (the parser has its own fixed ceiling, and a depth limit), the
// number of operations in a PATCH (the engine runs synchronously, so a huge PATCH would stall every tenant), and
// the number of group members one request adds, replaces or removes, Bulk requests included (this catches the
// shapes IdPs send: members in a POST/PUT body, PATCH values for `members`, and those inside Bulk operations).
// Too many members is a 413, like too many Bulk or PATCH operations: the request is too large, not wrong.

export interface InputLimitOptions {
  limits: HttpLimits;
}

async function inputLimits(app: FastifyInstance, options: InputLimitOptions): Promise<void> {
  const { maxFilterLength, maxMembersPerRequest, maxPatchOperations } = options.limits;
  app.addHook('preHandler', async (request) => {
    if (isExempt(request)) return;
    const filter = filterOf(request);
    if (typeof filter === 'string' && filter.length > maxFilterLength) {
      throw badRequest('invalidFilter', `The filter is ${filter.length} characters long; this server accepts at most ${maxFilterLength}`);
    }
    if (request.method === 'PATCH') {
      const operations = field(request.body, 'operations');
      if (Array.isArray(operations) && operations.length > maxPatchOperations) {
        throw new ScimError(413, undefined, `This PATCH has ${operations.length} operations; this server accepts at most ${maxPatchOperations} per request`);
      }
    }
    const members = membersIn(request);
    if (members > maxMembersPerRequest) {
      throw new ScimError(413, undefined, `This request changes ${members} group members; this server accepts at most ${maxMembersPerRequest} per request`);
    }
  });
}

function filterOf(request: FastifyRequest): unknown {
  if (request.method === 'GET') return field(request.query, 'filter');
  if (request.method === 'POST' && request.url.split('?')[0].endsWith('/.search')) return field(request.body, 'filter');
  return undefined;
}

/**
 * Members named by a group write: `members` of a POST/PUT body, or the member values of PATCH operations. A Bulk
 * request counts the members of all its group operations together: it is one request (each operation is also
 * checked on its own when it runs).
 */
function membersIn(request: FastifyRequest): number {
  const route = request.routeOptions.url ?? '';
  if (request.method === 'POST' && /\/Bulk$/.test(route)) {
    const operations = field(request.body, 'operations');
    if (!Array.isArray(operations)) return 0;
    let total = 0;
    for (const operation of operations) {
      const path = field(operation, 'path');
      const method = field(operation, 'method');
      if (typeof path !== 'string' || typeof method !== 'string' || !/^\/Groups(\/|$)/.test(path)) continue;
      total += groupWriteMembers(method.toUpperCase(), field(operation, 'data'));
    }
    return total;
  }
  if (!/\/Groups(\/:id)?$/.test(route)) return 0;
  return groupWriteMembers(request.method, request.body);
}

function groupWriteMembers(method: string, body: unknown): number {
  if (method === 'POST' || method === 'PUT') return count(field(body, 'members'));
  if (method !== 'PATCH') return 0;
  const operations = field(body, 'operations');
  if (!Array.isArray(operations)) return 0;
  let total = 0;
  for (const operation of operations) {
    const path = field(operation, 'path');
    const value = field(operation, 'value');
    if (typeof path === 'string' && /^\s*members\b/i.test(path)) total += count(value);
    else if (path === undefined || path === null || (typeof path === 'string' && path.trim() === '')) total += count(field(value, 'members'));
  }
  return total;
}

const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** A member of a JSON object by case-insensitive name (own properties only); undefined for anything else. */
function field(object: unknown, name: string): unknown {
  if (!object || typeof object !== 'object' || Array.isArray(object)) return undefined;
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : (object as Record<string, unknown>)[key];
}

export default fp(inputLimits, { name: 'roster-input-limits', fastify: '5.x' });
