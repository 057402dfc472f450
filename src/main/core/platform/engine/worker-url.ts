// Where a worker thread's built JavaScript lives. Workers run built code only: from dist/ the file
// sits next to the module that starts it; from src/*.ts (vitest, tsx) the same path under dist/ is used.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Path of the built `file` (relative to the module at `moduleUrl`): maps …/src/….ts to …/dist/….js. */
export function builtWorkerPath(moduleUrl: string, file = './replica-worker.js'): string {
  const target = fileURLToPath(new URL(file, moduleUrl));
  if (!fileURLToPath(moduleUrl).endsWith('.ts')) return target;
  const marker = `${path.sep}src${path.sep}`;
  const at = target.lastIndexOf(marker);
  if (at < 0) throw new Error(`Cannot map ${moduleUrl} to its built file: it is not under a src/ folder.`);
  return `${target.slice(0, at)}${path.sep}dist${path.sep}${target.slice(at + marker.length)}`;
}

/** The URL of a built worker `file` next to the module at `moduleUrl`; says to build when it is missing. */
export function workerUrl(moduleUrl: string, file: string): URL {
  const built = builtWorkerPath(moduleUrl, file);
  if (!existsSync(built)) {
    throw new Error(`The worker ${built} is missing: build first (npx tsc -p tsconfig.build.json).`);
  }
  return pathToFileURL(built);
}

export function replicaWorkerUrl(moduleUrl: string = import.meta.url): URL {
  return workerUrl(moduleUrl, './replica-worker.js');
}
