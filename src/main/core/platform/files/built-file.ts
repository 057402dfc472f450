// Child processes and worker threads need JavaScript: when this code runs from src/*.ts (tests,
// tsx), the sibling entry point is taken from the build in dist/ (npm run build writes it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FacetError } from '../../../../shared/errors.js';

export function builtSibling(moduleUrl: string, relativeJs: string): string {
  const here = fileURLToPath(moduleUrl);
  let target = fileURLToPath(new URL(relativeJs, moduleUrl));
  if (here.endsWith('.ts')) {
    const marker = `${'/'}src${'/'}`;
    const at = target.lastIndexOf(marker);
    if (at >= 0) target = `${target.slice(0, at)}/dist/${target.slice(at + marker.length)}`;
  }
  if (!existsSync(target)) {
    throw new FacetError('internal', `The built file ${target} is missing.`, { file: target, hint: 'Run `npm run build` first.' });
  }
  return target;
}
