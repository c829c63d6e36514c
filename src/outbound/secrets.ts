import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// Secrets at rest (target credentials, webhook signing secrets) are sealed with AES-256-GCM. The key comes from
// ROSTER_SECRET_KEY (base64 of 32 bytes) or the file ROSTER_SECRET_KEY_FILE; with neither, on SQLite, a key file
// is made next to the database (mode 0600) on first use. On PostgreSQL every instance needs the same key, so it
// must be configured. Each sealed value is bound to its row (additional data), and names the key it was sealed
// with, so a wrong key is reported as such instead of as garbage.

export class SecretKeyError extends Error {}

const PREFIX = 'v1';

export interface SecretKeySource {
  env?: Record<string, string | undefined>;
  /** The database URL: a generated key file goes next to a SQLite database. */
  databaseUrl?: string;
  /** Told once when a key file is generated. */
  onGenerated?: (file: string) => void;
}

/** Seals and opens secrets with one key. The key is loaded on first use, so commands that need none never touch it. */
export class SecretBox {
  private key?: Buffer;

  constructor(private readonly source: SecretKeySource | Buffer = {}) {
    if (Buffer.isBuffer(source)) this.key = checkKey(source, 'the key');
  }

  seal(plain: string, context: string): string {
    const key = this.loadKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}:${keyId(key)}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    const key = this.loadKey();
    const [version, id, data] = sealed.split(':');
    if (version !== PREFIX || !id || !data) throw new SecretKeyError('A stored secret is not in a format Roster knows');
    if (id !== keyId(key)) {
      throw new SecretKeyError('A stored secret was sealed with another key: set ROSTER_SECRET_KEY (or ROSTER_SECRET_KEY_FILE) to the key used when it was saved');
    }
    const raw = Buffer.from(data, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError('A stored secret could not be opened: it was altered or belongs to another record');
    }
  }

  private loadKey(): Buffer {
    if (this.key) return this.key;
    const source = this.source as SecretKeySource;
    const env = source.env ?? process.env;
    const inline = env.ROSTER_SECRET_KEY?.trim();
    if (inline) return (this.key = checkKey(Buffer.from(inline, 'base64'), 'ROSTER_SECRET_KEY'));
    const file = env.ROSTER_SECRET_KEY_FILE?.trim();
    if (file) return (this.key = readKeyFile(file, 'ROSTER_SECRET_KEY_FILE'));
    const url = source.databaseUrl ?? env.ROSTER_DATABASE_URL ?? 'sqlite:./data/roster.db';
    if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') {
      throw new SecretKeyError('Set ROSTER_SECRET_KEY (base64 of 32 random bytes, the same on every instance: `openssl rand -base64 32`) or ROSTER_SECRET_KEY_FILE to store outbound credentials');
    }
    const generated = join(dirname(resolve(url.slice('sqlite:'.length))), 'secret.key');
    if (existsSync(generated)) return (this.key = readKeyFile(generated, generated));
    mkdirSync(dirname(generated), { recursive: true });
    try {
      // 'wx': when two processes race, one writes and the other reads the winner's key.
      writeFileSync(generated, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(generated, 0o600);
      source.onGenerated?.(generated);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return (this.key = readKeyFile(generated, generated));
  }
}

function readKeyFile(file: string, name: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecretKeyError(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return checkKey(Buffer.from(text.trim(), 'base64'), name);
}

function checkKey(key: Buffer, name: string): Buffer {
  if (key.length !== 32) throw new SecretKeyError(`${name} must be the base64 of exactly 32 bytes (got ${key.length}): make one with \`openssl rand -base64 32\``);
  return key;
}

const keyId = (key: Buffer) => createHash('sha256').update('roster-secret-key').update(key).digest('hex').slice(0, 12);
