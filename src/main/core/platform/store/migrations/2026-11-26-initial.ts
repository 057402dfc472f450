// Datasets, classes, images with their current label and split, and the append-only label history.
import type { Migration } from './migration.js';

export const initial: Migration = {
  id: '2026-11-26-initial',
  up: `
    CREATE TABLE datasets (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      root TEXT NOT NULL UNIQUE,
      split_train REAL NOT NULL,
      split_val REAL NOT NULL,
      split_test REAL NOT NULL,
      seed INTEGER NOT NULL,
      group_by TEXT,
      created_at TEXT NOT NULL,
      last_scan_at TEXT
    );

    -- A class is soft-deleted so that label history keeps pointing at a real row.
    CREATE TABLE classes (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      created_at TEXT NOT NULL,
      deleted_at TEXT
    );
    CREATE UNIQUE INDEX classes_live_name ON classes(dataset_id, name) WHERE deleted_at IS NULL;

    -- Which class a folder on disk feeds; a merge re-points the source's folders at the target.
    CREATE TABLE class_folders (
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      folder TEXT NOT NULL,
      class_id INTEGER NOT NULL REFERENCES classes(id),
      PRIMARY KEY (dataset_id, folder)
    );

    CREATE TABLE images (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      folder_class TEXT,
      class_id INTEGER REFERENCES classes(id),
      split TEXT CHECK (split IN ('train', 'val', 'test')),
      status TEXT NOT NULL CHECK (status IN ('ok', 'unreadable', 'missing')),
      skip_code TEXT,
      skip_reason TEXT,
      hash TEXT,
      size INTEGER,
      mtime_ms REAL,
      width INTEGER,
      height INTEGER,
      format TEXT,
      group_key TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (dataset_id, path)
    );
    CREATE INDEX images_dataset_class ON images(dataset_id, class_id);
    CREATE INDEX images_dataset_status ON images(dataset_id, status);
    CREATE INDEX images_hash ON images(dataset_id, hash);

    -- One user action (a relabel of one or many images) is one edit: the unit of undo and redo.
    CREATE TABLE edits (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      source TEXT NOT NULL CHECK (source IN ('user', 'suggestion')),
      state TEXT NOT NULL CHECK (state IN ('done', 'undone', 'discarded')),
      created_at TEXT NOT NULL
    );
    CREATE INDEX edits_dataset_state ON edits(dataset_id, state);

    -- Append-only: every label an image ever had, and what set it.
    CREATE TABLE label_history (
      id INTEGER PRIMARY KEY,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      from_class_id INTEGER REFERENCES classes(id),
      to_class_id INTEGER REFERENCES classes(id),
      source TEXT NOT NULL CHECK (source IN ('import', 'rescan', 'user', 'suggestion', 'undo', 'redo', 'merge', 'delete')),
      edit_id INTEGER REFERENCES edits(id),
      created_at TEXT NOT NULL
    );
    CREATE INDEX label_history_image ON label_history(image_id);
    CREATE INDEX label_history_edit ON label_history(edit_id);
    CREATE TRIGGER label_history_append_only_update BEFORE UPDATE ON label_history
      BEGIN SELECT RAISE(ABORT, 'label_history is append-only'); END;
    CREATE TRIGGER label_history_append_only_delete BEFORE DELETE ON label_history
      WHEN (SELECT COUNT(*) FROM images WHERE id = OLD.image_id) > 0
      BEGIN SELECT RAISE(ABORT, 'label_history is append-only'); END;
  `,
};
