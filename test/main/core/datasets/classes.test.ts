import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempCore, writeClassFolders, writeImage } from './helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let root: string;
let datasetId: number;
let cls: Record<string, number>;

beforeEach(async () => {
  env = await tempCore();
  root = path.join(env.dir, 'data');
  await mkdir(root);
  await writeClassFolders(root, { cats: 3, dogs: 2, foxes: 1 });
  await mkdir(path.join(root, 'owls'));
  datasetId = (await env.core.call('datasets/import', { folder: root })).datasetId;
  cls = Object.fromEntries((await env.core.call('classes/list', { datasetId })).map((c) => [c.name, c.id]));
});
afterEach(async () => env.cleanup());

async function counts(): Promise<Record<string, number>> {
  return Object.fromEntries((await env.core.call('classes/list', { datasetId })).map((c) => [c.name, c.count]));
}

async function labelOf(p: string): Promise<string | null> {
  const page = await env.core.call('images/list', { datasetId, status: 'all' });
  return page.items.find((i) => i.path === p)!.className;
}

describe('classes', () => {
  it('adds a class with no images, and refuses a duplicate name', async () => {
    const birds = await env.core.call('classes/add', { datasetId, name: '  birds ' });
    expect(birds).toMatchObject({ name: 'birds', count: 0, splits: { train: 0, val: 0, test: 0 } });
    await expect(env.core.call('classes/add', { datasetId, name: 'cats' })).rejects.toMatchObject({ code: 'conflict', field: 'name' });
  });

  it('renames a class; its folder keeps feeding it on rescan; a taken name is a conflict', async () => {
    const renamed = await env.core.call('classes/rename', { classId: cls.cats!, name: 'felines' });
    expect(renamed).toMatchObject({ id: cls.cats, name: 'felines', count: 3 });
    await expect(env.core.call('classes/rename', { classId: cls.dogs!, name: 'felines' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('felines'),
    });
    // Renaming a class to its own name is not a conflict.
    await expect(env.core.call('classes/rename', { classId: cls.dogs!, name: 'dogs' })).resolves.toMatchObject({ name: 'dogs' });
    await writeImage(path.join(root, 'cats/new.png'), { seed: 77, format: 'png' });
    const again = await env.core.call('datasets/rescan', { datasetId });
    expect(again.classes.map((c) => c.name)).toEqual(['dogs', 'felines', 'foxes', 'owls']);
    expect(await labelOf('cats/new.png')).toBe('felines');
  });

  it('merges a class into another: images move, and new files of the old folder land in the target', async () => {
    const target = await env.core.call('classes/merge', { sourceClassId: cls.foxes!, targetClassId: cls.dogs! });
    expect(target).toMatchObject({ id: cls.dogs, name: 'dogs', count: 3 });
    expect(await counts()).toEqual({ cats: 3, dogs: 3, owls: 0 });
    expect(await labelOf('foxes/img000.png')).toBe('dogs');
    const sources = env.ws.db.prepare(`SELECT source FROM label_history WHERE source = 'merge'`).all();
    expect(sources).toHaveLength(1);

    await writeImage(path.join(root, 'foxes/later.png'), { seed: 78, format: 'png' });
    const again = await env.core.call('datasets/rescan', { datasetId });
    expect(again.classes).toEqual([
      { name: 'cats', count: 3 },
      { name: 'dogs', count: 4 },
      { name: 'owls', count: 0 },
    ]);
    expect(await labelOf('foxes/later.png')).toBe('dogs');
  });

  it('refuses to merge a class into itself', async () => {
    await expect(env.core.call('classes/merge', { sourceClassId: cls.cats!, targetClassId: cls.cats! })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });

  it('deletes a class leaving its images unlabelled; undo brings the class and the labels back, redo takes them again', async () => {
    expect(await env.core.call('classes/delete', { classId: cls.cats! })).toEqual({ deleted: 1, moved: 3 });
    expect(await counts()).toEqual({ dogs: 2, foxes: 1, owls: 0 });
    expect(await labelOf('cats/img000.png')).toBeNull();
    const all = await env.core.call('images/list', { datasetId, status: 'all' });
    expect(all.items.filter((i) => i.className === null).map((i) => i.path).sort()).toEqual(['cats/img000.png', 'cats/img001.png', 'cats/img002.png']);

    const undone = await env.core.call('labels/undo', { datasetId });
    expect(undone).toMatchObject({ changed: 3, classChange: { kind: 'delete', className: 'cats' } });
    expect(await counts()).toEqual({ cats: 3, dogs: 2, foxes: 1, owls: 0 });
    expect(await labelOf('cats/img001.png')).toBe('cats');

    const redone = await env.core.call('labels/redo', { datasetId });
    expect(redone.changed).toBe(3);
    expect(await counts()).toEqual({ dogs: 2, foxes: 1, owls: 0 });
    expect(await labelOf('cats/img002.png')).toBeNull();
    // A rescan does not bring the deleted class back.
    await env.core.call('datasets/rescan', { datasetId });
    expect(await counts()).toEqual({ dogs: 2, foxes: 1, owls: 0 });
  });

  it('deletes a class after moving its images, and its folder then feeds the other class', async () => {
    expect(await env.core.call('classes/delete', { classId: cls.cats!, moveToClassId: cls.dogs! })).toEqual({ deleted: 1, moved: 3 });
    expect(await counts()).toEqual({ dogs: 5, foxes: 1, owls: 0 });
    await writeImage(path.join(root, 'cats/later.png'), { seed: 79, format: 'png' });
    await env.core.call('datasets/rescan', { datasetId });
    expect(await counts()).toEqual({ dogs: 6, foxes: 1, owls: 0 });
  });

  it('deletes an empty class, and a rescan does not bring it back while its folder stays empty', async () => {
    expect(await env.core.call('classes/delete', { classId: cls.owls! })).toEqual({ deleted: 1, moved: 0 });
    expect(Object.keys(await counts())).toEqual(['cats', 'dogs', 'foxes']);
    await env.core.call('datasets/rescan', { datasetId });
    expect(Object.keys(await counts())).toEqual(['cats', 'dogs', 'foxes']);
    // Once the folder holds images again it is a class again.
    await writeImage(path.join(root, 'owls/o.png'), { seed: 80, format: 'png' });
    await env.core.call('datasets/rescan', { datasetId });
    expect(await counts()).toEqual({ cats: 3, dogs: 2, foxes: 1, owls: 1 });
  });

  it('lets a new class take the name of a deleted one', async () => {
    await env.core.call('classes/delete', { classId: cls.owls! });
    await expect(env.core.call('classes/add', { datasetId, name: 'owls' })).resolves.toMatchObject({ name: 'owls', count: 0 });
  });
});
