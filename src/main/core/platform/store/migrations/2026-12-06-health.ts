// Data health (issue 21): the label-free measures of each picture (per content hash, so a picture in
// two datasets is measured once), each dataset's thresholds, the "this is fine" decisions, and
// exclusions as edits (undo / redo like a relabel); the label audit's embedding-based probabilities.
import type { Migration } from './migration.js';

export const health: Migration = {
  id: '2026-12-06-health',
  up: `
    -- version: the measuring code's version; rows of an older one are measured again.
    -- error: the thumbnail could not be read (no measures; the picture is left out of the checks).
    CREATE TABLE image_health (
      hash TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      blur REAL,
      luma_p99 REAL,
      luma_p5 REAL,
      entropy REAL,
      colourfulness REAL,
      dhash TEXT,
      signature BLOB,
      error TEXT
    ) WITHOUT ROWID;

    -- JSON HealthThresholds (src/shared/health.ts); no row: the defaults.
    CREATE TABLE health_settings (
      dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
      thresholds TEXT NOT NULL
    );

    -- "Keep": the user looked and the picture is fine for this issue type; holds while the file is
    -- the same (its content hash).
    CREATE TABLE health_kept (
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      type TEXT NOT NULL,
      hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (image_id, type)
    ) WITHOUT ROWID;

    -- JSON { "excluded": bool, "imageIds": [..] } of an edit that excluded (or brought back) images;
    -- NULL for label and class edits.
    ALTER TABLE edits ADD COLUMN exclusion_change TEXT;

    -- The label audit's second opinion from pretrained embeddings: per image, the mean of the kNN vote
    -- and the out-of-fold head's probabilities (JSON, model output order); which backbone gave them.
    ALTER TABLE audit_predictions ADD COLUMN embedding_probabilities TEXT;
    ALTER TABLE audits ADD COLUMN embedding_backbone TEXT;
  `,
};
