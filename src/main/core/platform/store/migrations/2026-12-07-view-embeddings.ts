// Augmented views for a frozen backbone (issue 20): per content hash, backbone, augmentation recipe
// and view index, the embedding of that augmented copy, so a run's views are embedded once and
// shared by every later run with the same recipe.
import type { Migration } from './migration.js';

export const viewEmbeddings: Migration = {
  id: '2026-12-07-view-embeddings',
  up: `
    CREATE TABLE view_embeddings (
      hash TEXT NOT NULL,
      backbone TEXT NOT NULL,
      -- The augmentation settings the view was drawn with, canonical text (training/augmented-views.ts).
      recipe TEXT NOT NULL,
      -- 1, 2, …: view i of a picture is always the same picture under the same recipe.
      view INTEGER NOT NULL CHECK (view >= 1),
      dimensions INTEGER NOT NULL,
      vector BLOB NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (hash, backbone, recipe, view)
    );
  `,
};
