import type { FastifyInstance } from 'fastify';
import { Roster as DirectoryService } from '../../src/directory/roster.js';
import type { OperationsOptions } from '../../src/http/operations/index.js';
import { buildServer } from '../../src/http/server.js';
import { migrate, openStorage, type Storage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from './backends.js';

// A real Roster server for tests: a fresh database (SQLite file, or PostgreSQL schema when the run is the
// PostgreSQL half, see backends.ts), listening on a random port.

export interface ScimResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface Roster {
  baseUrl: string;
  origin: string;
  token: string;
  storage: Storage;
  database: TestDatabase;
  service: DirectoryService;
  app: FastifyInstance;
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
  createDirectory(slug: string): Promise<{ baseUrl: string; token: string }>;
  createToken(options?: { directory?: string; scope?: 'scim:read' | 'scim:write' }): Promise<string>;
  close(): Promise<void>;
}

export async function startRoster(options: { databaseUrl?: string; operations?: OperationsOptions } = {}): Promise<Roster> {
  const database: TestDatabase = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => {} }
    : await createTestDatabase();
  const storage = openStorage(database.url);
  await migrate(storage);
  const service = new DirectoryService(storage);
  const { token } = await service.tenants.bootstrap();
  const app = buildServer({ roster: service, operations: options.operations, logger: process.env.ROSTER_TEST_LOG ? { level: 'error' } : false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const request = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = {};
    if (body !== undefined) h['content-type'] = 'application/scim+json';
    for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
    if (h.authorization === '') delete h.authorization;
    const response = await fetch(url, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };

  const roster: Roster = {
    baseUrl: `${origin}/scim/v2`,
    origin,
    token: token!,
    storage,
    database,
    service,
    app,
    request,
    scim: (method, path, body, headers = {}) =>
      request(method, `${origin}/scim/v2${path}`, body, { authorization: `Bearer ${token}`, ...headers }),
    async createDirectory(slug) {
      const directory = await service.tenants.createDirectory(slug);
      const created = await service.tenants.createToken(directory, { label: 'test' });
      return { baseUrl: `${origin}/d/${slug}/scim/v2`, token: created.token };
    },
    async createToken({ directory = 'default', scope = 'scim:write' } = {}) {
      const dir = await service.tenants.requireDirectory(directory);
      return (await service.tenants.createToken(dir, { label: 'test', scope })).token;
    },
    async close() {
      await app.close();
      await storage.close();
      await database.drop();
    },
  };
  return roster;
}
