import type { Config } from '../config.js';
import { unknownEnvironmentNames } from './config-file.js';
import { formatRate } from './settings.js';

// What `roster config check` prints: every effective setting under its variable name (secrets only as "set"),
// and warnings about choices that work but are risky in production.

export function describeConfig(config: Config): Record<string, string> {
  const o = config.operations;
  const secret = (value: string | undefined) => (value ? '(set)' : '(not set)');
  return {
    ROSTER_HOST: config.host,
    ROSTER_PORT: String(config.port),
    ROSTER_DATABASE_URL: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@'),
    ROSTER_PUBLIC_URL: config.publicUrl ?? '(from each request\'s Host)',
    ROSTER_BOOTSTRAP_TOKEN: secret(config.bootstrapToken),
    ROSTER_LOG_LEVEL: config.logLevel,
    ROSTER_TRUST_PROXY: Array.isArray(config.trustProxy) ? config.trustProxy.join(',') : String(config.trustProxy),
    ROSTER_TLS_CERT: o.tls?.cert ?? '(none: plain HTTP)',
    ROSTER_TLS_KEY: o.tls ? o.tls.key : '(none)',
    ROSTER_MAX_BODY_BYTES: String(o.limits.bodyLimit),
    ROSTER_PAGE_SIZE: String(o.limits.defaultCount),
    ROSTER_MAX_RESULTS: String(o.limits.maxCount),
    ROSTER_BULK_MAX_OPERATIONS: String(o.limits.bulkMaxOperations),
    ROSTER_MAX_MEMBERS_PER_REQUEST: String(o.limits.maxMembersPerRequest),
    ROSTER_MAX_FILTER_LENGTH: String(o.limits.maxFilterLength),
    ROSTER_MAX_PATCH_OPERATIONS: String(o.limits.maxPatchOperations),
    ROSTER_MAX_INDEXED_VALUE_BYTES: String(o.limits.maxIndexedValueBytes),
    ROSTER_MAX_VALUES_PER_ATTRIBUTE: String(o.limits.maxValuesPerAttribute),
    ROSTER_MAX_HEADER_BYTES: String(o.maxHeaderBytes),
    ROSTER_REQUEST_TIMEOUT_MS: String(o.requestTimeoutMs),
    ROSTER_HANDLER_TIMEOUT_MS: String(o.handlerTimeoutMs),
    ROSTER_SHUTDOWN_TIMEOUT_MS: String(o.shutdownTimeoutMs),
    ROSTER_RATE_LIMIT_TOKEN: formatRate(o.rateLimits.token),
    ROSTER_RATE_LIMIT_ADDRESS: formatRate(o.rateLimits.address),
    ROSTER_RATE_LIMIT_DIRECTORY: formatRate(o.rateLimits.directory),
    ROSTER_AUTH_FAILURE_LIMIT: formatRate(o.rateLimits.authFailures),
    ROSTER_METRICS: o.metrics.enabled ? 'on' : 'off',
    ROSTER_METRICS_TOKEN: secret(o.metrics.token),
  };
}

export function configWarnings(config: Config, env: Record<string, string | undefined>, fileWarnings: string[] = []): string[] {
  const warnings = [...fileWarnings];
  for (const name of unknownEnvironmentNames(env)) warnings.push(`${name} is set but Roster reads no such setting (a typo?)`);
  const exposed = config.host !== '127.0.0.1' && config.host !== '::1' && config.host !== 'localhost';
  if (exposed && !config.operations.tls && config.trustProxy === false) {
    warnings.push(`listening on ${config.host} over plain HTTP: put Roster behind an HTTPS reverse proxy (ROSTER_TRUST_PROXY) or use --tls-cert/--tls-key`);
  }
  if (config.trustProxy === true) {
    warnings.push('ROSTER_TRUST_PROXY=true trusts X-Forwarded-For from anyone who can reach Roster; name the proxy addresses instead when clients can reach it directly');
  }
  if (config.operations.metrics.enabled && !config.operations.metrics.token && exposed) {
    warnings.push('/metrics is open to anyone who can reach Roster: set ROSTER_METRICS_TOKEN or block it at the proxy');
  }
  if (!config.publicUrl && exposed) warnings.push('ROSTER_PUBLIC_URL is not set: resource locations follow each request\'s Host header');
  const rates = config.operations.rateLimits;
  if (!rates.token && !rates.address && !rates.directory) warnings.push('every rate limit is off');
  return warnings;
}
