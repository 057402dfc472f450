// image_counts (migration 2026-12-09-image-counts) is kept by triggers; these tests compare it with a
// fresh COUNT(*) over images after every kind of change the app makes.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { migrate, migrations } from '../../../../../src/main/core/platform/store/migrations/index.js';
import type { Database } from 'better-sqlite3';
import { tempCore, tempDir, writeClassFolders, writeImage } from '../../datasets/helpers.js';

const FRESH = `SELECT dataset_id, IFNULL(class_id, 0) AS class_id, IFNULL(split, '') AS split, status, excluded, COUNT(*) AS n
  FROM images GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`;
const KEPT = `SELECT dataset_id, class_id, split, status, excluded, n FROM image_counts WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5`;

function expectCountsFresh(db: Database): void {
  expect(db.prepare(KEPT).all()).toEqual(db.prepare(FRESH).all());
}

describe('image counts kept by triggers', () => {
  let env: Awaited<ReturnType<typeof tempCore>>;
  let root: string;
  let datasetId: number;
  let cls: Record<string, number>;
  let ids: number[];

  beforeEach(async () => {
    env = await tempCore();
    root = path.join(env.dir, 'data');
    await mkdir(root);
    await writeClassFolders(root, { cats: 4, dogs: 4 });
    for (let i = 0; i < 4; i++) await writeImage(path.join(root, `loose${i}.png`), { seed: 50 + i, format: 'png' });
    await writeFile(path.join(root, 'cats', 'broken.jpg'), 'not a picture');
    datasetId = (await env.core.call('datasets/import', { folder: root })).datasetId;
    cls = Object.fromEntries((await env.core.call('classes/list', { datasetId })).map((c) => [c.name, c.id]));
    ids = (await env.core.call('images/list', { datasetId })).items.map((i) => i.id);
  });
  afterEach(async () => env.cleanup());

  it('match a fresh count after import, relabels, undo and redo', async () => {
    const db = env.ws.db;
    expectCountsFresh(db);
    await env.core.call('labels/set', { datasetId, imageIds: ids.slice(0, 6), classId: cls.dogs! });
    expectCountsFresh(db);
    await env.core.call('labels/undo', { datasetId });
    expectCountsFresh(db);
    await env.core.call('labels/redo', { datasetId });
    expectCountsFresh(db);
    // A first label gives a loose image its split; undoing it takes the split away again.
    const loose = (await env.core.call('images/list', { datasetId, labelled: false })).items.map((i) => i.id);
    await env.core.call('labels/set', { datasetId, imageIds: loose, classId: cls.cats! });
    expectCountsFresh(db);
    await env.core.call('labels/undo', { datasetId });
    expectCountsFresh(db);
  });

  it('match after class merges and deletes, their undo, and exclusions', async () => {
    const db = env.ws.db;
    const birds = (await env.core.call('classes/add', { datasetId, name: 'birds' })).id;
    await env.core.call('labels/set', { datasetId, imageIds: ids.slice(0, 3), classId: birds });
    await env.core.call('classes/merge', { sourceClassId: birds, targetClassId: cls.dogs! });
    expectCountsFresh(db);
    await env.core.call('labels/undo', { datasetId });
    expectCountsFresh(db);
    await env.core.call('classes/delete', { classId: birds });
    expectCountsFresh(db);
    await env.core.call('health/exclude', { datasetId, imageIds: ids.slice(4, 7), excluded: true });
    expectCountsFresh(db);
    await env.core.call('labels/undo', { datasetId });
    expectCountsFresh(db);
    // What the views read from them.
    const dataset = await env.core.call('datasets/get', { datasetId });
    const fresh = db.prepare(`SELECT COUNT(*) AS n, SUM(class_id IS NULL) AS unlabelled FROM images WHERE dataset_id = ? AND status = 'ok' AND excluded = 0`).get(datasetId) as { n: number; unlabelled: number };
    expect({ images: dataset.images, unlabelled: dataset.unlabelled }).toEqual({ images: fresh.n, unlabelled: fresh.unlabelled });
    for (const c of await env.core.call('classes/list', { datasetId })) {
      const n = (db.prepare(`SELECT COUNT(*) AS n FROM images WHERE class_id = ? AND status = 'ok' AND excluded = 0`).get(c.id) as { n: number }).n;
      expect(c.count).toBe(n);
    }
  });

  it('match after accepting suggestions, a rescan with files gone and new, and deleting a dataset', async () => {
    const db = env.ws.db;
    const loose = (await env.core.call('images/list', { datasetId, labelled: false })).items.map((i) => i.id);
    const suggest = db.prepare('INSERT INTO suggestions (image_id, dataset_id, class_id, confidence) VALUES (?, ?, ?, 0.9)');
    for (const id of loose) suggest.run(id, datasetId, cls.cats!);
    await env.core.call('suggestions/accept', { datasetId, imageIds: loose });
    expectCountsFresh(db);

    await rm(path.join(root, 'dogs'), { recursive: true });
    await writeImage(path.join(root, 'cats', 'new.png'), { seed: 70, format: 'png' });
    await env.core.call('datasets/rescan', { datasetId });
    expect((await env.core.call('datasets/get', { datasetId })).missing).toBe(4);
    expectCountsFresh(db);

    const other = path.join(env.dir, 'other');
    await writeClassFolders(other, { owls: 2 });
    const otherId = (await env.core.call('datasets/import', { folder: other })).datasetId;
    await env.core.call('datasets/delete', { datasetId });
    expectCountsFresh(db);
    expect(db.prepare('SELECT COUNT(*) AS n FROM image_counts WHERE dataset_id = ?').get(datasetId)).toEqual({ n: 0 });
    expect((await env.core.call('datasets/get', { datasetId: otherId })).images).toBe(2);
  });
});

describe('the image counts migration', () => {
  it('counts the images already there when it is applied', async () => {
    const { dir, cleanup } = await tempDir('facet-counts-');
    const db = new BetterSqlite3(path.join(dir, 'facet.db'));
    try {
      // A workspace of the release before, with images of every kind; then the migration.
      migrate(db, migrations.filter((m) => m.id < '2026-12-09-image-counts'));
      const now = new Date().toISOString();
      const datasetId = Number(db.prepare(`INSERT INTO datasets (name, root, split_train, split_val, split_test, seed, created_at) VALUES ('d', '/x', 0.8, 0.1, 0.1, 42, ?)`).run(now).lastInsertRowid);
      const classId = Number(db.prepare(`INSERT INTO classes (dataset_id, name, created_at) VALUES (?, 'a', ?)`).run(datasetId, now).lastInsertRowid);
      const insert = db.prepare(`INSERT INTO images (dataset_id, path, class_id, split, status, excluded, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      for (let i = 0; i < 30; i++) {
        insert.run(datasetId, `p${i}.png`, i % 3 === 0 ? null : classId, i % 3 === 0 ? null : ['train', 'val', 'test'][i % 3], i % 7 === 0 ? 'unreadable' : 'ok', i % 5 === 0 ? 1 : 0, now, now);
      }
      expect(migrate(db)).toEqual(['2026-12-09-image-counts']);
      expectCountsFresh(db);
    } finally {
      db.close();
      await cleanup();
    }
  });
});
