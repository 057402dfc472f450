// Adding, renaming, merging and deleting classes; each is one transaction.
import type { ClassDef } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { nowIso, writeTransaction, type Database } from '../store/db.js';
import { getClass, getDataset, listClasses } from './queries.js';

function assertNameFree(db: Database, datasetId: number, name: string, exceptId?: number): void {
  const row = db.prepare('SELECT id FROM classes WHERE dataset_id = ? AND name = ? AND deleted_at IS NULL').get(datasetId, name) as
    | { id: number }
    | undefined;
  if (row && row.id !== exceptId) {
    throw new FacetError('conflict', `A class named "${name}" already exists.`, {
      field: 'name',
      hint: 'Choose another name, or merge the two classes.',
    });
  }
}

export function addClass(db: Database, datasetId: number, name: string): ClassDef {
  const id = writeTransaction(db, () => {
    getDataset(db, datasetId);
    assertNameFree(db, datasetId, name);
    return Number(db.prepare('INSERT INTO classes (dataset_id, name, created_at) VALUES (?, ?, ?)').run(datasetId, name, nowIso()).lastInsertRowid);
  });
  return getClass(db, id);
}

export function renameClass(db: Database, classId: number, name: string): ClassDef {
  writeTransaction(db, () => {
    const cls = getClass(db, classId);
    assertNameFree(db, cls.datasetId, name, classId);
    db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(name, classId);
  });
  return getClass(db, classId);
}

/** Moves every image of source into target, re-points source's folders at target, deletes source. */
export function mergeClasses(db: Database, sourceClassId: number, targetClassId: number): ClassDef {
  writeTransaction(db, () => {
    if (sourceClassId === targetClassId) {
      throw new FacetError('invalid-argument', 'A class cannot be merged into itself.', { field: 'targetClassId' });
    }
    const source = getClass(db, sourceClassId);
    const target = getClass(db, targetClassId);
    if (source.datasetId !== target.datasetId) {
      throw new FacetError('invalid-argument', 'Both classes must belong to the same dataset.', { field: 'targetClassId' });
    }
    moveAll(db, sourceClassId, targetClassId, 'merge');
    db.prepare('UPDATE class_folders SET class_id = ? WHERE class_id = ?').run(targetClassId, sourceClassId);
    db.prepare('UPDATE classes SET deleted_at = ? WHERE id = ?').run(nowIso(), sourceClassId);
  });
  return getClass(db, targetClassId);
}

/** Deletes a class that has no images, or after moving its images to moveToClassId. */
export function deleteClass(db: Database, classId: number, moveToClassId?: number): { deleted: number; moved: number } {
  return writeTransaction(db, () => {
    const cls = getClass(db, classId);
    const held = (db.prepare(`SELECT COUNT(*) AS n FROM images WHERE class_id = ?`).get(classId) as { n: number }).n;
    let moved = 0;
    if (held > 0) {
      if (moveToClassId === undefined) {
        throw new FacetError('conflict', `Class "${cls.name}" still has ${held} image(s).`, {
          field: 'classId',
          hint: 'Move its images to another class first (or pass the class to move them to).',
        });
      }
      const target = getClass(db, moveToClassId);
      if (target.datasetId !== cls.datasetId || target.id === cls.id) {
        throw new FacetError('invalid-argument', 'Move the images to another class of the same dataset.', { field: 'moveToClassId' });
      }
      moved = moveAll(db, classId, moveToClassId, 'delete');
      db.prepare('UPDATE class_folders SET class_id = ? WHERE class_id = ?').run(moveToClassId, classId);
    }
    // An emptied class keeps its folder mapping, pointing at the deleted row: a rescan then knows the
    // folder's class was deleted on purpose and does not recreate it while the folder stays empty.
    db.prepare('UPDATE classes SET deleted_at = ? WHERE id = ?').run(nowIso(), classId);
    return { deleted: 1, moved };
  });
}

function moveAll(db: Database, fromId: number, toId: number, source: 'merge' | 'delete'): number {
  const now = nowIso();
  const ids = (db.prepare('SELECT id FROM images WHERE class_id = ?').all(fromId) as { id: number }[]).map((r) => r.id);
  const history = db.prepare(
    'INSERT INTO label_history (image_id, from_class_id, to_class_id, source, edit_id, created_at) VALUES (?, ?, ?, ?, NULL, ?)',
  );
  for (const id of ids) history.run(id, fromId, toId, source, now);
  db.prepare('UPDATE images SET class_id = ?, updated_at = ? WHERE class_id = ?').run(toId, now, fromId);
  return ids.length;
}

export { listClasses };
