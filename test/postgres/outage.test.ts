import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { startRoster, type Roster } from '../support/roster.js';

// Roster reaches PostgreSQL through a TCP proxy that this test controls. Cutting the proxy (never the shared
// server) must turn requests into quick 503s with a SCIM Error body; restoring it must bring Roster back alone.

class Proxy {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  readonly server: net.Server;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
  }

  /** Drops every open connection and refuses new ones. */
  cutOff(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.cutOff();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.skipIf(backend !== 'postgres')('PostgreSQL outage', () => {
  let database: TestDatabase;
  let proxy: Proxy;
  let roster: Roster;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const direct = new URL(database.url);
    proxy = new Proxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const port = await proxy.listen();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(port);
    roster = await startRoster({ databaseUrl: viaProxy.toString() });
  });

  afterAll(async () => {
    await roster?.close().catch(() => {});
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 with a SCIM Error body while the database is unreachable, then recovers by itself', async () => {
    const created = await roster.scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'before@example.com' });
    expect(created.status).toBe(201);

    proxy.cutOff();
    for (const request of [
      () => roster.scim('GET', '/Users'),
      () => roster.scim('GET', `/Users/${created.body.id}`),
      () => roster.scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'during@example.com' }),
    ]) {
      const started = Date.now();
      const response = await request();
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Date.now() - started).toBeLessThan(10_000);
    }

    proxy.restore();
    let recovered = 0;
    for (let attempt = 0; attempt < 20 && recovered !== 200; attempt++) {
      recovered = (await roster.scim('GET', `/Users/${created.body.id}`)).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).toBe(200);
    const after = await roster.scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'after@example.com' });
    expect(after.status).toBe(201);
    // Nothing was half-written during the outage.
    const during = await roster.scim('GET', '/Users?filter=userName%20eq%20%22during@example.com%22');
    expect(during.body.totalResults).toBe(0);
  });
});
