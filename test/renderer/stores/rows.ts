// Image rows for the labeller's store tests, and a fake images/list that pages through them.
import type { ClassDef, ImageItem } from '../../../src/shared/domain.js';
import type { FakeApi } from '../fakeApi.js';

export const row = (id: number, className: string | null = null): ImageItem => ({
  id, datasetId: 1, path: `img/${id}.jpg`, classId: className === null ? null : 1, className, folderClass: null, split: null, status: 'ok',
  skipCode: null, skipReason: null, hash: `h${id}`, width: 64, height: 64, format: 'jpeg', groupKey: null, heldOut: 'val',
});

export const cls = (id: number, name: string): ClassDef => ({ id, datasetId: 1, name, count: 0, splits: { train: 0, val: 0, test: 0 } });

/** Answers images/list from `list()` (read at each call; in path order), page by page as the core does. */
export function listImages(fake: FakeApi, list: () => ImageItem[]): void {
  fake.answer('images/list', (q) => {
    const all = list();
    const offset = q.offset ?? 0;
    const wanted = q.imageIds === undefined ? all : all.filter((i) => q.imageIds!.includes(i.id));
    const from = q.after === undefined ? wanted : wanted.filter((i) => i.path > q.after!);
    return { total: wanted.length, offset, items: from.slice(offset, offset + (q.limit ?? all.length)).map((i) => ({ ...i })) };
  });
}
