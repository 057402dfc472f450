// Audit reports and decisions on stored probabilities (no training): suspects ranked, accepted
// suggestions relabel, "label is right" is remembered until the label changes, leaks are resolved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { createAudit, finishAudit, loadAuditItems, saveFoldProbabilities } from '../../../../src/main/core/quality/audit-store.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { AuditSettingsSchema } from '../../../../src/shared/quality.js';
import { toyCore } from '../training/helpers.js';

let ctx: { core: Core; datasetId: number };
let auditId: number;
let wrong: { imageId: number; path: string }[];

beforeAll(async () => {
  ctx = await toyCore(12, 16);
  const db = ctx.core.workspace.db;
  auditId = createAudit(db, ctx.datasetId, AuditSettingsSchema.parse({ folds: 2 }));
  const items = loadAuditItems(db, auditId);
  // Classes in name order: bright = 0, dark = 1. The model agrees with every label but two.
  wrong = [items[0]!, items.at(-1)!].map((i) => ({ imageId: i.imageId, path: i.path }));
  saveFoldProbabilities(
    db,
    auditId,
    items.map((it, i) => {
      const agree = i !== 0 && i !== items.length - 1;
      const pLabel = agree ? 0.9 - (i % 5) * 0.02 : i === 0 ? 0.05 : 0.1;
      return { imageId: it.imageId, probabilities: it.classIndex === 0 ? [pLabel, 1 - pLabel] : [1 - pLabel, pLabel] };
    }),
  );
  finishAudit(db, auditId, 'completed', null, 1);
});
afterAll(async () => ctx.core.close());

describe('audit report', () => {
  it('lists the images the out-of-sample model confidently disagrees with, least self-confident first', async () => {
    const r = await ctx.core.call('audit/get', { datasetId: ctx.datasetId });
    expect(r.auditId).toBe(auditId);
    expect(r.suspects.map((s) => s.path)).toEqual([wrong[0]!.path, wrong[1]!.path]);
    const first = r.suspects[0]!;
    expect(first.label).toBe('bright');
    expect(first.suggested).toBe('dark');
    expect(first.score).toBeCloseTo(0.05, 5);
    expect(first.probabilities.dark).toBeCloseTo(0.95, 5);
    expect(r.confidentJoint!.joint[0]![1]).toBe(1);
    expect(r.accuracy).toBeCloseTo((r.images - 2) / r.images, 10);
  });

  it('needs a dataset or an audit id', async () => {
    await expect(ctx.core.call('audit/get', {})).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});

describe('decisions', () => {
  it('accepts a suggestion as a relabel from source suggestion, and the suspect is gone', async () => {
    const db = ctx.core.workspace.db;
    const change = await ctx.core.call('audit/accept', { auditId, imageIds: [wrong[0]!.imageId] });
    expect(change.changed).toBe(1);
    const row = db.prepare('SELECT c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.id = ?').get(wrong[0]!.imageId) as { name: string };
    expect(row.name).toBe('dark');
    const history = db.prepare('SELECT source FROM label_history WHERE image_id = ? ORDER BY id DESC LIMIT 1').get(wrong[0]!.imageId) as { source: string };
    expect(history.source).toBe('suggestion');
    const r = await ctx.core.call('audit/get', { auditId });
    expect(r.suspects.map((s) => s.imageId)).toEqual([wrong[1]!.imageId]);
    expect(r.resolved.relabelled).toBe(1);
  });

  it('remembers "label is right" while the label is unchanged, and suggests again once it changes', async () => {
    const db = ctx.core.workspace.db;
    const id = wrong[1]!.imageId;
    expect((await ctx.core.call('audit/keep', { auditId, imageIds: [id] })).kept).toBe(1);
    let r = await ctx.core.call('audit/get', { auditId });
    expect(r.suspects).toEqual([]);
    expect(r.resolved.kept).toBe(1);
    // A later audit of the same probabilities would not suggest it either: the keep is per image + label.
    const classes = await ctx.core.call('classes/list', { datasetId: ctx.datasetId });
    const bright = classes.find((c) => c.name === 'bright')!.id;
    const dark = classes.find((c) => c.name === 'dark')!.id;
    await ctx.core.call('labels/set', { datasetId: ctx.datasetId, imageIds: [id], classId: bright });
    await ctx.core.call('labels/set', { datasetId: ctx.datasetId, imageIds: [id], classId: dark });
    r = await ctx.core.call('audit/get', { auditId });
    expect(r.suspects.map((s) => s.imageId)).toEqual([id]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM audit_decisions WHERE decision = 'keep'`).get()).toEqual({ n: 1 });
  });

  it('accepts another class when one is given', async () => {
    const classes = await ctx.core.call('classes/list', { datasetId: ctx.datasetId });
    const bright = classes.find((c) => c.name === 'bright')!.id;
    const change = await ctx.core.call('audit/accept', { auditId, imageIds: [wrong[1]!.imageId], classId: bright });
    expect(change.changed).toBe(1);
  });

  it('moves a leaking image into its twin\'s split, or drops it from training', async () => {
    const db = ctx.core.workspace.db;
    const rows = db.prepare(`SELECT id, split FROM images WHERE dataset_id = ? ORDER BY path`).all(ctx.datasetId) as { id: number; split: string }[];
    const train = rows.find((r) => r.split === 'train')!;
    const test = rows.find((r) => r.split === 'test')!;
    const moved = await ctx.core.call('audit/resolveLeak', { imageId: test.id, otherImageId: train.id, action: 'move', auditId });
    expect(moved).toEqual({ imageId: test.id, action: 'move', split: 'train', excluded: false });
    const dropped = await ctx.core.call('audit/resolveLeak', { imageId: test.id, otherImageId: train.id, action: 'drop' });
    expect(dropped.excluded).toBe(true);
    const snapshot = createSnapshot(db, ctx.datasetId);
    expect(snapshot.items.some((i) => i.imageId === test.id)).toBe(false);
    expect(snapshot.items.some((i) => i.imageId === train.id)).toBe(true);
    expect(db.prepare(`SELECT decision FROM audit_decisions WHERE image_id = ? ORDER BY id`).all(test.id)).toEqual([{ decision: 'move' }, { decision: 'drop' }]);
  });

  it('refuses too many folds for the images at hand', async () => {
    await expect(ctx.core.call('audit/start', { datasetId: ctx.datasetId, settings: { folds: 20 } })).rejects.toMatchObject({ code: 'invalid-argument', field: 'folds' });
  });
});
