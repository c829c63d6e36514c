import { z } from 'zod';
import { environmentWithFile } from './operations/config-file.js';
import { OutboundSettingsError, readOutboundSettings } from './outbound/settings.js';
import { readOperationsSettings, type OperationsSettings } from './operations/settings.js';

// Settings come from flags, then the environment, then these defaults; each is validated with a clear message.
const schema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  databaseUrl: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://'),
  publicUrl: z.string().url().optional(),
  bootstrapToken: z.string().min(16, 'must be at least 16 characters').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  trustProxy: z.union([z.boolean(), z.array(z.string().min(1))]),
});

/** Limits, rate limits, timeouts, TLS and metrics (src/operations/settings.ts), and the config file read, if any. */
export type Config = z.infer<typeof schema> & { operations: OperationsSettings; configFile?: string };

/**
 * ROSTER_TRUST_PROXY: `true` (trust X-Forwarded-* from any peer: only when nothing but the proxy can reach Roster),
 * or the proxies' addresses or CIDRs separated by commas (`127.0.0.1,10.0.0.0/8`; also `loopback`, `uniquelocal`).
 */
function trustProxyFrom(value: string | undefined): unknown {
  const text = value?.trim() ?? '';
  if (text === '' || /^(false|0|no|off)$/i.test(text)) return false;
  if (/^(true|1|yes|on)$/i.test(text)) return true;
  return text.split(',').map((part) => part.trim()).filter(Boolean);
}

export interface ConfigFlags {
  host?: string;
  port?: string;
  database?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** A config file (same ROSTER_* names as the environment, which wins over it); or ROSTER_CONFIG_FILE. */
  config?: string;
}

export function loadConfig(flags: ConfigFlags = {}, processEnv: Record<string, string | undefined> = process.env): Config {
  const configFile = flags.config ?? (processEnv.ROSTER_CONFIG_FILE || undefined);
  const { env, file } = environmentWithFile(processEnv, configFile);
  const result = schema.safeParse({
    host: flags.host ?? env.ROSTER_HOST ?? '127.0.0.1',
    port: flags.port ?? env.ROSTER_PORT ?? '8080',
    databaseUrl: flags.database ?? env.ROSTER_DATABASE_URL ?? 'sqlite:./data/roster.db',
    publicUrl: env.ROSTER_PUBLIC_URL || undefined,
    bootstrapToken: env.ROSTER_BOOTSTRAP_TOKEN || undefined,
    logLevel: env.ROSTER_LOG_LEVEL ?? 'info',
    trustProxy: trustProxyFrom(env.ROSTER_TRUST_PROXY),
  });
  const operations = readOperationsSettings(flags, env);
  const problems = [
    ...(file?.problems ?? []),
    ...(result.success ? [] : result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)),
    ...operations.problems,
    ...outboundProblems(env),
  ];
  if (!result.success || problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return { ...result.data, operations: operations.settings, ...(configFile ? { configFile } : {}) };
}

export class ConfigError extends Error {}

/** Outbound sync's settings are read when its worker starts; a bad one is reported here with the rest. */
function outboundProblems(env: Record<string, string | undefined>): string[] {
  try {
    readOutboundSettings(env);
    return [];
  } catch (error) {
    if (!(error instanceof OutboundSettingsError)) throw error;
    return error.message.split('\n').slice(1);
  }
}

/** The origin printed in SCIM base URLs when no public URL is configured. */
export function publicOrigin(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `${config.operations?.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export function scimBaseUrl(origin: string, slug: string): string {
  return slug === 'default' ? `${origin}/scim/v2` : `${origin}/d/${slug}/scim/v2`;
}
