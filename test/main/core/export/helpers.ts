// Test helpers for export: the demo faces data set imported into a temp workspace, and a tiny run trained on it in-process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../../../../src/main/core/index.js';
import { generateDemo } from '../../../../src/main/core/demo/generate.js';
import { createRunRow } from '../../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../../src/main/core/training/trainer.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface DemoWorkspace {
  core: Core;
  dir: string;
  demo: string;
  datasetId: number;
}

/** 45 demo images (64 px) imported with people kept whole per split. */
export async function demoWorkspace(prefix = 'facet-export-'): Promise<DemoWorkspace> {
  const dir = tempDir(prefix);
  const demo = path.join(dir, 'faces');
  await generateDemo({ out: demo, count: 45, size: 64 });
  const core = new Core(Workspace.open(path.join(dir, 'ws')));
  const summary = await core.call('datasets/import', { folder: demo, groupBy: '^(id\\d+)_' });
  return { core, dir, demo, datasetId: summary.datasetId };
}

export const TINY_HYPERPARAMETERS = {
  imageSize: 32,
  batchSize: 8,
  epochs: 3,
  filters: [8, 16],
  denseUnits: 16,
  dropout: 0.2,
  learningRate: 0.003,
  augmentation: { flip: true, rotation: 0, zoom: 0, contrast: 0 },
};

/** Trains a tiny seed CNN on the dataset in this process (one engine thread); returns the run id. */
export async function trainTinyRun(ws: DemoWorkspace, hp: Record<string, unknown> = TINY_HYPERPARAMETERS): Promise<number> {
  const db = ws.core.workspace.db;
  const snapshot = createSnapshot(db, ws.datasetId);
  const runId = createRunRow(db, ws.datasetId, snapshot.id, 'tiny export run', HyperparametersSchema.parse(hp));
  const outcome = await trainRun(db, runId, { workspaceDir: ws.core.workspace.dir, cacheDir: ws.core.workspace.cacheDir, threads: 1 });
  if (outcome.status !== 'completed') throw new Error(`training ended ${outcome.status}`);
  return runId;
}
