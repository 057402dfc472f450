import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FacetError } from '../../../../src/shared/errors.js';
import { tempCore, writeClassFolders } from './helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let datasetId: number;
let ids: Record<string, number>;
let cls: Record<string, number>;

beforeEach(async () => {
  env = await tempCore();
  const root = path.join(env.dir, 'data');
  await mkdir(root);
  await writeClassFolders(root, { cats: 3, dogs: 3 });
  datasetId = (await env.core.call('datasets/import', { folder: root })).datasetId;
  const page = await env.core.call('images/list', { datasetId });
  ids = Object.fromEntries(page.items.map((i) => [i.path, i.id]));
  cls = Object.fromEntries((await env.core.call('classes/list', { datasetId })).map((c) => [c.name, c.id]));
});
afterEach(async () => env.cleanup());

async function labelOf(p: string): Promise<string | null> {
  const page = await env.core.call('images/list', { datasetId, status: 'all' });
  return page.items.find((i) => i.path === p)!.className;
}

function history(imageId: number): { from: number | null; to: number | null; source: string; edit: number | null }[] {
  return env.ws.db
    .prepare('SELECT from_class_id AS "from", to_class_id AS "to", source, edit_id AS edit FROM label_history WHERE image_id = ? ORDER BY id')
    .all(imageId) as never;
}

describe('labels', () => {
  it('relabels one image as one edit, with a history row', async () => {
    const change = await env.core.call('labels/set', { datasetId, imageIds: [ids['cats/img000.png']!], classId: cls.dogs! });
    expect(change).toMatchObject({ changed: 1, imageIds: [ids['cats/img000.png']] });
    expect(change.editId).toBeGreaterThan(0);
    expect(await labelOf('cats/img000.png')).toBe('dogs');
    expect(history(ids['cats/img000.png']!)).toEqual([
      { from: null, to: cls.cats, source: 'import', edit: null },
      { from: cls.cats, to: cls.dogs, source: 'user', edit: change.editId },
    ]);
  });

  it('relabels many images in one edit, skipping those already in the class', async () => {
    const change = await env.core.call('labels/set', {
      datasetId,
      imageIds: [ids['cats/img000.png']!, ids['cats/img001.png']!, ids['dogs/img000.png']!, ids['cats/img001.png']!],
      classId: cls.dogs!,
    });
    expect(change.changed).toBe(2);
    const edits = env.ws.db.prepare('SELECT COUNT(*) AS n FROM edits').get() as { n: number };
    expect(edits.n).toBe(1);
    const classes = await env.core.call('classes/list', { datasetId });
    expect(classes.map((c) => [c.name, c.count])).toEqual([['cats', 1], ['dogs', 5]]);
  });

  it('makes no edit when nothing changes', async () => {
    const change = await env.core.call('labels/set', { datasetId, imageIds: [ids['dogs/img000.png']!], classId: cls.dogs! });
    expect(change).toEqual({ editId: null, changed: 0, imageIds: [] });
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ editId: null, changed: 0 });
  });

  it('undoes and redoes several edits in order, appending history rows', async () => {
    const a = ids['cats/img000.png']!;
    const e1 = await env.core.call('labels/set', { datasetId, imageIds: [a], classId: cls.dogs! });
    const e2 = await env.core.call('labels/set', { datasetId, imageIds: [a, ids['cats/img001.png']!], classId: cls.dogs! });
    expect(e2.changed).toBe(1); // a is already a dog
    const { id: birds } = await env.core.call('classes/add', { datasetId, name: 'birds' });
    const e3 = await env.core.call('labels/set', { datasetId, imageIds: [a], classId: birds });

    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ editId: e3.editId, changed: 1 });
    expect(await labelOf('cats/img000.png')).toBe('dogs');
    // Adding the class was an edit too: undoing it takes the (now empty) class away again.
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ changed: 0, classChange: { kind: 'add', className: 'birds' } });
    expect((await env.core.call('classes/list', { datasetId })).map((c) => c.name)).toEqual(['cats', 'dogs']);
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ editId: e2.editId, changed: 1 });
    expect(await labelOf('cats/img001.png')).toBe('cats');
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ editId: e1.editId, changed: 1 });
    expect(await labelOf('cats/img000.png')).toBe('cats');
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ editId: null, changed: 0 });

    expect(await env.core.call('labels/redo', { datasetId })).toMatchObject({ editId: e1.editId });
    expect(await env.core.call('labels/redo', { datasetId })).toMatchObject({ editId: e2.editId });
    expect(await env.core.call('labels/redo', { datasetId })).toMatchObject({ classChange: { kind: 'add', className: 'birds' } });
    expect(await env.core.call('labels/redo', { datasetId })).toMatchObject({ editId: e3.editId });
    expect(await labelOf('cats/img000.png')).toBe('birds');
    expect(await env.core.call('labels/redo', { datasetId })).toMatchObject({ editId: null });

    expect(history(a).map((h) => h.source)).toEqual(['import', 'user', 'user', 'undo', 'undo', 'redo', 'redo']);
  });

  it('discards the redo branch when a new edit is made after an undo', async () => {
    const a = ids['cats/img000.png']!;
    await env.core.call('labels/set', { datasetId, imageIds: [a], classId: cls.dogs! });
    await env.core.call('labels/undo', { datasetId });
    await env.core.call('labels/set', { datasetId, imageIds: [ids['cats/img002.png']!], classId: cls.dogs! });
    expect(await env.core.call('labels/redo', { datasetId })).toMatchObject({ editId: null, changed: 0 });
    expect(await labelOf('cats/img000.png')).toBe('cats');
  });

  it('undo skips images changed since the edit, never clobbering newer work', async () => {
    const a = ids['cats/img000.png']!;
    const b = ids['cats/img001.png']!;
    const { id: birds } = await env.core.call('classes/add', { datasetId, name: 'birds' });
    const first = await env.core.call('labels/set', { datasetId, imageIds: [a, b], classId: cls.dogs! });
    // b changes outside this edit (as a merge or another face of the app would do it).
    env.ws.db.prepare('UPDATE images SET class_id = ? WHERE id = ?').run(birds, b);
    const undone = await env.core.call('labels/undo', { datasetId });
    expect(undone).toMatchObject({ editId: first.editId, changed: 1, imageIds: [a] });
    expect(await labelOf('cats/img000.png')).toBe('cats');
    expect(await labelOf('cats/img001.png')).toBe('birds');
  });

  it('undoes a merge: the class, its images and its folder come back; redo merges again', async () => {
    const a = ids['cats/img000.png']!;
    const folders = () => env.ws.db.prepare('SELECT folder, class_id AS classId FROM class_folders ORDER BY folder').all();
    const foldersBefore = folders();
    const counts = async () => (await env.core.call('classes/list', { datasetId })).map((c) => [c.name, c.count]);
    await env.core.call('labels/set', { datasetId, imageIds: [a], classId: cls.dogs! });
    await env.core.call('classes/merge', { sourceClassId: cls.cats!, targetClassId: cls.dogs! });
    expect(await counts()).toEqual([['dogs', 6]]);

    const undone = await env.core.call('labels/undo', { datasetId });
    expect(undone).toMatchObject({ changed: 2, classChange: { kind: 'merge', className: 'cats', otherName: 'dogs' } });
    expect(await counts()).toEqual([['cats', 2], ['dogs', 4]]);
    expect(await labelOf('cats/img000.png')).toBe('dogs'); // moved by the earlier relabel, not by the merge
    expect(folders()).toEqual(foldersBefore);
    // A rescan feeds the cats folder into the restored class again.
    await env.core.call('datasets/rescan', { datasetId });
    expect(await counts()).toEqual([['cats', 2], ['dogs', 4]]);

    expect(await env.core.call('labels/redo', { datasetId })).toMatchObject({ changed: 2, classChange: { kind: 'merge' } });
    expect(await counts()).toEqual([['dogs', 6]]);
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ changed: 2 });
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ changed: 1 }); // the relabel
    expect(await counts()).toEqual([['cats', 3], ['dogs', 3]]);
    expect(history(a).map((h) => h.source)).toEqual(['import', 'user', 'undo']);
    expect(history(ids['cats/img001.png']!).map((h) => h.source)).toEqual(['import', 'merge', 'undo', 'redo', 'undo']);
  });

  it('undoes a delete that moved the images, and a rename; refuses when the old name was taken since', async () => {
    const counts = async () => (await env.core.call('classes/list', { datasetId })).map((c) => [c.name, c.count]);
    await env.core.call('classes/rename', { classId: cls.dogs!, name: 'hounds' });
    expect(await env.core.call('classes/delete', { classId: cls.cats!, moveToClassId: cls.dogs! })).toEqual({ deleted: 1, moved: 3 });
    expect(await counts()).toEqual([['hounds', 6]]);

    // Someone adds a new "cats" class: the deleted one cannot come back under that name.
    const { id: newCats } = await env.core.call('classes/add', { datasetId, name: 'cats' });
    await env.core.call('labels/undo', { datasetId }); // undoes the add
    await env.core.call('classes/rename', { classId: cls.dogs!, name: 'hounds' }); // no-op: not an edit
    env.ws.db.prepare('UPDATE classes SET deleted_at = NULL WHERE id = ?').run(newCats); // back, outside undo
    await expect(env.core.call('labels/undo', { datasetId })).rejects.toMatchObject({ code: 'conflict', field: 'classId' });
    expect(await counts()).toEqual([['cats', 0], ['hounds', 6]]); // the refused undo changed nothing
    env.ws.db.prepare('UPDATE classes SET deleted_at = ? WHERE id = ?').run(new Date().toISOString(), newCats);

    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ changed: 3, classChange: { kind: 'delete', className: 'cats', otherName: 'hounds' } });
    expect(await counts()).toEqual([['cats', 3], ['hounds', 3]]);
    expect(await env.core.call('labels/undo', { datasetId })).toMatchObject({ changed: 0, classChange: { kind: 'rename', className: 'dogs', otherName: 'hounds' } });
    expect(await counts()).toEqual([['cats', 3], ['dogs', 3]]);
  });

  it('refuses to undo adding a class that has images now, leaving everything as it was', async () => {
    const { id: birds } = await env.core.call('classes/add', { datasetId, name: 'birds' });
    await env.core.call('labels/set', { datasetId, imageIds: [ids['cats/img000.png']!], classId: birds });
    env.ws.db.prepare(`UPDATE edits SET state = 'undone' WHERE id = (SELECT MAX(id) FROM edits)`).run(); // the relabel, as if undone elsewhere
    env.ws.db.prepare('UPDATE images SET class_id = ? WHERE id = ?').run(birds, ids['cats/img000.png']!);
    await expect(env.core.call('labels/undo', { datasetId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/birds.*1 image/) });
    expect(await labelOf('cats/img000.png')).toBe('birds');
  });

  it('refuses a class of another dataset or an image of another dataset', async () => {
    await expect(env.core.call('labels/set', { datasetId, imageIds: [ids['cats/img000.png']!], classId: 9999 })).rejects.toMatchObject({
      code: 'not-found',
      field: 'classId',
    });
    await expect(env.core.call('labels/set', { datasetId, imageIds: [9999], classId: cls.dogs! })).rejects.toMatchObject({
      code: 'not-found',
      field: 'imageIds',
    });
    expect(await labelOf('cats/img000.png')).toBe('cats');
  });

  it('rolls the whole edit back when one image is refused', async () => {
    const error = await env.core
      .call('labels/set', { datasetId, imageIds: [ids['cats/img000.png']!, 9999], classId: cls.dogs! })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacetError);
    expect(await labelOf('cats/img000.png')).toBe('cats');
    expect((env.ws.db.prepare('SELECT COUNT(*) AS n FROM edits').get() as { n: number }).n).toBe(0);
  });
});
