// A run's process killed exactly between the two writes that end an epoch — the epoch row and the
// `last` checkpoint — loses no epoch row on resume, for every trainer of the one epoch loop (the seed
// CNN on pixels, the face-embedding head on descriptors). The kill is real: SIGKILL of a process
// training with the built trainer (dist/, npm test builds first) at the loop's fault point.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HyperparametersSchema, type HyperparametersInput } from '../../src/shared/hyperparameters.js';
import type { Core } from '../../src/main/core/index.js';
import { loadCheckpoint, runDir } from '../../src/main/core/training/checkpoint.js';
import { createRunRow, getRun, listEpochs, markInterruptedRuns } from '../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../src/main/core/training/snapshots.js';
import { trainRun } from '../../src/main/core/training/trainer.js';
import { storeSyntheticDescriptors, toyCore } from '../main/core/training/helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixture = path.join(repo, 'test/fixtures/jobs/train-until-killed.mjs');
if (!fs.existsSync(path.join(repo, 'dist/main/core/training/trainer.js'))) {
  throw new Error('dist/ is missing: run `npm run build` first (the test command builds before vitest).');
}

let ctx: { core: Core; datasetId: number; dir: string };
beforeAll(async () => {
  ctx = await toyCore(10, 16);
  storeSyntheticDescriptors(ctx.core, ctx.datasetId);
}, 60_000);
afterAll(async () => {
  await ctx.core.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

const PRESETS: Record<string, HyperparametersInput> = {
  'seed-cnn': { imageSize: 16, filters: [4], denseUnits: 8, batchSize: 8, epochs: 3 },
  'face-embedding': { preset: 'face-embedding', denseUnits: 8, batchSize: 4, epochs: 3, learningRate: 0.01 },
};

/** A new run trained in its own process until it kills itself at `point` of epoch 2; marked interrupted like a crash. */
function killedAt(preset: string, point: 'epoch-recorded' | 'checkpoint-saved'): number {
  const db = ctx.core.workspace.db;
  const runId = createRunRow(db, ctx.datasetId, createSnapshot(db, ctx.datasetId).id, `${preset} killed`, HyperparametersSchema.parse(PRESETS[preset]));
  const r = spawnSync(process.execPath, [fixture, ctx.core.workspace.dir, String(runId), point, '2'], { encoding: 'utf8', timeout: 120_000 });
  expect(r.signal, r.stderr).toBe('SIGKILL');
  expect(getRun(db, runId).status).toBe('running');
  expect(markInterruptedRuns(db)).toContain(runId);
  return runId;
}

async function resume(runId: number): Promise<number[]> {
  const ws = ctx.core.workspace;
  const trained: number[] = [];
  const outcome = await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1, resume: true, onEpoch: (m) => trained.push(m.epoch) });
  expect(outcome.status).toBe('completed');
  return trained;
}

describe.each(Object.keys(PRESETS))('%s: a kill at the end of an epoch', (preset) => {
  it('between the epoch row and the last checkpoint: resume redoes that epoch and every row is there once', async () => {
    const runId = killedAt(preset, 'epoch-recorded');
    // Epoch 2's row is committed, its `last` checkpoint is not: the checkpoint still says epoch 1.
    expect(listEpochs(ctx.core.workspace.db, runId).map((e) => e.epoch)).toEqual([1, 2]);
    expect(loadCheckpoint(runDir(ctx.core.workspace.dir, runId), 'last')!.meta.epoch).toBe(1);
    expect(await resume(runId)).toEqual([2, 3]);
    expect(listEpochs(ctx.core.workspace.db, runId).map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(getRun(ctx.core.workspace.db, runId)).toMatchObject({ status: 'completed', epochsDone: 3 });
  }, 180_000);

  it('right after the last checkpoint: resume continues with the next epoch', async () => {
    const runId = killedAt(preset, 'checkpoint-saved');
    expect(listEpochs(ctx.core.workspace.db, runId).map((e) => e.epoch)).toEqual([1, 2]);
    expect(loadCheckpoint(runDir(ctx.core.workspace.dir, runId), 'last')!.meta.epoch).toBe(2);
    expect(await resume(runId)).toEqual([3]);
    expect(listEpochs(ctx.core.workspace.db, runId).map((e) => e.epoch)).toEqual([1, 2, 3]);
  }, 180_000);
});
