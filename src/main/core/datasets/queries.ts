// Read side of datasets: the rows the UI and CLI list, mapped to the shared domain types.
import type { ClassDef, Dataset, ImageItem, ImagePage, SkippedFile, SplitName } from '../../../shared/domain.js';
import type { ParsedArgs } from '../../../shared/contract.js';
import { FacetError } from '../../../shared/errors.js';
import type { Database } from '../store/db.js';
import { testEvaluationOf } from '../training/evaluation-queries.js';

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
  skipped: number;
  missing: number;
  classes: number;
}

const DATASET_SELECT = `
  SELECT d.*,
    (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id AND i.status = 'ok' AND i.excluded = 0) AS images,
    (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id AND i.status = 'unreadable') AS skipped,
    (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id AND i.status = 'missing') AS missing,
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
         SUM(CASE WHEN i.status = 'ok' AND i.excluded = 0 THEN 1 ELSE 0 END) AS count,
         SUM(CASE WHEN i.status = 'ok' AND i.excluded = 0 AND i.split = 'train' THEN 1 ELSE 0 END) AS train,
         SUM(CASE WHEN i.status = 'ok' AND i.excluded = 0 AND i.split = 'val' THEN 1 ELSE 0 END) AS val,
         SUM(CASE WHEN i.status = 'ok' AND i.excluded = 0 AND i.split = 'test' THEN 1 ELSE 0 END) AS test
       FROM classes c LEFT JOIN images i ON i.class_id = c.id
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

interface ImageRow {
  id: number;
  dataset_id: number;
  path: string;
  class_id: number | null;
  class_name: string | null;
  folder_class: string | null;
  split: SplitName | null;
  status: ImageItem['status'];
  skip_code: ImageItem['skipCode'];
  skip_reason: string | null;
  hash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  group_key: string | null;
}

export function toImageItem(r: ImageRow): ImageItem {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    path: r.path,
    classId: r.class_id,
    className: r.class_name,
    folderClass: r.folder_class,
    split: r.split,
    status: r.status,
    skipCode: r.skip_code,
    skipReason: r.skip_reason,
    hash: r.hash,
    width: r.width,
    height: r.height,
    format: r.format,
    groupKey: r.group_key,
  };
}

export const IMAGE_SELECT = `SELECT i.id, i.dataset_id, i.path, i.class_id, c.name AS class_name, i.folder_class, i.split,
  i.status, i.skip_code, i.skip_reason, i.hash, i.width, i.height, i.format, i.group_key
  FROM images i LEFT JOIN classes c ON c.id = i.class_id`;

export function listImages(db: Database, q: ParsedArgs<'images/list'>): ImagePage {
  getDataset(db, q.datasetId);
  const where = ['i.dataset_id = @datasetId'];
  const params: Record<string, unknown> = { datasetId: q.datasetId };
  const status = q.status ?? 'ok';
  if (status !== 'all') {
    where.push('i.status = @status');
    params.status = status;
  }
  if (q.classId !== undefined) {
    where.push('i.class_id = @classId');
    params.classId = q.classId;
  }
  if (q.split !== undefined) {
    where.push('i.split = @split');
    params.split = q.split;
  }
  if (q.imageIds !== undefined) {
    where.push('i.id IN (SELECT value FROM json_each(@imageIds))');
    params.imageIds = JSON.stringify(q.imageIds);
  }
  // A run's test predictions: joined when a run is given; its filters keep only predicted images.
  let joins = '';
  if (q.runId !== undefined) {
    const { evaluationId, snapshotId } = testEvaluationOf(db, q.runId);
    joins = ` LEFT JOIN predictions p ON p.evaluation_id = @evaluationId AND p.image_id = i.id
      LEFT JOIN snapshot_classes tc ON tc.snapshot_id = @snapshotId AND tc.class_index = p.label_index
      LEFT JOIN snapshot_classes pc ON pc.snapshot_id = @snapshotId AND pc.class_index = p.predicted_index`;
    Object.assign(params, { evaluationId, snapshotId });
    if (q.trueClass !== undefined) {
      where.push('tc.name = @trueClass');
      params.trueClass = q.trueClass;
    }
    if (q.predictedClass !== undefined) {
      where.push('pc.name = @predictedClass');
      params.predictedClass = q.predictedClass;
    }
    if (q.disagree) where.push('p.image_id IS NOT NULL AND (c.name IS NULL OR c.name <> pc.name)');
  } else if (q.trueClass !== undefined || q.predictedClass !== undefined || q.disagree || q.sort === 'confidence') {
    throw new FacetError('invalid-argument', 'Filtering or sorting by predictions needs a run.', { field: 'runId', hint: 'Choose a run in the labeller first.' });
  }
  if (q.faces !== undefined) where.push(FACE_FILTER_SQL[q.faces]);
  if (q.search) {
    where.push(`i.path LIKE @search ESCAPE '\\'`);
    params.search = `%${q.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  }
  const order = q.sort === 'class' ? 'c.name, i.path' : q.sort === 'confidence' ? 'p.confidence IS NULL, p.confidence DESC, i.path' : 'i.path';
  const offset = q.offset ?? 0;
  const limit = q.limit ?? 100_000;
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM images i LEFT JOIN classes c ON c.id = i.class_id${joins} WHERE ${where.join(' AND ')}`).get(params) as { n: number }).n;
  const rows = db
    .prepare(`${IMAGE_SELECT}${joins} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit, offset }) as ImageRow[];
  return { total, offset, items: rows.map(toImageItem) };
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

/** 'images/list' filters on the face analysis (tables of migration 2026-11-28-faces), by content hash. */
const FACE_FILTER_SQL: Record<NonNullable<ParsedArgs<'images/list'>['faces']>, string> = {
  'no-face': 'i.hash IN (SELECT hash FROM face_analyses WHERE faces = 0)',
  'one-face': 'i.hash IN (SELECT hash FROM face_analyses WHERE faces = 1)',
  'multi-face': 'i.hash IN (SELECT hash FROM face_analyses WHERE faces > 1)',
  analysed: 'i.hash IN (SELECT hash FROM face_analyses)',
  'not-analysed': "i.status = 'ok' AND i.hash NOT IN (SELECT hash FROM face_analyses)",
};
