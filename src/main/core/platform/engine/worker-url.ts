// Where the replica worker's built JavaScript lives. Workers run built code only: from dist/ the
// file sits next to this module; from src/*.ts (vitest, tsx) the same path under dist/ is used.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Path of the built worker for a module at `moduleUrl` (maps …/src/….ts to …/dist/….js). */
export function builtWorkerPath(moduleUrl: string): string {
  const file = fileURLToPath(new URL('./replica-worker.js', moduleUrl));
  if (!fileURLToPath(moduleUrl).endsWith('.ts')) return file;
  const marker = `${path.sep}src${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) throw new Error(`Cannot map ${moduleUrl} to its built file: it is not under a src/ folder.`);
  return `${file.slice(0, at)}${path.sep}dist${path.sep}${file.slice(at + marker.length)}`;
}

export function replicaWorkerUrl(moduleUrl: string = import.meta.url): URL {
  const file = builtWorkerPath(moduleUrl);
  if (!existsSync(file)) {
    throw new Error(`The training worker ${file} is missing: build first (npx tsc -p tsconfig.build.json).`);
  }
  return pathToFileURL(file);
}
