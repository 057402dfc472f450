// Writing export files so that a crash or an error never leaves a half-written one behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeError } from './write-error.js';

/**
 * Writes to a temp file next to the target, then renames it over the target: a reader never sees half
 * a file, even with another writer (another process, or another call in this one) at the same time.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, what = `the export file ${path.basename(file)}`): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(error, file, what);
  }
}
