import { z } from 'zod';

// Settings come from flags, then the environment, then these defaults; each is validated with a clear message.
const schema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  databaseUrl: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://'),
  publicUrl: z.string().url().optional(),
  bootstrapToken: z.string().min(16, 'must be at least 16 characters').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  trustProxy: z.boolean(),
});

export type Config = z.infer<typeof schema>;

export function loadConfig(flags: { host?: string; port?: string; database?: string } = {}, env = process.env): Config {
  const result = schema.safeParse({
    host: flags.host ?? env.ROSTER_HOST ?? '127.0.0.1',
    port: flags.port ?? env.ROSTER_PORT ?? '8080',
    databaseUrl: flags.database ?? env.ROSTER_DATABASE_URL ?? 'sqlite:./data/roster.db',
    publicUrl: env.ROSTER_PUBLIC_URL || undefined,
    bootstrapToken: env.ROSTER_BOOTSTRAP_TOKEN || undefined,
    logLevel: env.ROSTER_LOG_LEVEL ?? 'info',
    trustProxy: env.ROSTER_TRUST_PROXY === 'true' || env.ROSTER_TRUST_PROXY === '1',
  });
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  return result.data;
}

export class ConfigError extends Error {}

/** The origin printed in SCIM base URLs when no public URL is configured. */
export function publicOrigin(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export function scimBaseUrl(origin: string, slug: string): string {
  return slug === 'default' ? `${origin}/scim/v2` : `${origin}/d/${slug}/scim/v2`;
}
