// Writing export files so that a crash or an error never leaves a half-written one behind.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Writes to a temp file next to the target, then renames it over the target. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}
