import { mkdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageItem, ImportProgress } from '../../../../src/shared/domain.js';
import { FacetError } from '../../../../src/shared/errors.js';
import { rescanDataset } from '../../../../src/main/core/datasets/import.js';
import { tempCore, writeClassFolders, writeImage } from './helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let root: string;
beforeEach(async () => {
  env = await tempCore();
  root = path.join(env.dir, 'data');
  await mkdir(root);
});
afterEach(async () => env.cleanup());

async function imagesByPath(datasetId: number, status: 'ok' | 'all' = 'all'): Promise<Map<string, ImageItem>> {
  const page = await env.core.call('images/list', { datasetId, status });
  return new Map(page.items.map((i) => [i.path, i]));
}

async function classId(datasetId: number, name: string): Promise<number> {
  const classes = await env.core.call('classes/list', { datasetId });
  return classes.find((c) => c.name === name)!.id;
}

describe('rescan', () => {
  it('probes nothing when the folder is unchanged', async () => {
    await writeClassFolders(root, { cats: 6, dogs: 6 });
    const first = await env.core.call('datasets/import', { folder: root });
    const events: ImportProgress[] = [];
    const again = await rescanDataset(env.ws, first.datasetId, (p) => events.push(p));
    expect({ added: again.added, changed: again.changed, removed: again.removed, unchanged: again.unchanged }).toEqual({
      added: 0,
      changed: 0,
      removed: 0,
      unchanged: 12,
    });
    expect(events.filter((e) => e.phase === 'reading').every((e) => e.total === 0)).toBe(true);
    expect(again.splits).toEqual(first.splits);
  });

  it('makes again the thumbnails that went from the cache, counting their images as unchanged', async () => {
    await writeClassFolders(root, { cats: 3, dogs: 3 });
    const first = await env.core.call('datasets/import', { folder: root });
    const items = [...(await imagesByPath(first.datasetId, 'ok')).values()];
    const gone = items.slice(0, 2).map((i) => env.ws.thumbnailPath(i.hash!));
    const kept = env.ws.thumbnailPath(items[2]!.hash!);
    const keptStat = await stat(kept);
    for (const f of gone) await rm(f);
    const labelsBefore = items.map((i) => [i.id, i.classId]);

    const again = await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    expect({ added: again.added, changed: again.changed, removed: again.removed, unchanged: again.unchanged, restored: again.thumbnailsRestored }).toEqual({
      added: 0,
      changed: 0,
      removed: 0,
      unchanged: 6,
      restored: 2,
    });
    for (const f of gone) expect((await stat(f)).size).toBeGreaterThan(0);
    expect((await stat(kept)).mtimeMs).toBe(keptStat.mtimeMs);
    const after = [...(await imagesByPath(first.datasetId, 'ok')).values()];
    expect(after.map((i) => [i.id, i.classId])).toEqual(labelsBefore);
  });

  it('detects added, removed and changed files; a removed file becomes missing and keeps its label', async () => {
    await writeClassFolders(root, { cats: 4, dogs: 4 });
    const first = await env.core.call('datasets/import', { folder: root });
    const before = await imagesByPath(first.datasetId);
    const dogs = await classId(first.datasetId, 'dogs');
    await env.core.call('labels/set', { datasetId: first.datasetId, imageIds: [before.get('cats/img000.png')!.id], classId: dogs });

    await rm(path.join(root, 'cats/img000.png'));
    await writeImage(path.join(root, 'dogs/img001.png'), { seed: 500, format: 'png', width: 8, height: 8 }); // new content
    await writeImage(path.join(root, 'dogs/new.png'), { seed: 501, format: 'png', width: 8, height: 8 });

    const second = await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    expect({ added: second.added, changed: second.changed, removed: second.removed, unchanged: second.unchanged }).toEqual({
      added: 1,
      changed: 1,
      removed: 1,
      unchanged: 6,
    });
    expect(second.imported).toBe(8);
    const after = await imagesByPath(first.datasetId);
    expect(after.get('cats/img000.png')).toMatchObject({ status: 'missing', className: 'dogs', split: before.get('cats/img000.png')!.split });
    expect(after.get('dogs/img001.png')!.hash).not.toBe(before.get('dogs/img001.png')!.hash);
    expect(after.get('dogs/new.png')).toMatchObject({ status: 'ok', className: 'dogs' });
    expect(after.get('dogs/new.png')!.split).not.toBeNull();
  });

  it('brings a missing file back with its label and split when it reappears', async () => {
    await writeClassFolders(root, { cats: 3, dogs: 3 });
    const first = await env.core.call('datasets/import', { folder: root });
    const before = await imagesByPath(first.datasetId);
    await env.core.call('labels/set', { datasetId: first.datasetId, imageIds: [before.get('cats/img001.png')!.id], classId: await classId(first.datasetId, 'dogs') });
    await rm(path.join(root, 'cats/img001.png'));
    await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    await writeImage(path.join(root, 'cats/img001.png'), { seed: 2, format: 'png', width: 8, height: 8 });
    const back = await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    expect(back.added).toBe(1);
    const img = (await imagesByPath(first.datasetId)).get('cats/img001.png')!;
    expect(img).toMatchObject({ status: 'ok', className: 'dogs', split: before.get('cats/img001.png')!.split });
  });

  it('keeps labels and splits changed in the studio, even for files that changed on disk', async () => {
    await writeClassFolders(root, { cats: 5, dogs: 5 });
    const first = await env.core.call('datasets/import', { folder: root });
    const before = await imagesByPath(first.datasetId);
    const cat = before.get('cats/img002.png')!;
    await env.core.call('labels/set', { datasetId: first.datasetId, imageIds: [cat.id], classId: await classId(first.datasetId, 'dogs') });
    // No call sets a split yet; the studio will write the same column.
    const otherSplit = cat.split === 'test' ? 'val' : 'test';
    env.ws.db.prepare('UPDATE images SET split = ? WHERE id = ?').run(otherSplit, cat.id);
    // Touch the file and change its bytes so the rescan re-reads it.
    await writeImage(path.join(root, 'cats/img002.png'), { seed: 900, format: 'png', width: 8, height: 8 });
    await utimes(path.join(root, 'cats/img002.png'), new Date(), new Date(Date.now() + 5000));
    const again = await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    expect(again.changed).toBe(1);
    const after = (await imagesByPath(first.datasetId)).get('cats/img002.png')!;
    expect(after).toMatchObject({ className: 'dogs', split: otherSplit, status: 'ok' });
    for (const [p, img] of before) if (p !== 'cats/img002.png') expect((await imagesByPath(first.datasetId)).get(p)!.split).toBe(img.split);
  });

  it('gives new images a split without reshuffling the old ones', async () => {
    await writeClassFolders(root, { cats: 20, dogs: 20 });
    const first = await env.core.call('datasets/import', { folder: root });
    const before = await imagesByPath(first.datasetId);
    await mkdir(path.join(root, 'cats/more'));
    for (let i = 0; i < 20; i++) await writeImage(path.join(root, `cats/more/n${i}.png`), { seed: 1000 + i, format: 'png', width: 8, height: 8 });
    const second = await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    expect(second.added).toBe(20);
    const after = await imagesByPath(first.datasetId);
    for (const [p, img] of before) expect(after.get(p)!.split, p).toBe(img.split);
    // Stratified over the grown class: 40 cats at 80/10/10 → 32/4/4.
    const classes = await env.core.call('classes/list', { datasetId: first.datasetId });
    expect(classes.find((c) => c.name === 'cats')!.splits).toEqual({ train: 32, val: 4, test: 4 });
    expect(classes.find((c) => c.name === 'dogs')!.splits).toEqual({ train: 16, val: 2, test: 2 });
  });

  it('keeps the label of an image that turned unreadable and was then deleted', async () => {
    await writeClassFolders(root, { cats: 3, dogs: 3 });
    const first = await env.core.call('datasets/import', { folder: root });
    const img = (await imagesByPath(first.datasetId)).get('cats/img000.png')!;
    await env.core.call('labels/set', { datasetId: first.datasetId, imageIds: [img.id], classId: await classId(first.datasetId, 'dogs') });
    await writeFile(path.join(root, 'cats/img000.png'), 'no longer an image');
    const broken = await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    expect(broken.skipped.map((s) => s.path)).toEqual(['cats/img000.png']);
    await rm(path.join(root, 'cats/img000.png'));
    await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    const row = (await imagesByPath(first.datasetId)).get('cats/img000.png');
    expect(row).toMatchObject({ status: 'missing', className: 'dogs' });
  });

  it('forgets a skipped file that was never an image once it is deleted', async () => {
    await writeClassFolders(root, { cats: 2 });
    await writeFile(path.join(root, 'cats/readme.txt'), 'x');
    const first = await env.core.call('datasets/import', { folder: root });
    expect(first.skipped).toHaveLength(1);
    await rm(path.join(root, 'cats/readme.txt'));
    const second = await env.core.call('datasets/rescan', { datasetId: first.datasetId });
    expect(second.skipped).toEqual([]);
    expect([...(await imagesByPath(first.datasetId)).keys()]).toEqual(['cats/img000.png', 'cats/img001.png']);
  });

  it('treats a second import of the same folder as a rescan', async () => {
    await writeClassFolders(root, { cats: 2, dogs: 2 });
    const first = await env.core.call('datasets/import', { folder: root, split: { train: 50, val: 25, test: 25 } });
    const again = await env.core.call('datasets/import', { folder: `${root}${path.sep}` });
    expect(again.datasetId).toBe(first.datasetId);
    expect(again.unchanged).toBe(4);
    const same = await env.core.call('datasets/import', { folder: root, split: { train: 50, val: 25, test: 25 }, seed: 42 });
    expect(same.datasetId).toBe(first.datasetId);
  });

  it('refuses to re-import the same folder with a different split, saying how it was imported', async () => {
    await writeClassFolders(root, { cats: 2 });
    const first = await env.core.call('datasets/import', { folder: root });
    const error = await env.core.call('datasets/import', { folder: root, split: { train: 70, val: 15, test: 15 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'conflict', file: root });
    expect((error as Error).message).toContain(`dataset ${first.datasetId}`);
    expect((error as Error).message).toContain('80/10/10');
    expect((error as FacetError).hint).toMatch(/without split options/);
    const seed = await env.core.call('datasets/import', { folder: root, seed: 7 }).catch((e: unknown) => e);
    expect(seed).toMatchObject({ code: 'conflict' });
  });
});
