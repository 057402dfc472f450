// Adding, renaming, merging and deleting classes; each is one transaction and one edit, so undo and
// redo (labels.ts) cover them as they cover relabelling.
import type { ClassChangeSummary, ClassDef } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { beginEdit, type ClassChange } from './edits.js';
import { getClass, getDataset, listClasses } from './queries.js';

function liveClassNamed(db: Database, datasetId: number, name: string): number | null {
  const row = db.prepare('SELECT id FROM classes WHERE dataset_id = ? AND name = ? AND deleted_at IS NULL').get(datasetId, name) as { id: number } | undefined;
  return row?.id ?? null;
}

function assertNameFree(db: Database, datasetId: number, name: string, exceptId?: number): void {
  const id = liveClassNamed(db, datasetId, name);
  if (id !== null && id !== exceptId) {
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
    const classId = Number(db.prepare('INSERT INTO classes (dataset_id, name, created_at) VALUES (?, ?, ?)').run(datasetId, name, nowIso()).lastInsertRowid);
    beginEdit(db, datasetId, 'user', { kind: 'add', classId, name });
    return classId;
  });
  return getClass(db, id);
}

export function renameClass(db: Database, classId: number, name: string): ClassDef {
  writeTransaction(db, () => {
    const cls = getClass(db, classId);
    assertNameFree(db, cls.datasetId, name, classId);
    if (cls.name === name) return;
    db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(name, classId);
    beginEdit(db, cls.datasetId, 'user', { kind: 'rename', classId, from: cls.name, to: name });
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
    const folders = foldersOf(db, sourceClassId);
    const editId = beginEdit(db, source.datasetId, 'user', { kind: 'merge', classId: source.id, name: source.name, targetId: target.id, targetName: target.name, folders });
    moveAll(db, sourceClassId, targetClassId, 'merge', editId);
    db.prepare('UPDATE class_folders SET class_id = ? WHERE class_id = ?').run(targetClassId, sourceClassId);
    db.prepare('UPDATE classes SET deleted_at = ? WHERE id = ?').run(nowIso(), sourceClassId);
  });
  return getClass(db, targetClassId);
}

/**
 * Deletes a class. Its images move to moveToClassId, or, without one, become unlabelled; either way
 * one edit, so undo brings the class and its images' labels back.
 */
export function deleteClass(db: Database, classId: number, moveToClassId?: number): { deleted: number; moved: number } {
  return writeTransaction(db, () => {
    const cls = getClass(db, classId);
    const held = (db.prepare(`SELECT COUNT(*) AS n FROM images WHERE class_id = ?`).get(classId) as { n: number }).n;
    let moved = 0;
    if (held > 0 && moveToClassId !== undefined) {
      const target = getClass(db, moveToClassId);
      if (target.datasetId !== cls.datasetId || target.id === cls.id) {
        throw new FacetError('invalid-argument', `Choose another class of the same dataset to move the images of "${cls.name}" to.`, { field: 'moveToClassId' });
      }
      const folders = foldersOf(db, classId);
      const editId = beginEdit(db, cls.datasetId, 'user', { kind: 'delete', classId, name: cls.name, targetId: target.id, targetName: target.name, folders });
      moved = moveAll(db, classId, moveToClassId, 'delete', editId);
      db.prepare('UPDATE class_folders SET class_id = ? WHERE class_id = ?').run(moveToClassId, classId);
    } else if (held > 0) {
      // Left unlabelled: the images stay in the dataset with no class; the folder mapping stays on the
      // deleted row (below), so a rescan does not put the class back.
      const editId = beginEdit(db, cls.datasetId, 'user', { kind: 'delete', classId, name: cls.name, targetId: null, targetName: null, folders: [], unlabelled: true });
      moved = moveAll(db, classId, null, 'delete', editId);
    } else {
      beginEdit(db, cls.datasetId, 'user', { kind: 'delete', classId, name: cls.name, targetId: null, targetName: null, folders: [] });
    }
    // An emptied class keeps its folder mapping, pointing at the deleted row: a rescan then knows the
    // folder's class was deleted on purpose and does not recreate it while the folder stays empty.
    db.prepare('UPDATE classes SET deleted_at = ? WHERE id = ?').run(nowIso(), classId);
    return { deleted: 1, moved };
  });
}

function foldersOf(db: Database, classId: number): string[] {
  return (db.prepare('SELECT folder FROM class_folders WHERE class_id = ? ORDER BY folder').all(classId) as { folder: string }[]).map((r) => r.folder);
}

function moveAll(db: Database, fromId: number, toId: number | null, source: 'merge' | 'delete' | 'redo', editId: number): number {
  const now = nowIso();
  const ids = (db.prepare('SELECT id FROM images WHERE class_id = ?').all(fromId) as { id: number }[]).map((r) => r.id);
  const history = db.prepare('INSERT INTO label_history (image_id, from_class_id, to_class_id, source, edit_id, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  for (const id of ids) history.run(id, fromId, toId, source, editId, now);
  db.prepare('UPDATE images SET class_id = ?, updated_at = ? WHERE class_id = ?').run(toId, now, fromId);
  return ids.length;
}

function datasetOf(db: Database, classId: number): number {
  return (db.prepare('SELECT dataset_id FROM classes WHERE id = ?').get(classId) as { dataset_id: number }).dataset_id;
}

/** A deleted class comes back, unless a live class has taken its name since. */
function restoreClass(db: Database, classId: number, name: string, undoing: boolean): void {
  const datasetId = datasetOf(db, classId);
  const taken = liveClassNamed(db, datasetId, name);
  if (taken !== null && taken !== classId) {
    throw new FacetError('conflict', `Cannot ${undoing ? 'undo' : 'redo'}: a class named "${name}" exists again.`, {
      field: 'classId',
      hint: `Rename or merge that "${name}" class first, then ${undoing ? 'undo' : 'redo'} again.`,
    });
  }
  db.prepare('UPDATE classes SET deleted_at = NULL WHERE id = ?').run(classId);
}

function renameTo(db: Database, classId: number, name: string, undoing: boolean): void {
  const taken = liveClassNamed(db, datasetOf(db, classId), name);
  if (taken !== null && taken !== classId) {
    throw new FacetError('conflict', `Cannot ${undoing ? 'undo' : 'redo'} the rename: another class is named "${name}" now.`, {
      field: 'classId',
      hint: `Rename that class first, then ${undoing ? 'undo' : 'redo'} again.`,
    });
  }
  db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(name, classId);
}

/**
 * The class side of undoing a class edit, before its label moves are reverted (so a merged or deleted
 * class exists again to receive its images). Runs inside the caller's transaction.
 */
export function undoClassChange(db: Database, change: ClassChange): void {
  switch (change.kind) {
    case 'add': {
      const held = (db.prepare('SELECT COUNT(*) AS n FROM images WHERE class_id = ?').get(change.classId) as { n: number }).n;
      if (held > 0) {
        throw new FacetError('conflict', `Cannot undo adding "${change.name}": it has ${held} image(s) now.`, {
          field: 'classId',
          hint: 'Undo or move those labels first (or merge the class), then undo again.',
        });
      }
      db.prepare('UPDATE classes SET deleted_at = ? WHERE id = ?').run(nowIso(), change.classId);
      return;
    }
    case 'rename':
      renameTo(db, change.classId, change.from, true);
      return;
    case 'merge':
    case 'delete': {
      restoreClass(db, change.classId, change.name, true);
      const datasetId = datasetOf(db, change.classId);
      const repoint = db.prepare('UPDATE class_folders SET class_id = ? WHERE dataset_id = ? AND folder = ?');
      for (const folder of change.folders) repoint.run(change.classId, datasetId, folder);
      return;
    }
  }
}

/**
 * The class side of redoing a class edit, after its label moves were re-applied: images that reached
 * the class since (a rescan of its folder) follow the others, then the class goes again.
 * Returns the ids of the images moved here.
 */
export function redoClassChange(db: Database, change: ClassChange, editId: number): number[] {
  switch (change.kind) {
    case 'add':
      restoreClass(db, change.classId, change.name, false);
      return [];
    case 'rename':
      renameTo(db, change.classId, change.to, false);
      return [];
    case 'merge':
    case 'delete': {
      const moved: number[] = [];
      if (change.targetId !== null) {
        const target = db.prepare('SELECT deleted_at FROM classes WHERE id = ?').get(change.targetId) as { deleted_at: string | null } | undefined;
        if (!target || target.deleted_at !== null) {
          throw new FacetError('conflict', `Cannot redo: "${change.targetName}", where the images of "${change.name}" went, has been deleted since.`, { field: 'classId' });
        }
        moved.push(...(db.prepare('SELECT id FROM images WHERE class_id = ?').all(change.classId) as { id: number }[]).map((r) => r.id));
        moveAll(db, change.classId, change.targetId, 'redo', editId);
        db.prepare('UPDATE class_folders SET class_id = ? WHERE class_id = ?').run(change.targetId, change.classId);
      } else if (change.unlabelled) {
        moved.push(...(db.prepare('SELECT id FROM images WHERE class_id = ?').all(change.classId) as { id: number }[]).map((r) => r.id));
        moveAll(db, change.classId, null, 'redo', editId);
      } else {
        const held = (db.prepare('SELECT COUNT(*) AS n FROM images WHERE class_id = ?').get(change.classId) as { n: number }).n;
        if (held > 0) throw new FacetError('conflict', `Cannot redo deleting "${change.name}": it has ${held} image(s) now.`, { field: 'classId' });
      }
      db.prepare('UPDATE classes SET deleted_at = ? WHERE id = ?').run(nowIso(), change.classId);
      return moved;
    }
  }
}

/** The change in words for the UI and the CLI. */
export function summarizeClassChange(change: ClassChange): ClassChangeSummary {
  switch (change.kind) {
    case 'add':
      return { kind: 'add', className: change.name };
    case 'rename':
      return { kind: 'rename', className: change.from, otherName: change.to };
    default:
      return { kind: change.kind, className: change.name, ...(change.targetName !== null ? { otherName: change.targetName } : {}) };
  }
}

export { listClasses };
