import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The console's stylesheet and scripts, read once at start and served from memory with a content hash in their
// URL (so browsers may cache them for a year). tsc copies no CSS or JS into dist/, so the files are found in the
// source folder at run time: next to this module when running from src/, or in ../../src/console/assets from dist/.

export interface Asset {
  name: string;
  type: string;
  body: Buffer;
  hash: string;
}

function assetsFolder(): string {
  const here = fileURLToPath(new URL('./assets/', import.meta.url));
  if (existsSync(here)) return here;
  const source = fileURLToPath(new URL('../../src/console/assets/', import.meta.url));
  if (existsSync(source)) return source;
  throw new Error(`The admin console's assets were not found in ${here} or ${source}`);
}

function load(name: string, file: string, type: string): Asset {
  const body = readFileSync(file);
  return { name, type, body, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

let cache: Map<string, Asset> | undefined;

export function consoleAssets(): Map<string, Asset> {
  if (cache) return cache;
  const folder = assetsFolder();
  const require = createRequire(import.meta.url);
  const list = [
    load('console.css', `${folder}console.css`, 'text/css; charset=utf-8'),
    load('console.js', `${folder}console.js`, 'text/javascript; charset=utf-8'),
    load('htmx.min.js', require.resolve('htmx.org/dist/htmx.min.js'), 'text/javascript; charset=utf-8'),
  ];
  cache = new Map(list.map((asset) => [asset.name, asset]));
  return cache;
}

/** The URL of an asset, with its hash so a new version is fetched at once. */
export function assetUrl(name: string): string {
  const asset = consoleAssets().get(name);
  return `/admin/assets/${name}${asset ? `?v=${asset.hash}` : ''}`;
}
