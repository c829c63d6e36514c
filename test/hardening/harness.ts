import type { FastifyInstance } from 'fastify';
import { Roster as DirectoryService } from '../../src/directory/roster.js';
import { buildServer, type ServerOptions } from '../../src/http/server.js';
import { migrate, openStorage, type Storage } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { rawScim, type ScimResponse } from '../http/helpers.js';

// A server built with chosen operations settings (small rate limits, short timeouts, a metrics token), on a
// fresh test database of the current backend. test/support/roster.ts always uses the defaults.

export interface Server {
  app: FastifyInstance;
  origin: string;
  baseUrl: string;
  token: string;
  storage: Storage;
  service: DirectoryService;
  database: TestDatabase;
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startServer(options: Omit<ServerOptions, 'roster'> = {}): Promise<Server> {
  const database = await createTestDatabase();
  const storage = openStorage(database.url);
  await migrate(storage);
  const service = new DirectoryService(storage);
  const { token } = await service.tenants.bootstrap();
  const app = buildServer({ logger: false, ...options, roster: service });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    origin,
    baseUrl: `${origin}/scim/v2`,
    token: token!,
    storage,
    service,
    database,
    scim: (method, path, body, headers) => rawScim(`${origin}/scim/v2${path}`, token!, method, body, headers),
    get: (path, headers = {}) => fetch(`${origin}${path}`, { headers }),
    async close() {
      await app.close();
      await storage.close();
      await database.drop();
    },
  };
}
