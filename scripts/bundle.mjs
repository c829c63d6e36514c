// Bundles the compiled CLI (dist/cli/main.js and every package it imports) into dist/bundle/roster.mjs, which
// `bin/roster.js` runs. Node loads one file instead of about 700 modules: the server answers its first request in
// roughly half the time (issue 7, BENCHMARKS.md). `npm run build` runs tsc, then this.
//
// Native and lazily loaded drivers stay outside and are found in node_modules at run time. The bundle lives two
// folders below the package root, like dist/console/, so paths built from import.meta.url (the console's
// assets) resolve the same way from either build.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bundle/roster.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', '@node-rs/argon2', 'pg'],
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as rosterCreateRequire } from 'node:module'; const require = rosterCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
