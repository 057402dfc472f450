// Shared set-up for the dataset, store and CLI tests: temp folders, workspaces and small images.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Core } from '../../../../src/main/core/index.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';

/** A fresh temp folder; remove it with the returned cleanup. */
export async function tempDir(prefix = 'facet-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A workspace in its own temp folder, with a Core over it. */
export async function tempCore(): Promise<{ core: Core; ws: Workspace; dir: string; cleanup: () => Promise<void> }> {
  const t = await tempDir('facet-ws-');
  const ws = Workspace.open(path.join(t.dir, 'workspace'));
  const core = new Core(ws);
  return {
    core,
    ws,
    dir: t.dir,
    cleanup: async () => {
      // Awaited: it stops the jobs (the health job an import started) before their folder goes.
      await core.close();
      await t.cleanup();
    },
  };
}

export interface ImageSpec {
  width?: number;
  height?: number;
  /** A seed for the colour, so two calls with different seeds give different bytes. */
  seed?: number;
  format?: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff';
  /** EXIF orientation tag (1–8); only for JPEG. */
  orientation?: number;
}

/** Writes a small solid-colour image (with a diagonal so it is not trivially compressible). */
export async function writeImage(file: string, spec: ImageSpec = {}): Promise<void> {
  const { width = 24, height = 16, seed = 1, format = 'jpeg', orientation } = spec;
  const r = (seed * 73) % 256;
  const g = (seed * 151) % 256;
  const b = (seed * 199) % 256;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const on = (x + y + seed) % 7 === 0;
      raw[o] = on ? 255 - r : r;
      raw[o + 1] = on ? 255 - g : g;
      raw[o + 2] = on ? 255 - b : b;
    }
  }
  await mkdir(path.dirname(file), { recursive: true });
  let img = sharp(raw, { raw: { width, height, channels: 3 } });
  if (orientation !== undefined) img = img.withMetadata({ orientation });
  await img.toFormat(format).toFile(file);
}

/** Writes `perClass` images into each class folder under root; returns the relative paths. */
export async function writeClassFolders(root: string, perClass: Record<string, number>, startSeed = 1): Promise<string[]> {
  const paths: string[] = [];
  let seed = startSeed;
  for (const [cls, n] of Object.entries(perClass)) {
    await mkdir(path.join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) {
      const rel = `${cls}/img${String(i).padStart(3, '0')}.png`;
      await writeImage(path.join(root, rel), { seed: seed++, format: 'png', width: 8, height: 8 });
      paths.push(rel);
    }
  }
  return paths;
}
