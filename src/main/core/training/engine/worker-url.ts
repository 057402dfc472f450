// Where the replica worker's built JavaScript lives. Workers run built code only: from dist/ the
// file sits next to this module; from src/*.ts (vitest, tsx) the same path under dist/ is used.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function replicaWorkerUrl(moduleUrl: string = import.meta.url): URL {
  const here = fileURLToPath(moduleUrl);
  let file = fileURLToPath(new URL('./replica-worker.js', moduleUrl));
  if (here.endsWith('.ts')) {
    const at = file.lastIndexOf(`${sep()}src${sep()}`);
    if (at < 0) throw new Error(`Cannot map ${here} to its built file: it is not under a src/ folder.`);
    file = `${file.slice(0, at)}${sep()}dist${sep()}${file.slice(at + 5)}`;
  }
  if (!existsSync(file)) {
    throw new Error(`The training worker ${file} is missing: build first (npx tsc -p tsconfig.build.json).`);
  }
  return pathToFileURL(file);
}

function sep(): string {
  return process.platform === 'win32' ? '\\' : '/';
}
