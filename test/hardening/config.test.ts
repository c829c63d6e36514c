// Configuration: every production setting from the environment or a config file, every mistake reported at once
// with the variable's name, and `roster config check` printing the effective settings (never a secret).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseRate } from '../../src/operations/settings.js';
import { roster } from './processes.js';

const folder = mkdtempSync(join(tmpdir(), 'roster-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const problemsOf = (env: Record<string, string>, flags = {}): string => {
  try {
    loadConfig(flags, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('loadConfig', () => {
  it('has production defaults', () => {
    const config = loadConfig({}, {});
    expect(config.operations.limits).toMatchObject({ bodyLimit: 2 * 1024 * 1024, maxCount: 1000, bulkMaxOperations: 1000, maxMembersPerRequest: 20_000, maxFilterLength: 4096, maxPatchOperations: 500, maxIndexedValueBytes: 2048, maxValuesPerAttribute: 1000 });
    expect(config.operations.rateLimits.token).toEqual({ perSecond: 50, burst: 3000 });
    expect(config.operations).toMatchObject({ maxHeaderBytes: 16384, requestTimeoutMs: 30_000, handlerTimeoutMs: 60_000, metrics: { enabled: true } });
    expect(config.operations.tls).toBeUndefined();
    expect(config.trustProxy).toBe(false);
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({}, {
      ROSTER_MAX_BODY_BYTES: '65536',
      ROSTER_MAX_RESULTS: '200',
      ROSTER_PAGE_SIZE: '50',
      ROSTER_BULK_MAX_OPERATIONS: '10',
      ROSTER_MAX_MEMBERS_PER_REQUEST: '500',
      ROSTER_MAX_FILTER_LENGTH: '1000',
      ROSTER_MAX_PATCH_OPERATIONS: '20',
      ROSTER_MAX_INDEXED_VALUE_BYTES: '512',
      ROSTER_MAX_VALUES_PER_ATTRIBUTE: '50',
      ROSTER_MAX_HEADER_BYTES: '8192',
      ROSTER_REQUEST_TIMEOUT_MS: '5000',
      ROSTER_HANDLER_TIMEOUT_MS: '7000',
      ROSTER_SHUTDOWN_TIMEOUT_MS: '0',
      ROSTER_RATE_LIMIT_TOKEN: '600/min:20',
      ROSTER_RATE_LIMIT_ADDRESS: 'off',
      ROSTER_RATE_LIMIT_DIRECTORY: '200',
      ROSTER_AUTH_FAILURE_LIMIT: '10/h:5',
      ROSTER_METRICS: 'off',
      ROSTER_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    });
    expect(config.operations.limits).toEqual({ bodyLimit: 65536, maxCount: 200, defaultCount: 50, bulkMaxOperations: 10, maxMembersPerRequest: 500, maxFilterLength: 1000, maxPatchOperations: 20, maxIndexedValueBytes: 512, maxValuesPerAttribute: 50 });
    expect(config.operations).toMatchObject({ maxHeaderBytes: 8192, requestTimeoutMs: 5000, handlerTimeoutMs: 7000, shutdownTimeoutMs: 0, metrics: { enabled: false } });
    expect(config.operations.rateLimits).toEqual({
      token: { perSecond: 10, burst: 20 },
      address: null,
      directory: { perSecond: 200, burst: 200 },
      authFailures: { perSecond: 10 / 3600, burst: 5 },
    });
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it('reports every mistake at once, naming the variable', () => {
    const message = problemsOf({
      ROSTER_PORT: 'eighty',
      ROSTER_MAX_BODY_BYTES: '2MB',
      ROSTER_MAX_FILTER_LENGTH: '100000',
      ROSTER_MAX_INDEXED_VALUE_BYTES: '3000',
      ROSTER_RATE_LIMIT_TOKEN: 'fast',
      ROSTER_METRICS: 'maybe',
      ROSTER_METRICS_TOKEN: 'short',
      ROSTER_PAGE_SIZE: '5000',
      ROSTER_TLS_CERT: join(folder, 'missing.pem'),
      ROSTER_OUTBOUND_POLL_MS: 'often',
    });
    for (const expected of [
      'port:',
      'ROSTER_MAX_BODY_BYTES: must be a whole number from 1024',
      'ROSTER_MAX_FILTER_LENGTH: must be a whole number from 16 to 4096',
      'ROSTER_MAX_INDEXED_VALUE_BYTES: must be a whole number from 64 to 2500',
      'ROSTER_RATE_LIMIT_TOKEN: must be RATE[/s|/min|/h][:BURST]',
      'ROSTER_METRICS: must be on or off',
      'ROSTER_METRICS_TOKEN: must be at least 16 characters',
      'ROSTER_PAGE_SIZE: must not be larger than ROSTER_MAX_RESULTS',
      'give both the certificate and the key',
      'ROSTER_OUTBOUND_POLL_MS: must be a whole number from 10',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('checks that TLS files are readable PEM', () => {
    const notPem = join(folder, 'not.pem');
    writeFileSync(notPem, 'hello');
    const message = problemsOf({}, { tlsCert: notPem, tlsKey: join(folder, 'nope.key') });
    expect(message).toContain(`ROSTER_TLS_CERT: ${notPem} is not a PEM certificate`);
    expect(message).toContain('ROSTER_TLS_KEY: cannot read');
    expect(message).toContain('ENOENT');
  });

  it.each([
    ['50', { perSecond: 50, burst: 50 }],
    ['50/s:3000', { perSecond: 50, burst: 3000 }],
    ['120/min', { perSecond: 2, burst: 120 }],
    ['0.5:3', { perSecond: 0.5, burst: 3 }],
    ['off', null],
    ['0', null],
    ['-1', undefined],
    ['1/day', undefined],
    ['5:0', undefined],
    ['', undefined],
  ])('parses the rate %j', (text, rate) => {
    expect(parseRate(text)).toEqual(rate);
  });
});

describe('config file', () => {
  it('fills in settings the environment does not set; the environment wins', () => {
    const file = join(folder, 'roster.env');
    writeFileSync(file, '# production\nROSTER_PORT=9090\nexport ROSTER_HOST="0.0.0.0"\nROSTER_RATE_LIMIT_TOKEN=10:100  # tight\n\n');
    const config = loadConfig({ config: file }, { ROSTER_PORT: '7070' });
    expect(config).toMatchObject({ port: 7070, host: '0.0.0.0', configFile: file });
    expect(config.operations.rateLimits.token).toEqual({ perSecond: 10, burst: 100 });
    expect(loadConfig({}, { ROSTER_CONFIG_FILE: file }).port).toBe(9090);
  });

  it('reads JSON, and refuses unknown names with a suggestion', () => {
    const file = join(folder, 'roster.json');
    writeFileSync(file, JSON.stringify({ ROSTER_PROT: 8080, ROSTER_MAX_RESULTS: 50, ROSTER_LOG_LEVEL: { x: 1 } }));
    const message = problemsOf({}, { config: file });
    expect(message).toContain('unknown setting ROSTER_PROT (did you mean ROSTER_PORT?)');
    expect(message).toContain('ROSTER_LOG_LEVEL must be a string, number or boolean');
    expect(problemsOf({}, { config: join(folder, 'absent.env') })).toContain('cannot read it (ENOENT)');
    writeFileSync(file, '{"ROSTER_PORT": ');
    expect(problemsOf({}, { config: file })).toContain('not valid JSON');
  });
});

describe('roster config check', () => {
  it('prints the effective settings, never a secret, with warnings for risky choices', async () => {
    const file = join(folder, 'check.env');
    writeFileSync(file, 'ROSTER_METRICS_TOKEN=metrics-secret-0123456789\nROSTER_HOST=0.0.0.0\n');
    chmodSync(file, 0o644);
    const { code, stdout } = await roster(join(folder, 'check.db'), 'config', 'check', '--config', file);
    expect(code).toBe(0);
    expect(stdout).toContain('The configuration is valid');
    expect(stdout).toMatch(/ROSTER_RATE_LIMIT_TOKEN\s+50\/s:3000/);
    expect(stdout).toMatch(/ROSTER_METRICS_TOKEN\s+\(set\)/);
    expect(stdout).toMatch(/ROSTER_BOOTSTRAP_TOKEN\s+\(set\)/);
    expect(stdout).not.toContain('metrics-secret-0123456789');
    expect(stdout).not.toContain('durability-test-token');
    expect(stdout).toContain('over plain HTTP');
    expect(stdout).toContain('readable by every user');
  });

  it('exits 1 listing every problem; --json gives them as a list', async () => {
    const db = join(folder, 'check.db');
    const text = await roster(db, 'config', 'check', '--database', 'mysql://x');
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('databaseUrl: must start with sqlite: or postgres://');
    const json = await roster(db, 'config', 'check', '--json', '--tls-cert', 'x.pem');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ valid: false, problems: [expect.stringContaining('give both the certificate and the key')] });
    const ok = JSON.parse((await roster(db, 'config', 'check', '--json')).stdout);
    expect(ok).toMatchObject({ valid: true, configFile: null, settings: { ROSTER_MAX_RESULTS: '1000' } });
  });
});
