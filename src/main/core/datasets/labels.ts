// Relabelling with undo / redo. Each user action is one edit (one transaction); the label history
// is append-only, so undo and redo add rows rather than erase them. Class edits (add, rename, merge,
// delete: classes.ts) are edits too and are undone and redone here with their label moves.
import type { LabelChange } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { redoClassChange, summarizeClassChange, undoClassChange } from './classes.js';
import { beginEdit, type ClassChange } from './edits.js';
import { getDataset } from './queries.js';
import { drawHoldout } from './splits.js';
import type { SplitName } from '../../../shared/domain.js';

export type LabelSource = 'user' | 'suggestion';

function requireLiveClass(db: Database, datasetId: number, classId: number): void {
  const row = db.prepare('SELECT dataset_id FROM classes WHERE id = ? AND deleted_at IS NULL').get(classId) as
    | { dataset_id: number }
    | undefined;
  if (!row || row.dataset_id !== datasetId) {
    throw new FacetError('not-found', `Class ${classId} is not a class of dataset ${datasetId}.`, {
      field: 'classId',
      hint: 'Pick one of the dataset\'s classes (facet classes DATASET).',
    });
  }
}

export function setLabels(db: Database, datasetId: number, imageIds: number[], classId: number, source: LabelSource = 'user'): LabelChange {
  return assignLabels(db, datasetId, imageIds.map((imageId) => ({ imageId, classId })), source);
}

/** Several images, each to its own class, as ONE edit (a bulk acceptance of suggestions undoes in one step). */
export function assignLabels(db: Database, datasetId: number, assignments: { imageId: number; classId: number }[], source: LabelSource = 'user'): LabelChange {
  return writeTransaction(db, () => {
    const dataset = getDataset(db, datasetId);
    for (const classId of new Set(assignments.map((a) => a.classId))) requireLiveClass(db, datasetId, classId);
    const wanted = new Map(assignments.map((a) => [a.imageId, a.classId]));
    const get = db.prepare('SELECT id, path, class_id, dataset_id, status, split, holdout FROM images WHERE id = ?');
    const toChange: { id: number; from: number | null; to: number; split: SplitName | null }[] = [];
    for (const [imageId, classId] of wanted) {
      const row = get.get(imageId) as
        | { id: number; path: string; class_id: number | null; dataset_id: number; status: string; split: SplitName | null; holdout: SplitName | null }
        | undefined;
      if (!row || row.dataset_id !== datasetId) {
        throw new FacetError('not-found', `Image ${imageId} is not in dataset ${datasetId}.`, { field: 'imageIds' });
      }
      // A first label gives the image its split: the one drawn for it on arrival (see drawHoldout).
      const split = row.split ?? (row.status === 'ok' ? (row.holdout ?? drawHoldout(dataset.seed, row.path, dataset.split)) : null);
      if (row.class_id !== classId) toChange.push({ id: row.id, from: row.class_id, to: classId, split });
    }
    if (toChange.length === 0) return { editId: null, changed: 0, imageIds: [] };
    const now = nowIso();
    const editId = beginEdit(db, datasetId, source);
    const update = db.prepare('UPDATE images SET class_id = ?, split = ?, updated_at = ? WHERE id = ?');
    const history = db.prepare(
      'INSERT INTO label_history (image_id, from_class_id, to_class_id, source, edit_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const c of toChange) {
      history.run(c.id, c.from, c.to, source, editId, now);
      update.run(c.to, c.split, now, c.id);
    }
    return { editId, changed: toChange.length, imageIds: toChange.map((c) => c.id) };
  });
}

/** Reverts the latest edit that is still done; a no-op result when there is nothing to undo. */
export function undo(db: Database, datasetId: number): LabelChange {
  return replay(db, datasetId, 'undo');
}

/** Re-applies the edit most recently undone. */
export function redo(db: Database, datasetId: number): LabelChange {
  return replay(db, datasetId, 'redo');
}

function replay(db: Database, datasetId: number, direction: 'undo' | 'redo'): LabelChange {
  return writeTransaction(db, () => {
    getDataset(db, datasetId);
    const edit = db
      .prepare(
        direction === 'undo'
          ? `SELECT id, class_change FROM edits WHERE dataset_id = ? AND state = 'done' ORDER BY id DESC LIMIT 1`
          : `SELECT id, class_change FROM edits WHERE dataset_id = ? AND state = 'undone' ORDER BY id ASC LIMIT 1`,
      )
      .get(datasetId) as { id: number; class_change: string | null } | undefined;
    if (!edit) return { editId: null, changed: 0, imageIds: [] };
    const classChange = edit.class_change === null ? null : (JSON.parse(edit.class_change) as ClassChange);
    // Undoing a merge or delete brings the class back first, so its images can return to it.
    if (classChange && direction === 'undo') undoClassChange(db, classChange);
    const rows = db
      .prepare(
        `SELECT h.image_id, h.from_class_id, h.to_class_id, i.class_id AS current, c1.deleted_at AS from_deleted, c2.deleted_at AS to_deleted
         FROM label_history h JOIN images i ON i.id = h.image_id
         LEFT JOIN classes c1 ON c1.id = h.from_class_id LEFT JOIN classes c2 ON c2.id = h.to_class_id
         WHERE h.edit_id = ? AND h.source IN ('user', 'suggestion', 'merge', 'delete') ORDER BY h.id`,
      )
      .all(edit.id) as { image_id: number; from_class_id: number | null; to_class_id: number | null; current: number | null; from_deleted: string | null; to_deleted: string | null }[];
    const now = nowIso();
    // Undoing a first label makes the image unlabelled again, and unlabelled images are in no split.
    const update = db.prepare('UPDATE images SET class_id = ?, split = CASE WHEN ? IS NULL THEN NULL ELSE split END, updated_at = ? WHERE id = ?');
    const history = db.prepare(
      'INSERT INTO label_history (image_id, from_class_id, to_class_id, source, edit_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const changed: number[] = [];
    for (const r of rows) {
      const target = direction === 'undo' ? r.from_class_id : r.to_class_id;
      const targetDeleted = direction === 'undo' ? r.from_deleted : r.to_deleted;
      // Skip images changed since (by a merge or a later edit undone out of order): never clobber newer work.
      const expected = direction === 'undo' ? r.to_class_id : r.from_class_id;
      // A null target is only reached by undoing a first label (a user or accepted-suggestion edit).
      if (r.current !== expected || (target === null && direction !== 'undo') || targetDeleted !== null) continue;
      update.run(target, target, now, r.image_id);
      history.run(r.image_id, r.current, target, direction, edit.id, now);
      changed.push(r.image_id);
    }
    if (classChange && direction === 'redo') changed.push(...redoClassChange(db, classChange, edit.id));
    db.prepare('UPDATE edits SET state = ? WHERE id = ?').run(direction === 'undo' ? 'undone' : 'done', edit.id);
    return { editId: edit.id, changed: changed.length, imageIds: changed, ...(classChange ? { classChange: summarizeClassChange(classChange) } : {}) };
  });
}
