// Writing export files so that a crash or an error never leaves a half-written one behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeError } from '../util/write-error.js';

/** Writes to a temp file next to the target, then renames it over the target. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(error, file, `the export file ${path.basename(file)}`);
  }
}
