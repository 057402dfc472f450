// Training end to end on a tiny learnable problem, in-process (one engine thread) and through the
// forked training process (cancel). Uses the built dist/ for the forked process: npm test builds first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { loadEngine } from '../../../../src/main/core/platform/engine/index.js';
import { runDir, loadCheckpoint } from '../../../../src/main/core/training/checkpoint.js';
import { createRunRow, finishRun, getRunDetail, listEpochs } from '../../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../../src/main/core/training/trainer.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';
import { runElapsedSeconds, type TrainProgress } from '../../../../src/shared/runs.js';
import { describeTrainProgress } from '../../../../src/renderer/trainPhase.js';
import { toyCore } from './helpers.js';

let ctx: { core: Core; datasetId: number; dir: string; root: string };
beforeAll(async () => {
  ctx = await toyCore(24, 32);
});
afterAll(async () => ctx.core.close());

function newRun(hp: Record<string, unknown>): number {
  const db = ctx.core.workspace.db;
  const snap = createSnapshot(db, ctx.datasetId);
  return createRunRow(db, ctx.datasetId, snap.id, 'test run', HyperparametersSchema.parse(hp));
}

const base = { imageSize: 32, batchSize: 8, filters: [8, 16], denseUnits: 16, learningRate: 0.003, augmentation: { flip: true, rotation: 0, zoom: 0, contrast: 0 } };

describe('trainRun', () => {
  it('learns a toy problem well above chance and records every epoch, the evaluation and predictions', async () => {
    const runId = newRun({ ...base, epochs: 5 });
    const ws = ctx.core.workspace;
    const events: TrainProgress[] = [];
    const outcome = await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1, onProgress: (p) => events.push(p) });
    const progress = events.map((p) => p.phase);
    expect(outcome.status).toBe('completed');
    const d = getRunDetail(ws.db, runId);
    expect(d.status).toBe('completed');
    expect(d.backend).toBe('wasm');
    expect(d.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    for (const e of d.epochs) {
      expect(e.valLoss).not.toBeNull();
      expect(e.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(d.test).not.toBeNull();
    expect(d.test!.accuracy).toBeGreaterThanOrEqual(0.8); // chance is 0.5
    const predictions = ws.db.prepare('SELECT COUNT(*) AS n FROM predictions p JOIN evaluations e ON e.id = p.evaluation_id WHERE e.run_id = ?').get(runId) as { n: number };
    expect(predictions.n).toBe(d.images.test);
    expect(d.test!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(d.images.test);
    expect(progress).toContain('preparing');
    expect(progress).toContain('training');
    expect(progress.at(-1)).toBe('done');
    // One phase at a time, in order: everything prepared (decoding, then the model) before the first
    // batch, and the live panel's line for each event names one phase with only its own numbers.
    const firstBatch = progress.indexOf('training');
    expect(progress.slice(0, firstBatch).every((p) => p === 'preparing')).toBe(true);
    expect(progress.slice(firstBatch).includes('preparing')).toBe(false);
    const tasks = events.slice(0, firstBatch).map((p) => p.task ?? 'start');
    expect([...new Set(tasks)]).toEqual(['start', 'decoding', 'model']);
    for (const p of events) {
      const line = describeTrainProgress(p, { epochsDone: 0, epochs: 5 });
      if (p.phase === 'preparing') expect(`${line.title} ${line.detail ?? ''}`).not.toMatch(/epoch|batch/);
      else expect(line.title).not.toMatch(/Decoding|cache|Building|Starting/);
      if (p.phase === 'training') expect(line.detail).toBe(`epoch ${p.epoch} / 5 · batch ${p.batch} / ${p.batches}`);
    }
    // The best checkpoint is the epoch with the lowest val_loss.
    const best = loadCheckpoint(runDir(ws.dir, runId), 'best')!;
    const minVal = Math.min(...d.epochs.map((e) => e.valLoss!));
    expect(d.epochs.find((e) => e.epoch === best.meta.bestEpoch)!.valLoss).toBe(minVal);
    expect(d.bestEpoch).toBe(best.meta.bestEpoch);
  });

  it('does not grow the number of live tensors from epoch to epoch', async () => {
    const { tf } = await loadEngine();
    const runId = newRun({ ...base, epochs: 4 });
    const ws = ctx.core.workspace;
    const counts: number[] = [];
    await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1, onEpoch: () => counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(4);
    expect(counts, `live tensors after each epoch: ${counts.join(", ")}`).toEqual(new Array(4).fill(counts[0]));
  });

  it('stops on cancel within one batch and marks the run cancelled', async () => {
    const runId = newRun({ ...base, epochs: 3 });
    const ws = ctx.core.workspace;
    const controller = new AbortController();
    const batchesSeen: number[] = [];
    const outcome = await trainRun(ws.db, runId, {
      workspaceDir: ws.dir,
      cacheDir: ws.cacheDir,
      threads: 1,
      signal: controller.signal,
      afterBatch: (epoch, batch) => {
        batchesSeen.push(batch);
        if (epoch === 1 && batch === 2) controller.abort();
      },
    });
    expect(outcome.status).toBe('cancelled');
    expect(batchesSeen).toEqual([1, 2]);
    expect(getRunDetail(ws.db, runId).status).toBe('cancelled');
    expect(listEpochs(ws.db, runId)).toEqual([]);
  });

  it('resumes an interrupted run from its last checkpoint and finishes it', async () => {
    const runId = newRun({ ...base, epochs: 4 });
    const ws = ctx.core.workspace;
    const controller = new AbortController();
    await trainRun(ws.db, runId, {
      workspaceDir: ws.dir,
      cacheDir: ws.cacheDir,
      threads: 1,
      signal: controller.signal,
      afterBatch: (epoch) => {
        if (epoch === 3) controller.abort();
      },
    });
    finishRun(ws.db, runId, 'interrupted', 'simulated crash');
    expect(listEpochs(ws.db, runId).map((e) => e.epoch)).toEqual([1, 2]);
    const trained: number[] = [];
    const outcome = await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1, resume: true, onEpoch: (m) => trained.push(m.epoch) });
    expect(outcome.status).toBe('completed');
    expect(trained).toEqual([3, 4]);
    const d = getRunDetail(ws.db, runId);
    expect(d.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(d.status).toBe('completed');
    expect(d.test).not.toBeNull();
  });

  it('stops early when val_loss has not improved for `patience` epochs', async () => {
    const runId = newRun({ ...base, epochs: 30, patience: 1, learningRate: 0.01 });
    const ws = ctx.core.workspace;
    await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1 });
    const epochs = listEpochs(ws.db, runId);
    expect(epochs.length).toBeLessThan(30);
    const last = epochs.at(-1)!;
    const prev = epochs.at(-2)!;
    const bestBefore = Math.min(...epochs.slice(0, -1).map((e) => e.valLoss!));
    expect(last.valLoss!).toBeGreaterThanOrEqual(bestBefore);
    expect(prev).toBeDefined();
  });
});

describe('runs through the training process', () => {
  // Runs fork the built training process; without `npm run build` the core says which file is missing.
  it('cancels a running run from the parent and marks it cancelled', async () => {
    const core = ctx.core;
    const run = await core.call('runs/start', { datasetId: ctx.datasetId, hyperparameters: { ...base, epochs: 50 } });
    await new Promise<void>((resolve) => {
      const off = core.events.on('train/progress', (p) => {
        if (p.runId === run.id && p.phase === 'training') {
          off();
          resolve();
        }
      });
    });
    const cancelled = await core.call('runs/cancel', { runId: run.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.epochsDone).toBeLessThan(50);
    // The run's clock started when it was started (before any epoch ended) and stopped at the cancel.
    expect(run.startedAt).not.toBeNull();
    expect(Date.parse(cancelled.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(run.startedAt!));
    const stopped = runElapsedSeconds(cancelled, Date.now());
    expect(stopped).toBe((Date.parse(cancelled.finishedAt!) - Date.parse(run.startedAt!)) / 1000);
    expect(runElapsedSeconds(cancelled, Date.now() + 3_600_000)).toBe(stopped);
    // A resume starts the clock again (it does not count the time the run lay stopped).
    const resumed = core.runs.resume(run.id);
    expect(resumed.finishedAt).toBeNull();
    expect(Date.parse(resumed.startedAt!)).toBeGreaterThanOrEqual(Date.parse(cancelled.finishedAt!));
    expect((await core.call('runs/cancel', { runId: run.id })).status).toBe('cancelled');
  });

  it('relabelling while a run trains leaves its snapshot unchanged', async () => {
    const core = ctx.core;
    const db = core.workspace.db;
    const run = await core.call('runs/start', { datasetId: ctx.datasetId, hyperparameters: { ...base, epochs: 1 } });
    const before = db.prepare('SELECT image_id, class_index FROM snapshot_items WHERE snapshot_id = ? ORDER BY image_id').all(run.snapshotId);
    const page = await core.call('images/list', { datasetId: ctx.datasetId, limit: 5 });
    const classes = await core.call('classes/list', { datasetId: ctx.datasetId });
    await core.call('labels/set', { datasetId: ctx.datasetId, imageIds: page.items.map((i) => i.id), classId: classes[1]!.id });
    const done = await core.runs.wait(run.id);
    expect(done.status).toBe('completed');
    const after = db.prepare('SELECT image_id, class_index FROM snapshot_items WHERE snapshot_id = ? ORDER BY image_id').all(run.snapshotId);
    expect(after).toEqual(before);
    await core.call('labels/undo', { datasetId: ctx.datasetId });
  });
});
