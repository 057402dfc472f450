// The labeller's image list: one query across domains (labels, a run's test predictions, the face
// analysis), so it lives above them all rather than inside datasets/.
import type { ImageItem, ImagePage, SplitName } from '../../../shared/domain.js';
import type { ParsedArgs } from '../../../shared/contract.js';
import { FacetError } from '../../../shared/errors.js';
import { getDataset } from '../datasets/queries.js';
import type { Database } from '../platform/store/db.js';
import { testEvaluationOf } from '../training/evaluation-queries.js';

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
  holdout: 'train' | 'val' | 'test' | null;
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
    heldOut: r.class_id === null && (r.holdout === 'val' || r.holdout === 'test') ? r.holdout : null,
  };
}

export const IMAGE_SELECT = `SELECT i.id, i.dataset_id, i.path, i.class_id, c.name AS class_name, i.folder_class, i.split,
  i.status, i.skip_code, i.skip_reason, i.hash, i.width, i.height, i.format, i.group_key, i.holdout
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
  if (q.labelled !== undefined) where.push(q.labelled ? 'i.class_id IS NOT NULL' : 'i.class_id IS NULL');
  if (q.split !== undefined) {
    where.push('i.split = @split');
    params.split = q.split;
  }
  if (q.imageIds !== undefined) {
    where.push('i.id IN (SELECT value FROM json_each(@imageIds))');
    params.imageIds = JSON.stringify(q.imageIds);
    // Look the given images up by id: SQLite would rather walk the whole dataset in path order
    // (no sort), which costs 100,000 rows to find one. The unary + keeps it off the dataset's indexes.
    where[0] = '+i.dataset_id = @datasetId';
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
  const sort = q.sort ?? 'path';
  const order = sort === 'class' ? 'c.name, i.path' : sort === 'confidence' ? 'p.confidence IS NULL, p.confidence DESC, i.path' : 'i.path';
  const offset = q.offset ?? 0;
  const limit = q.limit ?? 100_000;
  // Only the disagree filter reads the class name: without it the count needs no join, and with the
  // index on (dataset_id, status, path) it reads no row.
  const countFrom = `FROM images i${q.disagree ? ' LEFT JOIN classes c ON c.id = i.class_id' : ''}${joins}`;
  const total = talliedTotal(db, q) ?? (db.prepare(`SELECT COUNT(*) AS n ${countFrom} WHERE ${where.join(' AND ')}`).get(params) as { n: number }).n;
  // A page after a path seeks to it in the index instead of stepping over every row before it.
  if (q.after !== undefined) {
    if (sort !== 'path') throw new FacetError('invalid-argument', 'Only a list sorted by name can continue after a path.', { field: 'after', hint: 'Use offset with this sort.' });
    where.push('i.path > @after');
    params.after = q.after;
  }
  const rows = db
    .prepare(`${IMAGE_SELECT}${joins} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit, offset }) as ImageRow[];
  return { total, offset, items: rows.map(toImageItem) };
}

/**
 * The total of a list filtered only by status, class, labelled and split, read from the counts the
 * store keeps (image_counts) instead of counting up to 100,000 rows; null for other filters.
 */
function talliedTotal(db: Database, q: ParsedArgs<'images/list'>): number | null {
  if (q.imageIds !== undefined || q.runId !== undefined || q.faces !== undefined || q.search) return null;
  const where = ['dataset_id = @datasetId'];
  const params: Record<string, unknown> = { datasetId: q.datasetId };
  const status = q.status ?? 'ok';
  if (status !== 'all') {
    where.push('status = @status');
    params.status = status;
  }
  // image_counts keeps an unlabelled image under class 0 and one in no split under ''.
  if (q.classId !== undefined) {
    where.push('class_id = @classId');
    params.classId = q.classId;
  }
  if (q.labelled !== undefined) where.push(q.labelled ? 'class_id <> 0' : 'class_id = 0');
  if (q.split !== undefined) {
    where.push('split = @split');
    params.split = q.split;
  }
  return (db.prepare(`SELECT IFNULL(SUM(n), 0) AS n FROM image_counts WHERE ${where.join(' AND ')}`).get(params) as { n: number }).n;
}

/** 'images/list' filters on the face analysis (tables of migration 2026-11-28-faces), by content hash. */
const FACE_FILTER_SQL: Record<NonNullable<ParsedArgs<'images/list'>['faces']>, string> = {
  'no-face': 'i.hash IN (SELECT hash FROM face_analyses WHERE faces = 0)',
  'one-face': 'i.hash IN (SELECT hash FROM face_analyses WHERE faces = 1)',
  'multi-face': 'i.hash IN (SELECT hash FROM face_analyses WHERE faces > 1)',
  analysed: 'i.hash IN (SELECT hash FROM face_analyses)',
  'not-analysed': "i.status = 'ok' AND i.hash NOT IN (SELECT hash FROM face_analyses)",
};
