import { beforeEach, describe, expect, it } from 'vitest';
import { useImagesStore } from '../../../src/renderer/stores/images.js';
import type { ImageItem } from '../../../src/shared/domain.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';
import { listImages, row } from './rows.js';

let fake: FakeApi;
let listed: ImageItem[];
/** 6,000 images, paths in name order (img/00001.jpg …): more than a first page and one full page. */
const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...row(i + 1), path: `img/${String(i + 1).padStart(5, '0')}.jpg` }));

beforeEach(() => {
  fake = installFakeApi();
  listed = many(6000);
  listImages(fake, () => listed);
});

const listCalls = () => fake.calls.filter((c) => c.name === 'images/list').map((c) => c.args as { offset?: number; after?: string; limit?: number; sort?: string });

describe('the labeller image list', () => {
  it('pages a name-sorted list after the last path it has, and any other sort by offset', async () => {
    const images = useImagesStore();
    await images.open(1);
    expect(images.items.map((i) => i.id)).toEqual(listed.map((i) => i.id));
    const calls = listCalls();
    expect(calls[0]).toMatchObject({ offset: 0 });
    expect(calls.slice(1).map((c) => c.after)).toEqual(['img/00400.jpg', 'img/05400.jpg']);
    expect(calls.slice(1).every((c) => c.offset === undefined)).toBe(true);

    fake.calls.length = 0;
    await images.setFilters({ sort: 'class' });
    expect(listCalls().map((c) => [c.offset, c.after])).toEqual([
      [0, undefined],
      [400, undefined],
      [5400, undefined],
    ]);
    expect(images.items).toHaveLength(6000);
  });

  it('runs the work that can wait once the first page is in, before the rest arrives', async () => {
    listed = many(1000);
    const images = useImagesStore();
    const firstPage = fake.hold('images/list');
    const nextPage = fake.hold('images/list');
    const seen: number[] = [];
    const opening = images.open(1, () => seen.push(images.items.length));
    await settle();
    expect(seen).toEqual([]);
    firstPage.resolve({ total: 1000, offset: 0, items: listed.slice(0, 400) });
    await settle();
    expect(seen).toEqual([400]);
    expect(listCalls().at(-1)).toMatchObject({ after: 'img/00400.jpg' });
    nextPage.resolve({ total: 1000, offset: 0, items: listed.slice(400) });
    await opening;
    expect(seen).toEqual([400]);
    expect(images.items).toHaveLength(1000);
  });

  it('runs the work that can wait also when the list fails to load', async () => {
    const images = useImagesStore();
    const failing = fake.hold('images/list');
    let ran = 0;
    const opening = images.open(1, () => ran++);
    await settle();
    failing.reject(new Error('The database is locked'));
    await opening;
    expect(ran).toBe(1);
    expect(images.error?.message).toContain('The database is locked');
  });

  it('gives a label to a listed row in place: the same index by id, the list not fetched again', async () => {
    const images = useImagesStore();
    await images.open(1);
    const index = images.indexById;
    const before = fake.calls.length;
    images.patch([{ imageId: 4500, set: { classId: 2, className: 'dog' } }]);
    expect(images.items[4499]).toMatchObject({ id: 4500, className: 'dog' });
    expect(images.indexById).toBe(index);
    expect(fake.calls.length).toBe(before);
    // New rows are indexed anew.
    listed = [row(1), row(2)];
    await images.reload();
    expect(images.indexById).not.toBe(index);
    expect([...images.indexById.keys()]).toEqual([1, 2]);
  });
});
