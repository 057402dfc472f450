import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDataset, findImagesByPath } from '../../../../src/main/core/datasets/queries.js';
import { tempCore, writeImage } from './helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let datasetId: number;

beforeAll(async () => {
  env = await tempCore();
  const root = path.join(env.dir, 'data');
  await mkdir(root);
  let seed = 1;
  for (const name of ['a_1.png', 'a%2.png', 'b_3.png', 'plain.png']) await writeImage(path.join(root, 'cats', name), { seed: seed++, format: 'png' });
  for (let i = 0; i < 4; i++) await writeImage(path.join(root, 'dogs', `d${i}.png`), { seed: seed++, format: 'png' });
  await writeFile(path.join(root, 'dogs', 'bad.png'), 'nope');
  datasetId = (await env.core.call('datasets/import', { folder: root, name: 'pets' })).datasetId;
});
afterAll(async () => env.cleanup());

describe('images/list', () => {
  it('lists usable images by default, sorted by path, and skipped ones on request', async () => {
    const ok = await env.core.call('images/list', { datasetId });
    expect(ok.total).toBe(8);
    expect(ok.items.map((i) => i.path)).toEqual([...ok.items.map((i) => i.path)].sort());
    const bad = await env.core.call('images/list', { datasetId, status: 'unreadable' });
    expect(bad.items).toEqual([expect.objectContaining({ path: 'dogs/bad.png', skipCode: 'not-an-image', className: 'dogs' })]);
    expect((await env.core.call('images/list', { datasetId, status: 'all' })).total).toBe(9);
  });

  it('filters by class and split, and the per-split totals add up', async () => {
    const classes = await env.core.call('classes/list', { datasetId });
    const cats = classes.find((c) => c.name === 'cats')!;
    const page = await env.core.call('images/list', { datasetId, classId: cats.id });
    expect(page.items.every((i) => i.className === 'cats')).toBe(true);
    let sum = 0;
    for (const split of ['train', 'val', 'test'] as const) {
      const s = await env.core.call('images/list', { datasetId, split });
      expect(s.items.every((i) => i.split === split)).toBe(true);
      sum += s.total;
    }
    expect(sum).toBe(8);
  });

  it('searches paths literally: % and _ are not wildcards', async () => {
    expect((await env.core.call('images/list', { datasetId, search: 'a_' })).items.map((i) => i.path)).toEqual(['cats/a_1.png']);
    expect((await env.core.call('images/list', { datasetId, search: '%' })).items.map((i) => i.path)).toEqual(['cats/a%2.png']);
  });

  it('pages with offset and limit, reporting the total', async () => {
    const page = await env.core.call('images/list', { datasetId, offset: 2, limit: 3 });
    expect(page).toMatchObject({ total: 8, offset: 2 });
    expect(page.items).toHaveLength(3);
  });

  it('reports as total the number of images each filter lists', async () => {
    const cats = (await env.core.call('classes/list', { datasetId })).find((c) => c.name === 'cats')!;
    const filters = [
      {}, { status: 'all' }, { status: 'unreadable' }, { status: 'missing' }, { classId: cats.id }, { classId: cats.id, status: 'all' },
      { labelled: true }, { labelled: false }, { split: 'train' }, { split: 'test', labelled: true }, { classId: cats.id, split: 'val' }, { search: 'a' },
    ] as const;
    for (const f of filters) {
      const page = await env.core.call('images/list', { datasetId, ...f });
      expect(page.total, JSON.stringify(f)).toBe(page.items.length);
    }
  });

  it('continues a name-sorted list after a path: the same pages as offsets give, with the whole total', async () => {
    const all = (await env.core.call('images/list', { datasetId, status: 'all' })).items.map((i) => i.path);
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await env.core.call('images/list', { datasetId, status: 'all', limit: 3, ...(after !== undefined ? { after } : {}) });
      expect(page.total).toBe(9);
      if (page.items.length === 0) break;
      pages.push(page.items.map((i) => i.path));
      after = page.items.at(-1)!.path;
    }
    expect(pages.flat()).toEqual(all);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3]);
    // Filters still apply after the cursor; other sorts refuse it (a path is no position there).
    const usable = await env.core.call('images/list', { datasetId, after: 'cats/plain.png' });
    expect(usable.items.map((i) => i.path)).toEqual(['dogs/d0.png', 'dogs/d1.png', 'dogs/d2.png', 'dogs/d3.png']);
    await expect(env.core.call('images/list', { datasetId, sort: 'class', after: 'cats/plain.png' })).rejects.toMatchObject({ code: 'invalid-argument', field: 'after' });
  });
});

describe('lookups by name, as the CLI types them', () => {
  it('finds a dataset by id or name', () => {
    expect(findDataset(env.ws.db, String(datasetId)).name).toBe('pets');
    expect(findDataset(env.ws.db, 'pets').id).toBe(datasetId);
    expect(() => findDataset(env.ws.db, 'nope')).toThrow(/no dataset named "nope"/);
  });

  it('finds images by relative path (also with ./ or backslashes) and names the ones it cannot find', () => {
    expect(findImagesByPath(env.ws.db, datasetId, ['./cats/plain.png', 'dogs\\d1.png'])).toHaveLength(2);
    expect(() => findImagesByPath(env.ws.db, datasetId, ['cats/plain.png', 'cats/ghost.png'])).toThrow(/cats\/ghost\.png/);
  });
});
