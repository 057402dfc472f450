// Snapshots (an immutable copy of labels and splits taken when a run starts), runs, their epoch
// metrics, evaluations and per-image predictions.
import type { Migration } from './migration.js';

export const runs: Migration = {
  id: '2026-11-26-runs',
  up: `
    CREATE TABLE snapshots (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      content_hash TEXT NOT NULL,
      images INTEGER NOT NULL,
      created_at TEXT NOT NULL
    );
    -- Class order of a snapshot: the model's output index i is class_index i (sorted names).
    CREATE TABLE snapshot_classes (
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      class_index INTEGER NOT NULL,
      class_id INTEGER NOT NULL REFERENCES classes(id),
      name TEXT NOT NULL,
      PRIMARY KEY (snapshot_id, class_index)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_items (
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id),
      class_index INTEGER NOT NULL,
      split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
      path TEXT NOT NULL,
      hash TEXT NOT NULL,
      PRIMARY KEY (snapshot_id, image_id)
    ) WITHOUT ROWID;
    CREATE TRIGGER snapshot_items_immutable BEFORE UPDATE ON snapshot_items
      BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;

    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
      name TEXT NOT NULL,
      preset TEXT NOT NULL,
      hyperparameters TEXT NOT NULL,
      backend TEXT,
      engine TEXT,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
      error TEXT,
      pid INTEGER,
      epochs_done INTEGER NOT NULL DEFAULT 0,
      best_epoch INTEGER,
      best_val_loss REAL,
      best_val_accuracy REAL,
      train_seconds REAL NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      started_at TEXT,
      finished_at TEXT
    );
    CREATE INDEX runs_dataset ON runs(dataset_id);

    CREATE TABLE epoch_metrics (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch INTEGER NOT NULL,
      loss REAL NOT NULL,
      accuracy REAL NOT NULL,
      val_loss REAL,
      val_accuracy REAL,
      seconds REAL NOT NULL,
      images_per_second REAL NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (run_id, epoch)
    ) WITHOUT ROWID;

    CREATE TABLE evaluations (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      split TEXT NOT NULL,
      loss REAL NOT NULL,
      accuracy REAL NOT NULL,
      confusion TEXT NOT NULL,
      per_class TEXT NOT NULL,
      images INTEGER NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX evaluations_run ON evaluations(run_id);

    CREATE TABLE predictions (
      evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id),
      label_index INTEGER NOT NULL,
      predicted_index INTEGER NOT NULL,
      confidence REAL NOT NULL,
      probabilities TEXT NOT NULL,
      PRIMARY KEY (evaluation_id, image_id)
    ) WITHOUT ROWID;
  `,
};
