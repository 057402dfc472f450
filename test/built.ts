// Tests that run the built app (the `facet` binary, child processes, dist/ modules) need `npm run
// build` first. `npm test` builds before vitest, so a missing file is a failure that says what to run,
// never a silent skip.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../', import.meta.url));

/** Throws naming the missing files (paths relative to the repository) and the command that makes them. */
export function requireBuilt(...files: string[]): void {
  const missing = files.filter((f) => !fs.existsSync(path.join(REPO, f)));
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: run \`npm run build\` first (\`npm test\` builds before vitest).`);
  }
}
