import { beforeEach, describe, expect, it } from 'vitest';
import { useImagesStore } from '../../../src/renderer/stores/images.js';
import { useSelectionStore } from '../../../src/renderer/stores/selection.js';
import type { ImageItem } from '../../../src/shared/domain.js';
import { installFakeApi, type FakeApi } from '../fakeApi.js';
import { listImages, row } from './rows.js';

let fake: FakeApi;
let listed: ImageItem[];
beforeEach(() => {
  fake = installFakeApi();
  listed = [1, 2, 3, 4, 5].map((id) => row(id));
  listImages(fake, () => listed);
});

const selectedIds = () => [...useSelectionStore().ids].sort((a, b) => a - b);

describe('the labeller selection', () => {
  it('selects one on click, a range from the anchor on shift-click, toggles on ctrl-click', async () => {
    const images = useImagesStore();
    const selection = useSelectionStore();
    await images.open(1);
    selection.click(1, { shift: false, toggle: false });
    selection.click(3, { shift: true, toggle: false });
    expect(selectedIds()).toEqual([2, 3, 4]);
    selection.click(2, { shift: false, toggle: true });
    expect(selectedIds()).toEqual([2, 4]);
    expect(selection.focus).toBe(2);
    expect(selection.focused?.id).toBe(3);
  });

  it('moves the focus with the selection, and extends it with shift', async () => {
    const images = useImagesStore();
    const selection = useSelectionStore();
    await images.open(1);
    selection.move(1, false);
    expect(selectedIds()).toEqual([2]);
    selection.move(2, true);
    expect(selectedIds()).toEqual([2, 3, 4]);
    selection.move(10, false); // stops at the last image
    expect(selection.focus).toBe(4);
    expect(selectedIds()).toEqual([5]);
  });

  it('applies an action to the selection, else to the focused image', async () => {
    const images = useImagesStore();
    const selection = useSelectionStore();
    await images.open(1);
    selection.move(2, false);
    selection.select([]);
    expect(selection.targets()).toEqual([3]);
    selection.selectAll();
    expect(selection.targets()).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps the selected images still listed, and the focused image, across a reload', async () => {
    const images = useImagesStore();
    const selection = useSelectionStore();
    await images.open(1);
    selection.click(1, { shift: false, toggle: false });
    selection.click(3, { shift: false, toggle: true });
    expect(selectedIds()).toEqual([2, 4]);
    expect(selection.focused?.id).toBe(4);

    listed = [row(9), row(4), row(3), row(1)]; // 2 and 5 gone, 9 new, the order changed
    await images.reload();
    expect(selectedIds()).toEqual([4]);
    expect(selection.focus).toBe(1);
    expect(selection.focused?.id).toBe(4);
  });

  it('starts again with nothing selected on new filters or another dataset', async () => {
    const images = useImagesStore();
    const selection = useSelectionStore();
    await images.open(1);
    selection.click(3, { shift: false, toggle: false });
    await images.setFilters({ split: 'train' });
    expect(selectedIds()).toEqual([]);
    selection.click(2, { shift: false, toggle: false });
    await images.open(2);
    expect(selectedIds()).toEqual([]);
  });
});
