#!/usr/bin/env node
// The `roster` command. `npm run build` compiles dist/ with tsc, then bundles it into dist/bundle/roster.mjs,
// which starts in about half the time (scripts/bundle.mjs). The bundle runs unless it is missing or older than
// the compiled CLI (tsc alone ran since), in which case the compiled modules run as they are.
import { statSync } from 'node:fs';

const modifiedMs = (relative) => statSync(new URL(relative, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundled = modifiedMs('../dist/bundle/roster.mjs');
const compiled = modifiedMs('../dist/cli/main.js');
await import(bundled !== undefined && (compiled === undefined || bundled >= compiled) ? '../dist/bundle/roster.mjs' : '../dist/cli/main.js');
