import { readFileSync, statSync } from 'node:fs';
import { SECRET_SETTINGS, SETTING_NAMES } from './settings.js';

// The optional config file (ROSTER_CONFIG_FILE or --config): the same ROSTER_* names as the environment, either
// as an env file (`ROSTER_PORT=8080`, `#` comments, optional quotes) or as a JSON object when the name ends in
// .json. The environment wins over the file, flags win over both. A name Roster does not read is an error here
// (in the environment it is only a warning): a typo in a file should not silently keep a default.

export interface ConfigFile {
  path: string;
  values: Record<string, string>;
  problems: string[];
  warnings: string[];
}

const KNOWN = new Set<string>(SETTING_NAMES);

export function readConfigFile(path: string): ConfigFile {
  const file: ConfigFile = { path, values: {}, problems: [], warnings: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    file.problems.push(`  config file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return file;
  }
  const entries = path.toLowerCase().endsWith('.json') ? jsonEntries(text, file) : envEntries(text, file);
  for (const [name, value] of entries) {
    if (name === 'ROSTER_CONFIG_FILE') file.problems.push(`  config file ${path}: ROSTER_CONFIG_FILE cannot be set inside a config file`);
    else if (!KNOWN.has(name)) file.problems.push(`  config file ${path}: unknown setting ${name}${suggest(name)}`);
    else file.values[name] = value;
  }
  try {
    // Config files may hold secrets (the bootstrap or metrics token, the key that seals outbound credentials):
    // warn when anyone on the machine can read them.
    if ((statSync(path).mode & 0o004) !== 0 && Object.keys(file.values).some((k) => SECRET_SETTINGS.has(k))) {
      file.warnings.push(`config file ${path} holds a secret and is readable by every user (chmod 600 it)`);
    }
  } catch {
    // already reported above
  }
  return file;
}

/**
 * The environment with the file's values filled in underneath. When `env` is the real process environment, the
 * values are also written into it, so settings read elsewhere (the database pool, the log retention) see them.
 */
export function environmentWithFile(
  env: Record<string, string | undefined>,
  path: string | undefined,
): { env: Record<string, string | undefined>; file?: ConfigFile } {
  if (!path) return { env };
  const file = readConfigFile(path);
  const merged = { ...env };
  for (const [name, value] of Object.entries(file.values)) {
    if (merged[name] === undefined) {
      merged[name] = value;
      if (env === process.env) process.env[name] = value;
    }
  }
  return { env: merged, file };
}

/** ROSTER_ variables in the environment that no setting reads (for `roster config check`). */
export function unknownEnvironmentNames(env: Record<string, string | undefined>): string[] {
  // The test harness's own variables are not settings of the server.
  return Object.keys(env).filter((name) => name.startsWith('ROSTER_') && !KNOWN.has(name) && !name.startsWith('ROSTER_TEST_'));
}

export function suggest(name: string): string {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of SETTING_NAMES) {
    const d = distance(name, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function envEntries(text: string, file: ConfigFile): [string, string][] {
  const entries: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) {
      file.problems.push(`  config file ${file.path}, line ${index + 1}: expected NAME=value`);
      return;
    }
    let value = match[2];
    const quoted = /^(['"])(.*)\1$/.exec(value);
    value = quoted ? quoted[2] : value.replace(/\s+#.*$/, '');
    entries.push([match[1], value]);
  });
  return entries;
}

function jsonEntries(text: string, file: ConfigFile): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    file.problems.push(`  config file ${file.path}: not valid JSON (${(error as Error).message})`);
    return [];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    file.problems.push(`  config file ${file.path}: must be a JSON object of ROSTER_* settings`);
    return [];
  }
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') entries.push([name, String(value)]);
    else file.problems.push(`  config file ${file.path}: ${name} must be a string, number or boolean`);
  }
  return entries;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
