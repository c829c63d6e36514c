#!/usr/bin/env node
// The `roster` command: runs the compiled CLI (npm install builds it; `npm run build` rebuilds it).
import '../dist/cli/main.js';
