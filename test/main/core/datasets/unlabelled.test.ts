// Unsorted folders (issue 17): images outside class folders arrive unlabelled, in no split, never
// trained on; the first label gives the split drawn on arrival, so val / test stay a random sample.
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageItem } from '../../../../src/shared/domain.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { tempCore, writeClassFolders, writeImage } from './helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let root: string;
beforeEach(async () => {
  env = await tempCore();
  root = path.join(env.dir, 'data');
  await mkdir(root);
});
afterEach(async () => env.cleanup());

async function images(datasetId: number): Promise<Map<string, ImageItem>> {
  const page = await env.core.call('images/list', { datasetId });
  return new Map(page.items.map((i) => [i.path, i]));
}

describe('import of unsorted images', () => {
  it('imports images directly in the folder as unlabelled, in no split, next to labelled class folders', async () => {
    await writeClassFolders(root, { cats: 4, dogs: 4 });
    for (let i = 0; i < 5; i++) await writeImage(path.join(root, `loose-${i}.jpg`), { seed: 100 + i });
    const s = await env.core.call('datasets/import', { folder: root });
    expect(s.imported).toBe(13);
    expect(s.unlabelled).toBe(5);
    expect(s.classes.map((c) => c.count)).toEqual([4, 4]);
    expect(s.skipped).toEqual([]);
    expect(s.splits.train + s.splits.val + s.splits.test).toBe(8);
    const loose = [...(await images(s.datasetId)).values()].filter((i) => i.path.startsWith('loose-'));
    expect(loose.every((i) => i.classId === null && i.split === null && i.folderClass === null)).toBe(true);
    const listed = await env.core.call('images/list', { datasetId: s.datasetId, labelled: false });
    expect(listed.items.map((i) => i.path).sort()).toEqual(loose.map((i) => i.path).sort());
    expect((await env.core.call('datasets/get', { datasetId: s.datasetId })).unlabelled).toBe(5);
  });

  it('with unlabelled: every image is unlabelled and no sub-folder becomes a class, also on rescan', async () => {
    await writeClassFolders(root, { cats: 3, dogs: 3 });
    const s = await env.core.call('datasets/import', { folder: root, unlabelled: true });
    expect({ imported: s.imported, unlabelled: s.unlabelled, classes: s.classes.length }).toEqual({ imported: 6, unlabelled: 6, classes: 0 });
    await writeImage(path.join(root, 'cats', 'new.jpg'), { seed: 77 });
    const again = await env.core.call('datasets/rescan', { datasetId: s.datasetId });
    expect({ added: again.added, unlabelled: again.unlabelled, classes: again.classes.length }).toEqual({ added: 1, unlabelled: 7, classes: 0 });
  });

  it('gives a first label the split drawn on arrival: about the dataset shares, independent of labelling order', async () => {
    const dir = await mkdtemp(path.join(env.dir, 'pool-'));
    for (let i = 0; i < 200; i++) await writeImage(path.join(dir, `p${String(i).padStart(3, '0')}.png`), { seed: i + 1, width: 8, height: 8, format: 'png' });
    const s = await env.core.call('datasets/import', { folder: dir, split: { train: 60, val: 20, test: 20 } });
    const cls = await env.core.call('classes/add', { datasetId: s.datasetId, name: 'thing' });
    const all = [...(await images(s.datasetId)).values()];
    const reserved = all.filter((i) => i.heldOut !== null && i.heldOut !== undefined);
    const held = all.filter((i) => i.heldOut === 'val' || i.heldOut === 'test').length;
    expect(held).toBeGreaterThan(200 * 0.4 * 0.6);
    expect(held).toBeLessThan(200 * 0.4 * 1.4);
    expect(reserved.length).toBe(held);
    const rule = await env.core.call('splits/holdout', { datasetId: s.datasetId });
    expect(rule.reserved.val + rule.reserved.test).toBe(held);
    expect(rule.explanation).toMatch(/val|test/);

    // Label in reverse path order: each image lands in the split it was reserved for.
    const expected = new Map(all.map((i) => [i.id, i.heldOut ?? 'train']));
    const order = [...all].sort((a, b) => b.path.localeCompare(a.path));
    for (const img of order.slice(0, 60)) await env.core.call('labels/set', { datasetId: s.datasetId, imageIds: [img.id], classId: cls.id });
    const after = await images(s.datasetId);
    for (const img of order.slice(0, 60)) expect(after.get(img.path)!.split).toBe(expected.get(img.id));
    expect(after.get(order[0]!.path)!.heldOut).toBeNull();
  });

  it('undoing a first label makes the image unlabelled again and takes it out of its split', async () => {
    await writeImage(path.join(root, 'a.jpg'), { seed: 3 });
    const s = await env.core.call('datasets/import', { folder: root });
    const cls = await env.core.call('classes/add', { datasetId: s.datasetId, name: 'a' });
    const img = (await images(s.datasetId)).get('a.jpg')!;
    await env.core.call('labels/set', { datasetId: s.datasetId, imageIds: [img.id], classId: cls.id, source: 'suggestion' });
    expect((await images(s.datasetId)).get('a.jpg')!.split).not.toBeNull();
    const history = env.ws.db.prepare('SELECT source FROM label_history WHERE image_id = ? ORDER BY id').all(img.id) as { source: string }[];
    expect(history.map((h) => h.source)).toEqual(['suggestion']);
    const undone = await env.core.call('labels/undo', { datasetId: s.datasetId });
    expect(undone.changed).toBe(1);
    expect((await images(s.datasetId)).get('a.jpg')).toMatchObject({ classId: null, split: null });
    await env.core.call('labels/redo', { datasetId: s.datasetId });
    expect((await images(s.datasetId)).get('a.jpg')!.classId).toBe(cls.id);
  });

  it('leaves unlabelled images out of training snapshots and dataset exports', async () => {
    await writeClassFolders(root, { cats: 5, dogs: 5 });
    for (let i = 0; i < 4; i++) await writeImage(path.join(root, `loose-${i}.jpg`), { seed: 50 + i });
    const s = await env.core.call('datasets/import', { folder: root });
    const snap = createSnapshot(env.ws.db, s.datasetId);
    expect(snap.items.length).toBe(10);
    expect(snap.items.some((r) => r.path.startsWith('loose-'))).toBe(false);
    const out = path.join(env.dir, 'export');
    const exported = await env.core.call('datasets/export', { datasetId: s.datasetId, out });
    expect(exported.images).toBe(10);
  });
});
