// Suggestions from scratch: refresh after a few labels, list, accept one or in bulk (one undoable edit,
// source 'suggestion'), "suggestions right lately", the queue's strategies and the map.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { refreshSuggestions } from '../../../../src/main/core/suggestions/refresh.js';
import { pixelEmbeddings } from '../../../../src/main/core/embeddings/embedding-store.js';
import { computeMap, layoutPoints } from '../../../../src/main/core/suggestions/map.js';
import { TYPICAL_LABELS_PER_CLASS } from '../../../../src/main/core/suggestions/queue.js';
import { mapRows } from '../../../../src/shared/labelling.js';
import { clusteredSet, type ClusteredSet } from './helpers.js';

let set: ClusteredSet;
beforeEach(async () => {
  set = await clusteredSet(['cat', 'dog', 'fox'], 20);
});
afterEach(async () => set.env.cleanup());

const call = <N extends Parameters<ClusteredSet['env']['core']['call']>[0]>(name: N, args: Record<string, unknown>) => set.env.core.call(name, args);

async function labelTruly(imageIds: number[]): Promise<void> {
  for (const id of imageIds) await call('labels/set', { datasetId: set.datasetId, imageIds: [id], classId: set.classIds.get(set.truth.get(id)!)! });
}

describe('suggestions', () => {
  it('say why there are none before two classes are labelled', async () => {
    await labelTruly([set.images[0]!.id]);
    const s = refreshSuggestions(set.env.ws.db, set.datasetId);
    expect(s.status).toBe('skipped');
    expect(s.note).toMatch(/two classes/);
    expect((await call('suggestions/list', { datasetId: set.datasetId })).total).toBe(0);
  });

  it('suggest the right class for unlabelled images after a few labels, and stay suggestions (no label, no split)', async () => {
    await labelTruly(set.images.slice(0, 12).map((i) => i.id));
    const s = refreshSuggestions(set.env.ws.db, set.datasetId);
    expect(s).toMatchObject({ status: 'completed', labelled: 12, suggested: 48, backbone: 'mobilenet', classes: 3 });
    const page = await call('suggestions/list', { datasetId: set.datasetId });
    expect(page.total).toBe(48);
    const right = page.items.filter((i) => i.className === set.truth.get(i.imageId)).length;
    expect(right / page.total).toBeGreaterThan(0.95);
    expect(page.items[0]!.confidence).toBeGreaterThanOrEqual(page.items.at(-1)!.confidence);
    const images = (await call('images/list', { datasetId: set.datasetId, labelled: false })).items;
    expect(images.length).toBe(48);
    expect(images.every((i) => i.classId === null && i.split === null)).toBe(true);
    const status = await call('suggestions/status', { datasetId: set.datasetId });
    expect(status).toMatchObject({ running: false, labelsSinceRefresh: 0, labelled: 12, unlabelled: 48 });
    expect(status.last?.suggested).toBe(48);
    await labelTruly([set.images[20]!.id]);
    expect((await call('suggestions/status', { datasetId: set.datasetId })).labelsSinceRefresh).toBe(1);
  });

  it('are listed for the labeller grid by image, the same ones as the list, and one less once accepted', async () => {
    await labelTruly(set.images.slice(0, 12).map((i) => i.id));
    refreshSuggestions(set.env.ws.db, set.datasetId);
    const listed = (await call('suggestions/list', { datasetId: set.datasetId })).items;
    const shown = await call('suggestions/byImage', { datasetId: set.datasetId });
    const names = new Map(shown.classes.map((c) => [c.id, c.name]));
    const asRows = shown.imageIds.map((imageId, i) => ({ imageId, classId: shown.classIds[i], className: names.get(shown.classIds[i]!), confidence: shown.confidences[i] }));
    const byId = (a: { imageId: number }, b: { imageId: number }) => a.imageId - b.imageId;
    expect(asRows.sort(byId)).toEqual(listed.map(({ imageId, classId, className, confidence }) => ({ imageId, classId, className, confidence })).sort(byId));
    await call('suggestions/accept', { datasetId: set.datasetId, imageIds: [listed[0]!.imageId] });
    const after = await call('suggestions/byImage', { datasetId: set.datasetId });
    expect(after.imageIds).toHaveLength(listed.length - 1);
    expect(after.imageIds).not.toContain(listed[0]!.imageId);
  });

  it('bulk accept: preview counts, accept labels with source suggestion as one edit that one undo takes back', async () => {
    await labelTruly(set.images.slice(0, 12).map((i) => i.id));
    refreshSuggestions(set.env.ws.db, set.datasetId);
    const catId = set.classIds.get('cat')!;
    const preview = await call('suggestions/accept', { datasetId: set.datasetId, minConfidence: 0.5, classId: catId, preview: true });
    expect(preview.preview).toBe(true);
    expect(preview.count).toBeGreaterThan(10);
    expect(preview.byClass.map((b) => b.className)).toEqual(['cat']);
    expect((await call('images/list', { datasetId: set.datasetId, labelled: false })).total).toBe(48);

    const all = await call('suggestions/accept', { datasetId: set.datasetId, minConfidence: 0.5 });
    expect(all.count).toBeGreaterThan(preview.count);
    expect(all.change?.changed).toBe(all.count);
    const sources = set.env.ws.db.prepare('SELECT DISTINCT source FROM label_history WHERE edit_id = ?').all(all.change!.editId) as { source: string }[];
    expect(sources).toEqual([{ source: 'suggestion' }]);
    const accepted = await call('images/list', { datasetId: set.datasetId, imageIds: all.accepted.map((a) => a.imageId) });
    expect(accepted.items.every((i) => i.classId !== null && i.split !== null)).toBe(true);
    expect((await call('suggestions/list', { datasetId: set.datasetId })).total).toBe(48 - all.count);

    await call('labels/undo', { datasetId: set.datasetId });
    expect((await call('images/list', { datasetId: set.datasetId, labelled: false })).total).toBe(48);
    // A bulk acceptance is not counted as the suggestions being checked by a person.
    expect((await call('queue/progress', { datasetId: set.datasetId })).recentSuggestionSample).toBe(0);
  });

  it('counts how often suggestions agreed with the label a person gave', async () => {
    await labelTruly(set.images.slice(0, 12).map((i) => i.id));
    refreshSuggestions(set.env.ws.db, set.datasetId);
    const page = (await call('suggestions/list', { datasetId: set.datasetId })).items.slice(0, 4);
    // Two agree (the true class), two get another class.
    await labelTruly(page.slice(0, 2).map((p) => p.imageId));
    for (const p of page.slice(2)) {
      const other = [...set.classIds.values()].find((id) => id !== p.classId)!;
      await call('labels/set', { datasetId: set.datasetId, imageIds: [p.imageId], classId: other });
    }
    const progress = await call('queue/progress', { datasetId: set.datasetId });
    expect(progress).toMatchObject({ labelled: 16, total: 60, unlabelled: 44, recentSuggestionSample: 4 });
    expect(progress.recentSuggestionAccuracy).toBeCloseTo(page.slice(0, 2).filter((p) => p.className === set.truth.get(p.imageId)).length / 4 + 0, 5);
    expect(progress.labelsPerMinute).toBeGreaterThan(0);
  });
});

describe('queue', () => {
  it('with no labels spreads over the clusters instead of taking neighbours', async () => {
    const q = await call('queue/next', { datasetId: set.datasetId, count: 3, strategy: 'active' });
    expect(q.method).toBe('diverse-spread');
    expect(q.remaining).toBe(60);
    expect(new Set(q.images.map((i) => set.truth.get(i.imageId))).size).toBe(3);
  });

  it('with few labels takes typical images of the clusters that have none yet', async () => {
    // Two cats are labelled (fewer than TYPICAL_LABELS_PER_CLASS × 3 classes): the next pick is a dog or a fox.
    await labelTruly(set.images.filter((i) => set.truth.get(i.id) === 'cat').slice(0, 2).map((i) => i.id));
    const q = await call('queue/next', { datasetId: set.datasetId, count: 1, strategy: 'active' });
    expect(q.method).toBe('diverse-spread');
    expect(['dog', 'fox']).toContain(set.truth.get(q.images[0]!.imageId));
  });

  it('active puts the least confident suggestions first once labels are enough, random is a stable shuffle, skip is honoured', async () => {
    // Overlapping clusters, so confidences differ.
    await set.env.cleanup();
    const perClass = TYPICAL_LABELS_PER_CLASS + 20;
    set = await clusteredSet(['cat', 'dog', 'fox'], perClass, { dims: 8, spread: 1.2 });
    await labelTruly(set.images.slice(0, TYPICAL_LABELS_PER_CLASS * 3 - 1).map((i) => i.id));
    refreshSuggestions(set.env.ws.db, set.datasetId);
    expect((await call('queue/next', { datasetId: set.datasetId, count: 5, strategy: 'active' })).method).toBe('diverse-spread');
    await labelTruly([set.images[TYPICAL_LABELS_PER_CLASS * 3 - 1]!.id]);
    refreshSuggestions(set.env.ws.db, set.datasetId);
    const active = await call('queue/next', { datasetId: set.datasetId, count: 5, strategy: 'active' });
    expect(active.method).toBe('uncertainty-diverse');
    const all = (await call('suggestions/list', { datasetId: set.datasetId })).items;
    const median = [...all].sort((a, b) => a.confidence - b.confidence)[Math.floor(all.length / 2)]!.confidence;
    const mean = active.images.reduce((s, i) => s + i.confidence!, 0) / active.images.length;
    expect(mean).toBeLessThan(median);
    expect(active.images.every((i) => i.suggested !== null)).toBe(true);

    const r1 = await call('queue/next', { datasetId: set.datasetId, count: 5, strategy: 'random' });
    const r2 = await call('queue/next', { datasetId: set.datasetId, count: 5, strategy: 'random' });
    expect(r1.images.map((i) => i.imageId)).toEqual(r2.images.map((i) => i.imageId));
    const skipped = await call('queue/next', { datasetId: set.datasetId, count: 5, strategy: 'random', skip: [r1.images[0]!.imageId] });
    expect(skipped.images.map((i) => i.imageId)).not.toContain(r1.images[0]!.imageId);
    expect(skipped.remaining).toBe(perClass * 3 - TYPICAL_LABELS_PER_CLASS * 3);
  });
});

describe('map', () => {
  it('lays every image out in [0, 1]², clusters apart, with labels and suggestions joined', async () => {
    await labelTruly(set.images.slice(0, 12).map((i) => i.id));
    refreshSuggestions(set.env.ws.db, set.datasetId);
    const phases: string[] = [];
    const summary = computeMap(set.env.ws.db, set.datasetId, { onProgress: (p) => phases.at(-1) !== p.phase && phases.push(p.phase) });
    expect(summary).toMatchObject({ points: 60, fitted: 60, status: 'completed', backbone: 'mobilenet' });
    // Each phase said as it starts (these vectors are too narrow for PCA): the neighbour graph has its
    // own phase, before the layout epochs.
    expect(phases).toEqual(['loading', 'neighbours', 'umap', 'saving', 'done']);
    const map = await call('map/get', { datasetId: set.datasetId });
    const points = mapRows(map);
    expect(points.length).toBe(60);
    expect(map.missing).toBe(0);
    // Every column holds one entry per point, and names come from the classes the answer carries.
    for (const column of Object.values(map.points)) expect(column).toHaveLength(60);
    expect(points.filter((p) => p.label !== null).every((p) => p.label === map.classes.find((c) => c.id === p.classId)?.name)).toBe(true);
    expect(points.every((p) => p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)).toBe(true);
    expect(points.filter((p) => p.label !== null).length).toBe(12);
    expect(points.filter((p) => p.suggested !== null).length).toBe(48);
    // Each point's nearest neighbour on the map is of its own class.
    const near = points.filter((p) => {
      let best = points[0] === p ? points[1]! : points[0]!;
      for (const q of points) if (q !== p && (q.x - p.x) ** 2 + (q.y - p.y) ** 2 < (best.x - p.x) ** 2 + (best.y - p.y) ** 2) best = q;
      return set.truth.get(best.imageId) === set.truth.get(p.imageId);
    }).length;
    expect(near / 60).toBeGreaterThan(0.9);
  });

  it('above its fit cap fits UMAP on a sample, places the others, and says so', async () => {
    const phases: string[] = [];
    const summary = computeMap(set.env.ws.db, set.datasetId, { fitCap: 20, onProgress: (p) => phases.at(-1) !== p.phase && phases.push(p.phase) });
    expect(summary).toMatchObject({ points: 60, fitted: 20, status: 'completed' });
    expect(phases).toEqual(['loading', 'neighbours', 'umap', 'placing', 'saving', 'done']);
    const points = mapRows(await call('map/get', { datasetId: set.datasetId }));
    expect(points.length).toBe(60);
    expect(points.every((p) => p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)).toBe(true);
  });

  it('of wide embeddings reads them from the store row by row and is the layout of the same vectors held', async () => {
    const wide = await clusteredSet(['a', 'b', 'c'], 20, { dims: 64 });
    try {
      const summary = computeMap(wide.env.ws.db, wide.datasetId, { seed: 3 });
      expect(summary).toMatchObject({ points: 60, fitted: 60, pcaDimensions: 50 });
      const held = pixelEmbeddings(wide.env.ws.db, wide.datasetId, 'mobilenet');
      const { coords } = layoutPoints(held.map((v) => v.vector), 3)!;
      const [xs, ys] = [coords.map((c) => c[0]!), coords.map((c) => c[1]!)];
      const scaled = (v: number, all: number[]) => (v - Math.min(...all)) / (Math.max(...all) - Math.min(...all));
      const map = await wide.env.core.call('map/get', { datasetId: wide.datasetId });
      held.forEach((v, i) => {
        const at = map.points.imageId.indexOf(v.imageId);
        expect(map.points.x[at]).toBeCloseTo(scaled(xs[i]!, xs), 5);
        expect(map.points.y[at]).toBeCloseTo(scaled(ys[i]!, ys), 5);
      });
    } finally {
      await wide.env.cleanup();
    }
  });
});
