import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ScimError, badRequest } from '../../protocol/errors.js';
import type { HttpLimits } from '../limits.js';
import { isExempt } from './request-keys.js';

// Configurable limits on what one SCIM request may ask for, checked once the token was accepted and the body
// parsed, before any work: the filter's length (the parser has its own fixed ceiling, and a depth limit), the
// number of operations in a PATCH (the engine runs synchronously, so a huge PATCH would stall every tenant), and
// the number of group members one request adds, replaces or removes. The directory service may check members more
// precisely; this catches the shapes IdPs send (members in a POST/PUT body, PATCH values for `members`).

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

/** Members named by a group write: `members` of a POST/PUT body, or the member values of PATCH operations. */
function membersIn(request: FastifyRequest): number {
  const route = request.routeOptions.url ?? '';
  if (!/\/Groups(\/:id)?$/.test(route)) return 0;
  const body = request.body;
  if (request.method === 'POST' || request.method === 'PUT') return count(field(body, 'members'));
  if (request.method !== 'PATCH') return 0;
  const operations = field(body, 'operations');
  if (!Array.isArray(operations)) return 0;
  let total = 0;
  for (const operation of operations) {
    const path = field(operation, 'path');
    const value = field(operation, 'value');
    if (typeof path === 'string' && /^\s*members\b/i.test(path)) total += count(value);
    else if (path === undefined) total += count(field(value, 'members'));
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
