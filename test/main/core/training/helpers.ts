// Test helpers for training: a tiny generated class-folder data set imported into a temp workspace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Core } from '../../../../src/main/core/index.js';
import { saveAnalysis } from '../../../../src/main/core/faces/face-store.js';
import { EMBEDDING_SIZE } from '../../../../src/main/core/training/embedding-preset.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A learnable toy problem: class "bright" images are light, class "dark" ones dark, with noise and a
 * random square so no two images are equal.
 */
export async function writeToyDataset(root: string, perClass = 24, size = 32, seed = 1): Promise<void> {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const [cls, base] of [['bright', 200], ['dark', 50]] as const) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(size * size * 3);
      const sq = Math.floor(rand() * (size - 8));
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++)
          for (let c = 0; c < 3; c++) {
            const inSquare = x >= sq && x < sq + 8 && y >= sq && y < sq + 8;
            px[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base + (rand() - 0.5) * 60 + (inSquare ? 40 : 0))));
          }
      await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(path.join(root, cls, `img${String(i).padStart(3, '0')}.png`));
    }
  }
}

export async function toyCore(perClass = 24, size = 32): Promise<{ core: Core; datasetId: number; dir: string; root: string }> {
  const dir = tempDir('facet-train-');
  const root = path.join(dir, 'data');
  await writeToyDataset(root, perClass, size);
  const core = new Core(Workspace.open(path.join(dir, 'ws')));
  const summary = await core.call('datasets/import', { folder: root, split: { train: 70, val: 15, test: 15 } });
  // The health checks the import started, finished: the workspace is at rest for what follows (a test
  // that takes the database's checksum would otherwise see the health job's saves land in between).
  await core.call('health/check', { datasetId: summary.datasetId });
  return { core, datasetId: summary.datasetId, dir, root };
}

/** A descriptor near its class's centre; every other image is stored as a face, the rest as a whole picture (no face found). */
export function storeSyntheticDescriptors(core: Core, datasetId: number): void {
  const db = core.workspace.db;
  let s = 11;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const centres = new Map<string, Float32Array>();
  const rows = db.prepare(`SELECT i.hash, c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.dataset_id = ?`).all(datasetId) as { hash: string; name: string }[];
  rows.forEach((r, n) => {
    if (!centres.has(r.name)) centres.set(r.name, Float32Array.from({ length: EMBEDDING_SIZE }, () => rand() * 0.4));
    const centre = centres.get(r.name)!;
    const embedding = Float32Array.from(centre, (v) => v + rand() * 0.3);
    const face = { index: 0, score: 0.9, box: { x: 4, y: 4, width: 20, height: 20 }, landmarks: [] as [number, number][], embedding };
    saveAnalysis(db, r.hash, n % 2 === 0 ? { width: 32, height: 32, faces: [face], wholeEmbedding: null } : { width: 32, height: 32, faces: [], wholeEmbedding: embedding }, 'ssd', 0.5);
  });
}
