// Snapshots: the labels and splits a run trains on, copied when it starts, so relabelling later
// never changes what an earlier run saw.
import { createHash } from 'node:crypto';
import { FacetError } from '../../../shared/errors.js';
import type { SplitName } from '../../../shared/domain.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';

export interface SnapshotItem {
  imageId: number;
  classIndex: number;
  split: SplitName;
  path: string;
  hash: string;
}

export interface Snapshot {
  id: number;
  datasetId: number;
  contentHash: string;
  classes: string[];
  items: SnapshotItem[];
}

export function createSnapshot(db: Database, datasetId: number): Snapshot {
  return writeTransaction(db, () => {
    getDataset(db, datasetId);
    const rows = db
      .prepare(
        `SELECT i.id, i.path, i.hash, i.split, i.class_id, c.name FROM images i JOIN classes c ON c.id = i.class_id
         WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND i.split IS NOT NULL AND c.deleted_at IS NULL ORDER BY i.path`,
      )
      .all(datasetId) as { id: number; path: string; hash: string; split: SplitName; class_id: number; name: string }[];
    // Classes with at least one image, in name order: the model's output order.
    const classIds = new Map<string, number>();
    for (const r of rows) classIds.set(r.name, r.class_id);
    const classes = [...classIds.keys()].sort();
    if (classes.length < 2) {
      throw new FacetError('invalid-argument', `Dataset ${datasetId} has ${classes.length} class(es) with images; training needs at least 2.`, {
        field: 'dataset',
        hint: 'Import a folder with one sub-folder per class, or add classes and label images.',
      });
    }
    const index = new Map(classes.map((name, i) => [name, i]));
    const items: SnapshotItem[] = rows.map((r) => ({ imageId: r.id, classIndex: index.get(r.name)!, split: r.split, path: r.path, hash: r.hash }));
    const digest = createHash('sha256');
    digest.update(classes.join('\n'));
    for (const it of items) digest.update(`\n${it.path}\t${it.hash}\t${it.classIndex}\t${it.split}`);
    const contentHash = digest.digest('hex');
    const id = Number(
      db.prepare('INSERT INTO snapshots (dataset_id, content_hash, images, created_at) VALUES (?, ?, ?, ?)').run(datasetId, contentHash, items.length, nowIso())
        .lastInsertRowid,
    );
    const insClass = db.prepare('INSERT INTO snapshot_classes (snapshot_id, class_index, class_id, name) VALUES (?, ?, ?, ?)');
    classes.forEach((name, i) => insClass.run(id, i, classIds.get(name), name));
    const insItem = db.prepare('INSERT INTO snapshot_items (snapshot_id, image_id, class_index, split, path, hash) VALUES (?, ?, ?, ?, ?, ?)');
    for (const it of items) insItem.run(id, it.imageId, it.classIndex, it.split, it.path, it.hash);
    return { id, datasetId, contentHash, classes, items };
  });
}

export function loadSnapshot(db: Database, snapshotId: number): Snapshot {
  const row = db.prepare('SELECT id, dataset_id, content_hash FROM snapshots WHERE id = ?').get(snapshotId) as
    | { id: number; dataset_id: number; content_hash: string }
    | undefined;
  if (!row) throw new FacetError('not-found', `There is no snapshot ${snapshotId}.`, { field: 'snapshot' });
  const classes = (db.prepare('SELECT name FROM snapshot_classes WHERE snapshot_id = ? ORDER BY class_index').all(snapshotId) as { name: string }[]).map((r) => r.name);
  const items = db
    .prepare('SELECT image_id AS imageId, class_index AS classIndex, split, path, hash FROM snapshot_items WHERE snapshot_id = ? ORDER BY path')
    .all(snapshotId) as SnapshotItem[];
  return { id: row.id, datasetId: row.dataset_id, contentHash: row.content_hash, classes, items };
}
