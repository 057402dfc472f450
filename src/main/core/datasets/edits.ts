// An edit is one user action on a dataset's labels or classes: the unit of undo and redo. Starting a
// new one ends the redo branch (edits undone before it can no longer be redone).
import { nowIso, type Database } from '../platform/store/db.js';

/** What a class edit changed, stored as JSON on its edit row so undo and redo can replay it. */
export type ClassChange =
  | { kind: 'add'; classId: number; name: string }
  | { kind: 'rename'; classId: number; from: string; to: string }
  | {
      kind: 'merge' | 'delete';
      classId: number;
      name: string;
      /** Where its images went (null: it was deleted empty). */
      targetId: number | null;
      targetName: string | null;
      /** Folders on disk that fed it and were re-pointed at the target. */
      folders: string[];
      /** Deleted with its images left unlabelled (targetId is null then). */
      unlabelled?: boolean;
    };

/** Opens an edit (inside the caller's write transaction) and returns its id. */
export function beginEdit(db: Database, datasetId: number, source: 'user' | 'suggestion', classChange?: ClassChange): number {
  db.prepare(`UPDATE edits SET state = 'discarded' WHERE dataset_id = ? AND state = 'undone'`).run(datasetId);
  return Number(
    db
      .prepare(`INSERT INTO edits (dataset_id, source, state, created_at, class_change) VALUES (?, ?, 'done', ?, ?)`)
      .run(datasetId, source, nowIso(), classChange ? JSON.stringify(classChange) : null).lastInsertRowid,
  );
}
