import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../directory/context.js';
import type { Roster } from '../directory/roster.js';
import type { TokenInfo } from '../directory/tenants.js';
import { ScimError, notFound } from '../protocol/errors.js';
import { resourceTypeDocuments, schemaDocuments, serviceProviderConfig } from '../protocol/discovery.js';
import { listResponse, parseListQuery, parseSearchRequest, type ListQuery } from '../protocol/messages.js';
import { buildProjection, project, wantsAttribute } from '../protocol/projection.js';
import { recognizeClient } from '../protocol/clients.js';
import { schemasOf } from '../directory/schemas.js';
import { etagMatches } from '../protocol/version.js';
import { handleBulk } from './bulk.js';
import type { HttpLimits } from './limits.js';
import { groupAsStream, groupListAsStream } from './group-stream.js';
import { SCIM_CONTENT_TYPE, sendScim } from './scim-reply.js';

declare module 'fastify' {
  interface FastifyRequest {
    scope: Scope;
    token: TokenInfo;
  }
}

export interface ScimRoutesOptions {
  roster: Roster;
  limits: HttpLimits;
  /** The directory of this mount; undefined where the slug comes from the URL (`/d/:directory/scim/v2`). */
  directorySlug?: string;
  /** Fixed public origin (ROSTER_PUBLIC_URL); otherwise taken from the request's Host. */
  publicUrl?: string;
}

type Kind = 'User' | 'Group';
const bearer = /^Bearer\s+(\S+)\s*$/i;

/** The SCIM 2.0 endpoints of one directory, mounted under its base URL. */
export async function scimRoutes(app: FastifyInstance, options: ScimRoutesOptions): Promise<void> {
  const { roster, limits } = options;
  const listLimits = { defaultCount: limits.defaultCount, maxCount: limits.maxCount };

  app.addHook('onRequest', async (request) => {
    const slug = options.directorySlug ?? (request.params as { directory?: string }).directory ?? '';
    const match = bearer.exec(request.headers.authorization ?? '');
    if (!match) throw new ScimError(401, undefined, 'Send "Authorization: Bearer <token>"');
    const { directory, token } = await roster.tenants.authenticateAt(slug, match[1]);
    // One answer for "no such directory" and "bad token", so neither can be probed.
    if (!directory || !token) throw new ScimError(401, undefined, 'The bearer token is not valid for this directory');
    // Application tokens (changes:read, password:check) are for /api/v1 only.
    if (token.scope !== 'scim:read' && token.scope !== 'scim:write') throw new ScimError(403, undefined, `This token has the ${token.scope} scope, which does not give access to the SCIM API`);
    if (request.method !== 'GET' && token.scope !== 'scim:write' && !isReadOnlyPost(request)) {
      throw new ScimError(403, undefined, 'This token has the scim:read scope and cannot change anything');
    }
    const origin = options.publicUrl ?? `${request.protocol}://${request.host}`;
    const mount = directory.slug === 'default' && options.directorySlug ? '/scim/v2' : `/d/${directory.slug}/scim/v2`;
    const base = `${origin.replace(/\/$/, '')}${mount}`;
    const client = recognizeClient({
      userAgent: request.headers['user-agent'],
      method: request.method,
      path: request.url.split('?')[0].slice(request.url.indexOf(mount) + mount.length),
      query: request.query as Record<string, unknown>,
      tokenLabel: token.label,
    })?.client;
    // A peer Roster names itself, so the changes it sends are never sent back to it (no echo loops).
    const originHeader = request.headers['x-roster-origin'];
    const peer = typeof originHeader === 'string' && /^[\w.:-]{1,200}$/.test(originHeader) ? originHeader : undefined;
    request.scope = {
      directory,
      base,
      actor: { kind: 'scim', id: token.id, label: token.label, ...(client ? { client } : {}), ...(peer ? { origin: peer } : {}) },
    };
    request.token = token;
  });

  const schemaFor = (kind: Kind, request: FastifyRequest) => {
    const schemas = schemasOf(request.scope.directory);
    return kind === 'User' ? schemas.user : schemas.group;
  };
  const service = (kind: Kind) => (kind === 'User' ? roster.users : roster.groups);

  const list = async (kind: Kind, query: ListQuery, request: FastifyRequest, reply: FastifyReply) => {
    const projection = buildProjection(schemaFor(kind, request), query);
    const withRefs = wantsAttribute(projection, kind === 'User' ? 'groups' : 'members');
    const paging = (total: number, itemsPerPage: number, nextCursor?: string) => ({
      totalResults: total,
      startIndex: query.cursor !== undefined ? 1 : query.startIndex,
      itemsPerPage,
      ...(nextCursor ? { nextCursor } : {}),
    });
    if (kind === 'Group' && withRefs) {
      const { total, groups, nextCursor } = await roster.groups.listOpened(request.scope, query);
      if (groups.some((g) => g.rest)) {
        // A group with more members than one page: the list is written as it is read (group-stream.ts).
        const { Resources: _none, ...head } = listResponse([], paging(total, groups.length, nextCursor));
        return reply.code(200).type(SCIM_CONTENT_TYPE).send(groupListAsStream(projection, groups, head, request.scope.base));
      }
      return sendScim(reply, 200, listResponse(groups.map((g) => project(projection, g.resource)), paging(total, groups.length, nextCursor)));
    }
    const { total, resources, nextCursor } = await service(kind).list(request.scope, query, withRefs);
    return sendScim(reply, 200, listResponse(resources.map((r) => project(projection, r)), paging(total, resources.length, nextCursor)));
  };

  const reference = (kind: Kind, request: FastifyRequest) => {
    const query = parseListQuery(request.query as Record<string, unknown>, listLimits);
    return buildProjection(schemaFor(kind, request), query);
  };

  const sendResource = (reply: FastifyReply, status: number, resource: Record<string, unknown>, projected: Record<string, unknown>) => {
    const meta = resource.meta as { version: string; location: string };
    reply.header('etag', meta.version);
    if (status === 201) reply.header('location', meta.location);
    return sendScim(reply, status, projected);
  };

  for (const kind of ['User', 'Group'] as const) {
    const path = kind === 'User' ? '/Users' : '/Groups';

    app.get(path, (request, reply) => list(kind, parseListQuery(request.query as Record<string, unknown>, listLimits), request, reply));
    app.post(`${path}/.search`, (request, reply) => list(kind, parseSearchRequest(request.body, listLimits), request, reply));

    app.get<{ Params: { id: string } }>(`${path}/:id`, async (request, reply) => {
      const projection = reference(kind, request);
      const withRefs = wantsAttribute(projection, kind === 'User' ? 'groups' : 'members');
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch !== undefined && kind === 'Group' && withRefs) {
        // Checked before any member is read: an unchanged 100,000-member group costs one row.
        const current = await roster.groups.versionOf(request.scope, request.params.id);
        if (current !== undefined && etagMatches(ifNoneMatch, current)) return reply.code(304).header('etag', current).send();
      }
      const opened = kind === 'Group' && withRefs ? await roster.groups.stream(request.scope, request.params.id) : undefined;
      const resource = opened?.resource ?? (await service(kind).get(request.scope, request.params.id, withRefs));
      const version = (resource.meta as { version: string }).version;
      if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, version)) {
        return reply.code(304).header('etag', version).send();
      }
      if (opened?.rest) {
        // More members than one page: written as they are read, never built whole in memory.
        return reply.code(200).type(SCIM_CONTENT_TYPE).header('etag', version).send(groupAsStream(projection, opened, request.scope.base));
      }
      return sendResource(reply, 200, resource, project(projection, resource));
    });

    app.post(path, async (request, reply) => {
      const projection = reference(kind, request);
      const resource = await service(kind).create(request.scope, request.body);
      return sendResource(reply, 201, resource, project(projection, resource));
    });

    app.put<{ Params: { id: string } }>(`${path}/:id`, async (request, reply) => {
      const projection = reference(kind, request);
      const resource = await service(kind).replace(request.scope, request.params.id, request.body, ifMatch(request));
      return sendResource(reply, 200, resource, project(projection, resource));
    });

    app.patch<{ Params: { id: string } }>(`${path}/:id`, async (request, reply) => {
      const projection = reference(kind, request);
      // Group PATCH answers 204 (what Entra recommends) unless the client asked for attributes back.
      const query = request.query as Record<string, unknown>;
      const asked = Object.keys(query).some((k) => /^(attributes|excludedattributes)$/i.test(k));
      const resource =
        kind === 'Group'
          ? await roster.groups.patch(request.scope, request.params.id, request.body, ifMatch(request), asked && wantsAttribute(projection, 'members'))
          : await roster.users.patch(request.scope, request.params.id, request.body, ifMatch(request));
      if (kind === 'Group' && !asked) {
        reply.header('etag', (resource.meta as { version: string }).version);
        return reply.code(204).send();
      }
      return sendResource(reply, 200, resource, project(projection, resource));
    });

    app.delete<{ Params: { id: string } }>(`${path}/:id`, async (request, reply) => {
      await service(kind).delete(request.scope, request.params.id, ifMatch(request));
      return reply.code(204).send();
    });
  }

  // A search across both resource types: users first, then groups, paged as one list.
  app.post('/.search', async (request, reply) => {
    const query = parseSearchRequest(request.body, listLimits);
    const pages: Record<string, unknown>[] = [];
    let total = 0;
    let skip = query.startIndex - 1;
    let remaining = query.count;
    let lastError: unknown;
    let answered = 0;
    for (const kind of ['User', 'Group'] as const) {
      let result;
      try {
        const projection = buildProjection(schemaFor(kind, request), query);
        const counted = await service(kind).list(request.scope, { ...query, startIndex: 1, count: 0 }, false);
        result = { projection, total: counted.total };
      } catch (error) {
        // A filter that names attributes of only one type simply matches nothing of the other.
        if (error instanceof ScimError && error.scimType === 'invalidFilter') {
          lastError = error;
          continue;
        }
        throw error;
      }
      answered++;
      total += result.total;
      if (remaining > 0 && skip < result.total) {
        const page = await service(kind).list(
          request.scope,
          { ...query, startIndex: skip + 1, count: remaining },
          wantsAttribute(result.projection, kind === 'User' ? 'groups' : 'members'),
        );
        pages.push(...page.resources.map((r) => project(result.projection, r)));
        remaining -= page.resources.length;
        skip = 0;
      } else {
        skip = Math.max(0, skip - result.total);
      }
    }
    if (answered === 0) throw lastError;
    return sendScim(reply, 200, listResponse(pages, { totalResults: total, startIndex: query.startIndex, itemsPerPage: pages.length }));
  });

  app.get('/ServiceProviderConfig', async (request, reply) =>
    sendScim(reply, 200, serviceProviderConfig({
      baseUrl: request.scope.base,
      maxResults: limits.maxCount,
      defaultPageSize: limits.defaultCount,
      bulk: { maxOperations: limits.bulkMaxOperations, maxPayloadSize: limits.bodyLimit },
      documentationUri: 'https://github.com/roster-scim/roster#readme',
    })),
  );

  app.get('/ResourceTypes', async (request, reply) => {
    const docs = resourceTypeDocuments(request.scope.base, typesOf(request));
    return sendScim(reply, 200, listResponse(docs, { totalResults: docs.length, startIndex: 1, itemsPerPage: docs.length }));
  });
  app.get<{ Params: { id: string } }>('/ResourceTypes/:id', async (request, reply) => {
    const doc = resourceTypeDocuments(request.scope.base, typesOf(request)).find((d) => d.id === request.params.id);
    if (!doc) throw notFound(`No resource type "${request.params.id}"`);
    return sendScim(reply, 200, doc);
  });
  app.get('/Schemas', async (request, reply) => {
    const docs = schemaDocuments(request.scope.base, schemaDefsOf(request));
    return sendScim(reply, 200, listResponse(docs, { totalResults: docs.length, startIndex: 1, itemsPerPage: docs.length }));
  });
  app.get<{ Params: { id: string } }>('/Schemas/:id', async (request, reply) => {
    const doc = schemaDocuments(request.scope.base, schemaDefsOf(request)).find((d) => d.id === request.params.id);
    if (!doc) throw notFound(`No schema "${request.params.id}"`);
    return sendScim(reply, 200, doc);
  });

  app.post('/Bulk', (request, reply) => handleBulk(app, request, reply, limits));
  app.all('/Me', async () => {
    throw new ScimError(501, undefined, '/Me is not supported: Roster authenticates provisioning clients, not people');
  });
}

/** The directory's resource types and schemas (built-in plus declared extensions), for discovery. */
function typesOf(request: FastifyRequest) {
  const { user, group } = schemasOf(request.scope.directory);
  return [user.type, group.type];
}

function schemaDefsOf(request: FastifyRequest) {
  const { user, group } = schemasOf(request.scope.directory);
  return [user.type.schema, group.type.schema, ...user.extensions, ...group.extensions];
}

function ifMatch(request: FastifyRequest): string | undefined {
  const value = request.headers['if-match'];
  return typeof value === 'string' ? value : undefined;
}

/** A POST that only reads: searches are allowed to scim:read tokens. */
function isReadOnlyPost(request: FastifyRequest): boolean {
  return request.method === 'POST' && request.url.split('?')[0].endsWith('/.search');
}
