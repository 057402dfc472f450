// Class changes (add, rename, merge, delete) are edits too, so undo and redo cover them: the edit
// row says what changed; the label moves of a merge or delete are its label_history rows.
import type { Migration } from './migration.js';

export const classEdits: Migration = {
  id: '2026-11-29-class-edits',
  up: `
    -- JSON of a ClassChange (src/main/core/datasets/classes.ts); NULL for a plain relabel.
    ALTER TABLE edits ADD COLUMN class_change TEXT;
  `,
};
