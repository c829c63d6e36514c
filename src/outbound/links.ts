import type { Storage } from '../storage/database.js';
import type { OutboundLinksTable } from '../storage/outbound-tables.js';

// Which resource on a target stands for which resource here: the target's id, remembered per endpoint.

export type Link = Pick<OutboundLinksTable, 'resource_id' | 'resource_type' | 'remote_id' | 'detached'>;

export class LinkStore {
  constructor(
    private readonly storage: Storage,
    private readonly directoryId: string,
    private readonly endpointId: string,
  ) {}

  private base() {
    return this.storage.db
      .selectFrom('outbound_links')
      .select(['resource_id', 'resource_type', 'remote_id', 'detached'])
      .where('directory_id', '=', this.directoryId)
      .where('endpoint_id', '=', this.endpointId);
  }

  get(resourceId: string): Promise<Link | undefined> {
    return this.base().where('resource_id', '=', resourceId).executeTakeFirst();
  }

  async getMany(resourceIds: string[]): Promise<Map<string, Link>> {
    const found = new Map<string, Link>();
    for (let i = 0; i < resourceIds.length; i += 500) {
      for (const link of await this.base().where('resource_id', 'in', resourceIds.slice(i, i + 500)).execute()) found.set(link.resource_id, link);
    }
    return found;
  }

  /** The links of one type to these ids on the target, by remote id (full sync reads the target a page at a time). */
  async byRemote(type: 'User' | 'Group' | undefined, remoteIds: string[]): Promise<Map<string, Link>> {
    const found = new Map<string, Link>();
    for (let i = 0; i < remoteIds.length; i += 500) {
      let query = this.base().where('remote_id', 'in', remoteIds.slice(i, i + 500));
      if (type) query = query.where('resource_type', '=', type);
      for (const link of await query.execute()) found.set(link.remote_id, link);
    }
    return found;
  }

  /** Every link of one type, in pages (full sync). */
  async *all(type: 'User' | 'Group'): AsyncGenerator<Link[]> {
    let after = '';
    for (;;) {
      const page = await this.base().where('resource_type', '=', type).where('resource_id', '>', after).orderBy('resource_id').limit(1000).execute();
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1].resource_id;
    }
  }

  async set(resourceId: string, type: 'User' | 'Group', remoteId: string, detached = false): Promise<void> {
    await this.storage.db
      .insertInto('outbound_links')
      .values({
        directory_id: this.directoryId,
        endpoint_id: this.endpointId,
        resource_id: resourceId,
        resource_type: type,
        remote_id: remoteId,
        detached: detached ? 1 : 0,
        created: new Date().toISOString(),
      })
      .onConflict((oc) => oc.columns(['directory_id', 'endpoint_id', 'resource_id']).doUpdateSet({ remote_id: remoteId, detached: detached ? 1 : 0 }))
      .execute();
  }

  async setDetached(resourceId: string, detached: boolean): Promise<void> {
    await this.storage.db
      .updateTable('outbound_links')
      .set({ detached: detached ? 1 : 0 })
      .where('directory_id', '=', this.directoryId)
      .where('endpoint_id', '=', this.endpointId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  async remove(resourceId: string): Promise<void> {
    await this.storage.db
      .deleteFrom('outbound_links')
      .where('directory_id', '=', this.directoryId)
      .where('endpoint_id', '=', this.endpointId)
      .where('resource_id', '=', resourceId)
      .execute();
  }
}
