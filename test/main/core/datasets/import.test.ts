import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../../../src/shared/domain.js';
import { FacetError } from '../../../../src/shared/errors.js';
import { importFolder } from '../../../../src/main/core/datasets/import.js';
import { scanFolder } from '../../../../src/main/core/datasets/scan.js';
import { tempCore, writeImage, type ImageSpec } from './helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let root: string;
beforeEach(async () => {
  env = await tempCore();
  root = path.join(env.dir, 'data');
  await mkdir(root);
});
afterEach(async () => env.cleanup());

const put = (rel: string, spec: ImageSpec = {}) => writeImage(path.join(root, rel), spec);

describe('scan of a class-folder data set (Keras layout)', () => {
  it('takes each top-level folder as a class, sorted, with images at any depth', async () => {
    await put('zebra/z1.jpg', { seed: 1 });
    await put('apple/deep/er/still/a1.png', { seed: 2, format: 'png' });
    await put('apple/a2.jpg', { seed: 3 });
    await put('Mango/m1.webp', { seed: 4, format: 'webp' });
    const scan = await scanFolder(root);
    // Keras sorts by code point: upper case before lower case.
    expect(scan.classFolders).toEqual(['Mango', 'apple', 'zebra']);
    expect(scan.files.map((f) => [f.path, f.classFolder])).toEqual([
      ['Mango/m1.webp', 'Mango'],
      ['apple/a2.jpg', 'apple'],
      ['apple/deep/er/still/a1.png', 'apple'],
      ['zebra/z1.jpg', 'zebra'],
    ]);
    const summary = await env.core.call('datasets/import', { folder: root });
    expect(summary.classes).toEqual([
      { name: 'Mango', count: 1 },
      { name: 'apple', count: 2 },
      { name: 'zebra', count: 1 },
    ]);
    expect(summary.skipped).toEqual([]);
  });

  it('notes an empty class folder, and one holding only non-images, as empty', async () => {
    await put('cats/c.jpg');
    await mkdir(path.join(root, 'dogs'));
    await mkdir(path.join(root, 'birds', 'sub'), { recursive: true });
    await writeFile(path.join(root, 'birds', 'sub', 'notes.txt'), 'hello');
    const summary = await env.core.call('datasets/import', { folder: root });
    expect(summary.emptyClasses).toEqual(['birds', 'dogs']);
    expect(summary.classes.map((c) => c.name)).toEqual(['birds', 'cats', 'dogs']);
    expect(summary.skipped).toEqual([expect.objectContaining({ path: 'birds/sub/notes.txt', code: 'not-an-image' })]);
  });

  it('terminates on a symlink loop deep inside a class and imports the rest', async () => {
    await put('cats/inner/c.jpg');
    await symlink('..', path.join(root, 'cats', 'inner', 'up'), 'dir');
    await symlink(path.join(root, 'cats'), path.join(root, 'cats', 'inner', 'self'), 'dir');
    const summary = await env.core.call('datasets/import', { folder: root });
    expect(summary.imported).toBe(1);
    expect(summary.skipped.map((s) => [s.path, s.code])).toEqual([
      ['cats/inner/self', 'symlink-loop'],
      ['cats/inner/up', 'symlink-loop'],
    ]);
  });

  it('reports exact duplicates within and across classes', async () => {
    await put('cats/c1.jpg', { seed: 5 });
    await put('cats/sub/c1-copy.jpg', { seed: 5 });
    await put('dogs/d1.jpg', { seed: 6 });
    await mkdir(path.join(root, 'birds'));
    await copyFile(path.join(root, 'dogs/d1.jpg'), path.join(root, 'birds/b1.jpg'));
    const summary = await env.core.call('datasets/import', { folder: root });
    const groups = summary.duplicates.map((d) => ({ paths: d.paths, classes: [...d.classes].sort() }));
    expect(groups).toHaveLength(2);
    expect(groups).toContainEqual({ paths: ['cats/c1.jpg', 'cats/sub/c1-copy.jpg'], classes: ['cats'] });
    expect(groups).toContainEqual({ paths: ['birds/b1.jpg', 'dogs/d1.jpg'], classes: ['birds', 'dogs'] });
  });

  it('stores an EXIF-rotated photo with its oriented width and height, and writes every thumbnail', async () => {
    await put('cats/rotated.jpg', { width: 40, height: 20, orientation: 6 });
    await put('cats/upright.jpg', { width: 40, height: 20, seed: 9 });
    const summary = await env.core.call('datasets/import', { folder: root });
    const page = await env.core.call('images/list', { datasetId: summary.datasetId });
    const byPath = new Map(page.items.map((i) => [i.path, i]));
    expect(byPath.get('cats/rotated.jpg')).toMatchObject({ width: 20, height: 40, format: 'jpeg' });
    expect(byPath.get('cats/upright.jpg')).toMatchObject({ width: 40, height: 20 });
    for (const img of page.items) expect(existsSync(env.ws.thumbnailPath(img.hash!))).toBe(true);
  });

  it('emits progress events through every phase, ending with done', async () => {
    for (let i = 0; i < 5; i++) await put(`cats/c${i}.jpg`, { seed: i + 1 });
    const events: ImportProgress[] = [];
    await importFolder(env.ws, { folder: root }, (p) => events.push(p));
    expect(events.map((e) => e.phase).filter((p, i, a) => p !== a[i - 1])).toEqual(['scanning', 'reading', 'saving', 'done']);
    expect(events.at(-1)).toMatchObject({ phase: 'done', done: 5, total: 5 });
  });

  it('gives a FacetError naming the folder when it does not exist', async () => {
    const missing = path.join(env.dir, 'nope');
    const error = await env.core.call('datasets/import', { folder: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'not-found', file: missing });
    expect((error as Error).message).toContain(missing);
  });

  it('gives a FacetError naming the path when it is a file, not a folder', async () => {
    const file = path.join(env.dir, 'file.jpg');
    await writeImage(file);
    const error = await env.core.call('datasets/import', { folder: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'invalid-argument', file });
    expect((error as Error).message).toContain(file);
  });
});

describe('import failures that are not the images\' fault', () => {
  it('fails with an io FacetError naming the cache when thumbnails cannot be written, marking no image corrupt', async () => {
    for (let i = 0; i < 6; i++) await put(`cats/c${i}.jpg`, { seed: i + 1 });
    await writeFile(env.ws.cacheDir, 'a file where the cache folder should be');
    const error = await env.core.call('datasets/import', { folder: root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'io', file: expect.stringContaining(env.ws.cacheDir) });
    const corrupt = env.ws.db.prepare(`SELECT COUNT(*) AS n FROM images WHERE skip_code = 'corrupt'`).get() as { n: number };
    expect(corrupt.n).toBe(0);
  });

  it('refuses to rescan a dataset whose folder has gone, naming it, and keeps every image as it was', async () => {
    await put('cats/c.jpg');
    const first = await env.core.call('datasets/import', { folder: root });
    await rm(root, { recursive: true });
    const error = await env.core.call('datasets/rescan', { datasetId: first.datasetId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'io', file: root });
    const page = await env.core.call('images/list', { datasetId: first.datasetId });
    expect(page.items.map((i) => [i.path, i.status])).toEqual([['cats/c.jpg', 'ok']]);
  });
});
