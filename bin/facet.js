#!/usr/bin/env node
// The `facet` command: runs the built CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('facet: the app is not built yet. Run `npm run build` in the facet-studio folder first.\n');
  process.exit(1);
}
await import(entry.href);
