import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { setLabels } from '../../../../src/main/core/datasets/labels.js';
import { createSnapshot, loadSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { toyCore } from './helpers.js';

let ctx: { core: Core; datasetId: number };
beforeAll(async () => {
  ctx = await toyCore(10, 24);
});
afterAll(async () => ctx.core.close());

describe('snapshots', () => {
  it('copies labels and splits so relabelling afterwards does not change the snapshot', async () => {
    const db = ctx.core.workspace.db;
    const before = createSnapshot(db, ctx.datasetId);
    const classes = await ctx.core.call('classes/list', { datasetId: ctx.datasetId });
    const dark = classes.find((c) => c.name === 'dark')!;
    const target = before.items.find((i) => before.classes[i.classIndex] === 'bright')!;
    setLabels(db, ctx.datasetId, [target.imageId], dark.id);
    const reloaded = loadSnapshot(db, before.id);
    expect(reloaded.items.find((i) => i.imageId === target.imageId)!.classIndex).toBe(before.classes.indexOf('bright'));
    expect(reloaded.contentHash).toBe(before.contentHash);
    const after = createSnapshot(db, ctx.datasetId);
    expect(after.items.find((i) => i.imageId === target.imageId)!.classIndex).toBe(after.classes.indexOf('dark'));
    expect(after.contentHash).not.toBe(before.contentHash);
  });

  it('refuses updates to snapshot rows at the database level', () => {
    const db = ctx.core.workspace.db;
    expect(() => db.prepare('UPDATE snapshot_items SET class_index = 0').run()).toThrow(/immutable/);
  });

  it('orders classes by name: output index i is the i-th class name', () => {
    const snap = createSnapshot(ctx.core.workspace.db, ctx.datasetId);
    expect(snap.classes).toEqual(['bright', 'dark']);
  });
});
