// Renaming, deleting (rows and files), comparing runs, label changes between snapshots, and the
// prediction queries behind the evaluation view and the labeller's model columns.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { runDir } from '../../../../src/main/core/training/checkpoint.js';
import { createRunRow } from '../../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../../src/main/core/training/trainer.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';
import { toyCore } from './helpers.js';

let ctx: { core: Core; datasetId: number; dir: string; root: string };
let first: number;
let second: number;
let relabelled: number[];

const hp = HyperparametersSchema.parse({ imageSize: 32, batchSize: 8, filters: [4, 8], denseUnits: 8, epochs: 1, augmentation: { flip: false, rotation: 0 } });

async function trainedRun(name: string): Promise<number> {
  const ws = ctx.core.workspace;
  const snap = createSnapshot(ws.db, ctx.datasetId);
  const runId = createRunRow(ws.db, ctx.datasetId, snap.id, name, hp);
  const outcome = await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1 });
  expect(outcome.status).toBe('completed');
  return runId;
}

beforeAll(async () => {
  ctx = await toyCore(12, 32);
  first = await trainedRun('first');
  // Relabel three images between the runs: the second snapshot differs from the first in exactly those.
  const classes = await ctx.core.call('classes/list', { datasetId: ctx.datasetId });
  const bright = classes.find((c) => c.name === 'bright')!;
  const dark = classes.find((c) => c.name === 'dark')!;
  const page = await ctx.core.call('images/list', { datasetId: ctx.datasetId, classId: bright.id, limit: 3 });
  relabelled = page.items.map((i) => i.id);
  await ctx.core.call('labels/set', { datasetId: ctx.datasetId, imageIds: relabelled, classId: dark.id });
  second = await trainedRun('second');
}, 120_000);
afterAll(async () => ctx.core.close());

describe('run administration', () => {
  it('renames a run and refuses an empty name at the boundary', async () => {
    const run = await ctx.core.call('runs/rename', { runId: first, name: '  baseline  ' });
    expect(run.name).toBe('baseline');
    await expect(ctx.core.call('runs/rename', { runId: first, name: '   ' })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('compares runs: details side by side and the images whose class changed between snapshots', async () => {
    const cmp = await ctx.core.call('runs/compare', { runIds: [first, second] });
    expect(cmp.runs.map((r) => r.id)).toEqual([first, second]);
    expect(cmp.runs[0]!.epochs).toHaveLength(1);
    expect(cmp.labelChanges).toHaveLength(1);
    const diff = cmp.labelChanges[0]!;
    expect(diff.changed).toBe(3);
    expect(diff.added + diff.removed).toBe(0);
    expect(diff.examples.map((e) => e.imageId).sort()).toEqual([...relabelled].sort());
    expect(diff.examples.every((e) => e.from === 'bright' && e.to === 'dark')).toBe(true);
    await expect(ctx.core.call('runs/compare', { runIds: [first, first] })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('lists test predictions most confident first, and only mistakes when asked', async () => {
    const detail = await ctx.core.call('runs/get', { runId: second });
    const all = await ctx.core.call('runs/predictions', { runId: second });
    expect(all).toHaveLength(detail.images.test);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.confidence).toBeGreaterThanOrEqual(all[i]!.confidence);
    const wrong = await ctx.core.call('runs/predictions', { runId: second, misclassified: true });
    expect(wrong.every((p) => p.trueClass !== p.predictedClass)).toBe(true);
    const misses = detail.test!.confusion.reduce((n, row, t) => n + row.reduce((m, v, p) => m + (t === p ? 0 : v), 0), 0);
    expect(wrong).toHaveLength(misses);
  });

  it('filters images/list to exactly one confusion-matrix cell, by prediction ≠ label, and sorts by confidence', async () => {
    const detail = await ctx.core.call('runs/get', { runId: second });
    const classes = detail.test!.classes;
    for (let t = 0; t < classes.length; t++) {
      for (let p = 0; p < classes.length; p++) {
        const page = await ctx.core.call('images/list', { datasetId: ctx.datasetId, runId: second, trueClass: classes[t]!, predictedClass: classes[p]! });
        expect(page.total).toBe(detail.test!.confusion[t]![p]);
        expect(page.items.every((i) => i.split === 'test')).toBe(true);
      }
    }
    const preds = await ctx.core.call('runs/predictions', { runId: second });
    const disagree = await ctx.core.call('images/list', { datasetId: ctx.datasetId, runId: second, disagree: true });
    expect(disagree.total).toBe(preds.filter((p) => p.predictedClass !== p.currentClass).length);
    const sorted = await ctx.core.call('images/list', { datasetId: ctx.datasetId, runId: second, sort: 'confidence' });
    expect(sorted.items.slice(0, preds.length).map((i) => i.id)).toEqual(preds.map((p) => p.imageId));
    const ids = preds.slice(0, 2).map((p) => p.imageId);
    const exact = await ctx.core.call('images/list', { datasetId: ctx.datasetId, imageIds: ids });
    expect(exact.items.map((i) => i.id).sort()).toEqual([...ids].sort());
    await expect(ctx.core.call('images/list', { datasetId: ctx.datasetId, disagree: true })).rejects.toMatchObject({ code: 'invalid-argument', field: 'runId' });
  });

  it('refuses to delete a running run', async () => {
    const db = ctx.core.workspace.db;
    const snap = createSnapshot(db, ctx.datasetId);
    const runId = createRunRow(db, ctx.datasetId, snap.id, 'busy', hp);
    db.prepare(`UPDATE runs SET status = 'running', pid = ? WHERE id = ?`).run(process.pid, runId);
    await expect(ctx.core.call('runs/delete', { runId })).rejects.toMatchObject({ code: 'conflict' });
    db.prepare(`UPDATE runs SET status = 'cancelled', pid = NULL WHERE id = ?`).run(runId);
    await ctx.core.call('runs/delete', { runId });
    expect(db.prepare('SELECT COUNT(*) AS n FROM snapshots WHERE id = ?').get(snap.id)).toEqual({ n: 0 });
  });

  it('deletes a run: its rows, its snapshot, its folder', async () => {
    const ws = ctx.core.workspace;
    const dir = runDir(ws.dir, first);
    expect(fs.existsSync(dir)).toBe(true);
    const snapshotId = (await ctx.core.call('runs/get', { runId: first })).snapshotId;
    await ctx.core.call('runs/delete', { runId: first });
    expect(fs.existsSync(dir)).toBe(false);
    await expect(ctx.core.call('runs/get', { runId: first })).rejects.toMatchObject({ code: 'not-found' });
    for (const table of ['epoch_metrics', 'evaluations']) {
      expect(ws.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`).get(first)).toEqual({ n: 0 });
    }
    expect(ws.db.prepare('SELECT COUNT(*) AS n FROM snapshot_items WHERE snapshot_id = ?').get(snapshotId)).toEqual({ n: 0 });
    expect((await ctx.core.call('runs/list', {})).map((r) => r.id)).toEqual([second]);
  });
});
