import { beforeEach, describe, expect, it } from 'vitest';
import { useClassesStore } from '../../../src/renderer/stores/classes.js';
import { useImagesStore } from '../../../src/renderer/stores/images.js';
import { useLabelsStore } from '../../../src/renderer/stores/labels.js';
import { useSelectionStore } from '../../../src/renderer/stores/selection.js';
import type { ImageItem } from '../../../src/shared/domain.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';
import { cls, listImages, row } from './rows.js';

let fake: FakeApi;
let listed: ImageItem[];
beforeEach(async () => {
  fake = installFakeApi();
  listed = [row(1, 'cat'), row(2, 'cat'), row(3)];
  listImages(fake, () => listed);
  fake.answer('classes/list', () => [cls(1, 'cat'), cls(2, 'dog')]);
  await useClassesStore().load(1);
  await useImagesStore().open(1);
});

describe('label edits in the labeller', () => {
  it('shows a label as changed only once labels/set has answered', async () => {
    const images = useImagesStore();
    const labels = useLabelsStore();
    useSelectionStore().click(0, { shift: false, toggle: false });
    const setting = fake.hold('labels/set');

    const done = labels.assign(2);
    await settle();
    expect(fake.calls.at(-1)).toEqual({ name: 'labels/set', args: { datasetId: 1, imageIds: [1], classId: 2 } });
    expect(images.items[0]!.className).toBe('cat');

    setting.resolve({ editId: 7, changed: 1, imageIds: [1] });
    expect(await done).toBe(true);
    expect(images.items[0]).toMatchObject({ classId: 2, className: 'dog' });
    expect(labels.lastAction).toBe('1 image → dog');
  });

  it('leaves the label as it was when labels/set fails, and says why in the labeller', async () => {
    const images = useImagesStore();
    const labels = useLabelsStore();
    useSelectionStore().click(1, { shift: false, toggle: false });
    const setting = fake.hold('labels/set');
    const done = labels.assign(2);
    await settle();
    setting.reject(new Error('The database is locked'));
    expect(await done).toBe(false);
    expect(images.items[1]!.className).toBe('cat');
    expect(images.error?.message).toContain('The database is locked');
  });

  it('shows labels given elsewhere without reloading the list', () => {
    const images = useImagesStore();
    const before = fake.calls.length;
    useLabelsStore().patchLabels([{ imageId: 3, classId: 2, className: 'dog' }]);
    expect(images.items[2]).toMatchObject({ classId: 2, className: 'dog', heldOut: null });
    expect(fake.calls.length).toBe(before);
  });

  it('undoes through the history, fetching again only the images the edit touched', async () => {
    const images = useImagesStore();
    fake.answer('labels/undo', () => ({ editId: 7, changed: 1, imageIds: [1] }));
    listed = [row(1, 'dog'), row(2, 'cat'), row(3)];
    fake.calls.length = 0;
    await useLabelsStore().history('undo');
    expect(images.items[0]!.className).toBe('dog');
    expect(useLabelsStore().lastAction).not.toBe('');
    expect(fake.calls.filter((c) => c.name === 'images/list').map((c) => c.args)).toEqual([{ datasetId: 1, imageIds: [1], status: 'all', limit: 1 }]);

    fake.answer('labels/redo', () => ({ editId: null, changed: 0, imageIds: [] }));
    await useLabelsStore().history('redo');
    expect(useLabelsStore().lastAction).toBe('Nothing to redo');
  });

  it('lists again after an undo when labels decide what is listed (a class filter) or classes changed', async () => {
    const images = useImagesStore();
    await images.setFilters({ classId: 1 });
    fake.answer('labels/undo', () => ({ editId: 7, changed: 1, imageIds: [3] }));
    listed = [row(1, 'cat'), row(2, 'cat'), row(3, 'cat')];
    fake.calls.length = 0;
    await useLabelsStore().history('undo');
    expect(fake.calls.filter((c) => c.name === 'images/list').map((c) => c.args)).toEqual([expect.objectContaining({ classId: 1, offset: 0 })]);
    expect(images.items.map((i) => i.id)).toEqual([1, 2, 3]);

    await images.setFilters({ classId: null });
    fake.answer('labels/redo', () => ({ editId: 8, changed: 0, imageIds: [], classChange: { kind: 'rename', className: 'cat', otherName: 'kitten' } }));
    fake.calls.length = 0;
    await useLabelsStore().history('redo');
    expect(fake.calls.filter((c) => c.name === 'images/list')[0]?.args).toMatchObject({ offset: 0 });
  });
});
