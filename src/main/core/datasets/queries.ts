// Read side of datasets: the rows the UI and CLI list, mapped to the shared domain types.
import type { ClassDef, Dataset, SkippedFile } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import type { Database } from '../platform/store/db.js';

interface DatasetRow {
  id: number;
  name: string;
  root: string;
  split_train: number;
  split_val: number;
  split_test: number;
  seed: number;
  group_by: string | null;
  created_at: string;
  last_scan_at: string | null;
  images: number;
  unlabelled: number;
  skipped: number;
  missing: number;
  classes: number;
}

// The counts come from image_counts (migration 2026-12-09-image-counts), which triggers keep equal to
// a COUNT(*) over images: reading them costs the same at 100 images and at 100,000.
const DATASET_SELECT = `
  SELECT d.*,
    IFNULL((SELECT SUM(k.n) FROM image_counts k WHERE k.dataset_id = d.id AND k.status = 'ok' AND k.excluded = 0), 0) AS images,
    IFNULL((SELECT SUM(k.n) FROM image_counts k WHERE k.dataset_id = d.id AND k.status = 'ok' AND k.excluded = 0 AND k.class_id = 0), 0) AS unlabelled,
    IFNULL((SELECT SUM(k.n) FROM image_counts k WHERE k.dataset_id = d.id AND k.status = 'unreadable'), 0) AS skipped,
    IFNULL((SELECT SUM(k.n) FROM image_counts k WHERE k.dataset_id = d.id AND k.status = 'missing'), 0) AS missing,
    (SELECT COUNT(*) FROM classes c WHERE c.dataset_id = d.id AND c.deleted_at IS NULL) AS classes
  FROM datasets d`;

function toDataset(r: DatasetRow): Dataset {
  return {
    id: r.id,
    name: r.name,
    root: r.root,
    createdAt: r.created_at,
    lastScanAt: r.last_scan_at,
    split: { train: r.split_train, val: r.split_val, test: r.split_test },
    seed: r.seed,
    groupBy: r.group_by,
    images: r.images,
    unlabelled: r.unlabelled,
    skipped: r.skipped,
    missing: r.missing,
    classes: r.classes,
  };
}

export function listDatasets(db: Database): Dataset[] {
  return (db.prepare(`${DATASET_SELECT} ORDER BY d.id`).all() as DatasetRow[]).map(toDataset);
}

export function getDataset(db: Database, datasetId: number): Dataset {
  const row = db.prepare(`${DATASET_SELECT} WHERE d.id = ?`).get(datasetId) as DatasetRow | undefined;
  if (!row) {
    throw new FacetError('not-found', `There is no dataset ${datasetId} in this workspace.`, {
      field: 'datasetId',
      hint: 'Run `facet datasets` to list them.',
    });
  }
  return toDataset(row);
}

/** A dataset by id or by name, as users type it on the command line. */
export function findDataset(db: Database, ref: string): Dataset {
  if (/^\d+$/.test(ref)) return getDataset(db, Number(ref));
  const row = db.prepare(`${DATASET_SELECT} WHERE d.name = ? ORDER BY d.id DESC LIMIT 1`).get(ref) as DatasetRow | undefined;
  if (!row) {
    throw new FacetError('not-found', `There is no dataset named "${ref}" in this workspace.`, {
      field: 'dataset',
      hint: 'Run `facet datasets` to list them, or give its id.',
    });
  }
  return toDataset(row);
}

export function listClasses(db: Database, datasetId: number): ClassDef[] {
  getDataset(db, datasetId);
  const rows = db
    .prepare(
      `SELECT c.id, c.dataset_id, c.name,
         SUM(CASE WHEN k.status = 'ok' AND k.excluded = 0 THEN k.n ELSE 0 END) AS count,
         SUM(CASE WHEN k.status = 'ok' AND k.excluded = 0 AND k.split = 'train' THEN k.n ELSE 0 END) AS train,
         SUM(CASE WHEN k.status = 'ok' AND k.excluded = 0 AND k.split = 'val' THEN k.n ELSE 0 END) AS val,
         SUM(CASE WHEN k.status = 'ok' AND k.excluded = 0 AND k.split = 'test' THEN k.n ELSE 0 END) AS test
       FROM classes c LEFT JOIN image_counts k ON k.dataset_id = c.dataset_id AND k.class_id = c.id
       WHERE c.dataset_id = ? AND c.deleted_at IS NULL
       GROUP BY c.id ORDER BY c.name`,
    )
    .all(datasetId) as { id: number; dataset_id: number; name: string; count: number | null; train: number | null; val: number | null; test: number | null }[];
  return rows.map((r) => ({
    id: r.id,
    datasetId: r.dataset_id,
    name: r.name,
    count: r.count ?? 0,
    splits: { train: r.train ?? 0, val: r.val ?? 0, test: r.test ?? 0 },
  }));
}

export function getClass(db: Database, classId: number): ClassDef {
  const row = db.prepare('SELECT dataset_id FROM classes WHERE id = ? AND deleted_at IS NULL').get(classId) as
    | { dataset_id: number }
    | undefined;
  if (!row) throw new FacetError('not-found', `There is no class ${classId}.`, { field: 'classId', hint: 'Run `facet classes DATASET`.' });
  return listClasses(db, row.dataset_id).find((c) => c.id === classId)!;
}

export function findClass(db: Database, datasetId: number, ref: string): ClassDef {
  const classes = listClasses(db, datasetId);
  const found = classes.find((c) => c.name === ref) ?? (/^\d+$/.test(ref) ? classes.find((c) => c.id === Number(ref)) : undefined);
  if (!found) {
    throw new FacetError('not-found', `There is no class "${ref}" in this dataset.`, {
      field: 'class',
      hint: `Classes: ${classes.map((c) => c.name).join(', ') || '(none)'}.`,
    });
  }
  return found;
}

export function listSkipped(db: Database, datasetId: number): SkippedFile[] {
  getDataset(db, datasetId);
  return (
    db
      .prepare(`SELECT path, skip_code AS code, skip_reason AS reason FROM images WHERE dataset_id = ? AND status = 'unreadable' ORDER BY path`)
      .all(datasetId) as SkippedFile[]
  );
}

/** Image rows by relative path, as users name them on the command line. */
export function findImagesByPath(db: Database, datasetId: number, paths: string[]): number[] {
  const stmt = db.prepare('SELECT id FROM images WHERE dataset_id = ? AND path = ?');
  const missing: string[] = [];
  const ids: number[] = [];
  for (const p of paths) {
    const row = stmt.get(datasetId, p.replace(/\\/g, '/').replace(/^\.\//, '')) as { id: number } | undefined;
    if (row) ids.push(row.id);
    else missing.push(p);
  }
  if (missing.length) {
    throw new FacetError('not-found', `Not in this dataset: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`, {
      field: 'IMAGE_PATH',
      hint: 'Give paths relative to the dataset root, as `facet images DATASET` prints them.',
    });
  }
  return ids;
}
