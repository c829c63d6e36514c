import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { Storage } from '../storage/database.js';
import { isUniqueViolation } from '../storage/errors.js';
import { prepared } from '../storage/prepared.js';
import type { DirectoriesTable, TokensTable } from '../storage/tables.js';

export type Directory = DirectoriesTable;
export type TokenScope = TokensTable['scope'];
export type TokenInfo = Omit<TokensTable, 'hash'>;

export const DEFAULT_DIRECTORY = 'default';
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** SHA-256 of a bearer token: tokens are 256-bit random, so a fast hash is enough and lookups stay indexed. */
export const hashToken = (token: string) => hash('sha256', token, 'hex');
export const newToken = () => `rst_${randomBytes(32).toString('base64url')}`;

export class TenantError extends Error {}

// Every SCIM request looks both up: built and compiled once (storage/prepared.ts).
const directoryBySlug = prepared<[slug: string], Directory>((db, slot) => db.selectFrom('directories').selectAll().where('slug', '=', slot(0)));
const tokenByHash = prepared<[directoryId: string, hash: string], TokenInfo>((db, slot) =>
  db
    .selectFrom('tokens')
    .select(['directory_id', 'id', 'label', 'scope', 'created', 'last_used_at', 'revoked_at'])
    .where('directory_id', '=', slot(0))
    .where('hash', '=', slot(1)),
);

/** A directory by its slug, with the token of that directory whose hash is given (null columns when none). */
const directoryWithToken = prepared<[hash: string, slug: string], Directory & TokenColumns>((db, slot) =>
  db
    .selectFrom('directories as d')
    .leftJoin('tokens as t', (join) => join.onRef('t.directory_id', '=', 'd.id').on('t.hash', '=', slot(0)))
    .select(['d.id', 'd.slug', 'd.name', 'd.created', 'd.settings'])
    .select(['t.id as token_id', 't.label as token_label', 't.scope as token_scope', 't.created as token_created', 't.last_used_at as token_last_used_at', 't.revoked_at as token_revoked_at'])
    .where('d.slug', '=', slot(1)),
);
type TokenColumns = { [K in Exclude<keyof TokenInfo, 'directory_id'> as `token_${K}`]: TokenInfo[K] | null };

/** Directories (tenants) and their inbound SCIM tokens. */
export class Tenants {
  constructor(private readonly storage: Storage) {}

  private get db() {
    return this.storage.db;
  }

  async createDirectory(slug: string, name?: string): Promise<Directory> {
    if (!SLUG.test(slug)) throw new TenantError(`Invalid directory slug "${slug}": use lower-case letters, digits and dashes`);
    if (await this.findDirectory(slug)) throw new TenantError(`Directory "${slug}" already exists`);
    const directory: Directory = { id: randomUUID(), slug, name: name ?? slug, created: new Date().toISOString(), settings: '{}' };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('directories').values(directory).execute();
      await tx.insertInto('directory_counters').values({ directory_id: directory.id, change_seq: 0 }).execute();
    });
    return directory;
  }

  async findDirectory(slug: string): Promise<Directory | undefined> {
    return (await directoryBySlug(this.db, slug))[0];
  }

  async requireDirectory(slug: string): Promise<Directory> {
    const directory = await this.findDirectory(slug);
    if (!directory) throw new TenantError(`No directory "${slug}"`);
    return directory;
  }

  listDirectories(): Promise<Directory[]> {
    return this.db.selectFrom('directories').selectAll().orderBy('created').orderBy('slug').execute();
  }

  /** Creates a token and returns it in clear text: the only time it exists outside the caller's hands. */
  async createToken(
    directory: Directory,
    options: { label: string; scope?: TokenScope; token?: string },
  ): Promise<{ info: TokenInfo; token: string }> {
    const token = options.token ?? newToken();
    if (token.length < 16) throw new TenantError('A token must be at least 16 characters long');
    const info: TokenInfo = {
      directory_id: directory.id,
      id: randomUUID(),
      label: options.label,
      scope: options.scope ?? 'scim:write',
      created: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('tokens').values({ ...info, hash: hashToken(token) }).execute();
    return { info, token };
  }

  listTokens(directory: Directory): Promise<TokenInfo[]> {
    return this.db
      .selectFrom('tokens')
      .select(['directory_id', 'id', 'label', 'scope', 'created', 'last_used_at', 'revoked_at'])
      .where('directory_id', '=', directory.id)
      .orderBy('created')
      .execute();
  }

  async revokeToken(directory: Directory, id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('directory_id', '=', directory.id)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * The live token for this directory, or undefined. Read from the database on every request, so a revoked
   * token fails at once on every instance. Last use is recorded at most once a minute to keep reads cheap.
   */
  async authenticate(directory: Directory, token: string): Promise<TokenInfo | undefined> {
    const [row] = await tokenByHash(this.db, directory.id, hashToken(token));
    return row ? this.accepted(row) : undefined;
  }

  /**
   * `findDirectory` and `authenticate` in one query, for every SCIM request: the directory at this slug (undefined
   * when there is none) and the token when it is a live token of that directory.
   */
  async authenticateAt(slug: string, token: string): Promise<{ directory?: Directory; token?: TokenInfo }> {
    const [row] = await directoryWithToken(this.db, hashToken(token), slug);
    if (!row) return {};
    const directory: Directory = { id: row.id, slug: row.slug, name: row.name, created: row.created, settings: row.settings };
    if (row.token_id === null) return { directory };
    const info: TokenInfo = {
      directory_id: row.id,
      id: row.token_id,
      label: row.token_label!,
      scope: row.token_scope!,
      created: row.token_created!,
      last_used_at: row.token_last_used_at,
      revoked_at: row.token_revoked_at,
    };
    return { directory, token: await this.accepted(info) };
  }

  /** The token unless revoked; its last use recorded, at most once a minute. */
  private async accepted(row: TokenInfo): Promise<TokenInfo | undefined> {
    if (row.revoked_at) return undefined;
    const now = new Date();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
      await this.db
        .updateTable('tokens')
        .set({ last_used_at: now.toISOString() })
        .where('directory_id', '=', row.directory_id)
        .where('id', '=', row.id)
        .execute();
    }
    return row;
  }

  /** Creates the default directory and its first token on the very first start; undefined afterwards. */
  async bootstrap(bootstrapToken?: string): Promise<{ directory: Directory; token?: string }> {
    const existing = await this.findDirectory(DEFAULT_DIRECTORY);
    if (existing) return { directory: existing };
    // Directory and first token in one transaction: when several instances start at once, one wins and the
    // others find its directory (the slug is unique).
    const directory: Directory = { id: randomUUID(), slug: DEFAULT_DIRECTORY, name: 'Default directory', created: new Date().toISOString(), settings: '{}' };
    const token = bootstrapToken || newToken();
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('directories').values(directory).execute();
        await tx.insertInto('directory_counters').values({ directory_id: directory.id, change_seq: 0 }).execute();
        await tx.insertInto('tokens').values({
          directory_id: directory.id,
          id: randomUUID(),
          label: 'bootstrap',
          scope: 'scim:write',
          hash: hashToken(token),
          created: directory.created,
          last_used_at: null,
          revoked_at: null,
        }).execute();
      });
    } catch (error) {
      const winner = await this.findDirectory(DEFAULT_DIRECTORY);
      if (isUniqueViolation(error) && winner) return { directory: winner };
      throw error;
    }
    return { directory, token };
  }
}
