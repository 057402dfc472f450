// Label-quality audits: an audit row, the out-of-sample probabilities of every image it covered, and
// the decisions taken on its findings; dHashes cached by content hash; images can be excluded.
import type { Migration } from './migration.js';

export const audits: Migration = {
  id: '2026-11-27-audits',
  up: `
    -- An image dropped from training (e.g. one of a near-duplicate pair leaking across splits). Kept,
    -- not deleted, so the decision is visible and reversible; snapshots leave excluded images out.
    ALTER TABLE images ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1));

    CREATE TABLE audits (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      settings TEXT NOT NULL,
      -- JSON [{ "id", "name" }]: the classes in model output order.
      classes TEXT NOT NULL,
      images INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
      error TEXT,
      pid INTEGER,
      backend TEXT,
      engine TEXT,
      -- JSON { duplicates, leaks, imbalance }: the checks that need no model, as found at audit time.
      findings TEXT,
      seconds REAL,
      created_at TEXT NOT NULL,
      finished_at TEXT
    );
    CREATE INDEX audits_dataset ON audits(dataset_id, id);

    -- One row per image the audit covered, written when it starts (the labels it audits, its fold);
    -- probabilities (JSON, model output order) once the fold model that never saw the image predicts it.
    CREATE TABLE audit_predictions (
      audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      class_index INTEGER NOT NULL,
      class_id INTEGER NOT NULL,
      fold INTEGER NOT NULL,
      probabilities TEXT,
      PRIMARY KEY (audit_id, image_id)
    ) WITHOUT ROWID;

    -- What the user decided about a finding. A 'keep' ("the label is right") holds while the image's
    -- label is unchanged: history_id is the image's latest label_history row when it was taken.
    CREATE TABLE audit_decisions (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      audit_id INTEGER REFERENCES audits(id) ON DELETE SET NULL,
      decision TEXT NOT NULL CHECK (decision IN ('accept', 'keep', 'move', 'drop')),
      class_id INTEGER,
      history_id INTEGER,
      detail TEXT,
      created_at TEXT NOT NULL
    );
    CREATE INDEX audit_decisions_image ON audit_decisions(image_id, decision);

    CREATE TABLE image_dhashes (
      hash TEXT PRIMARY KEY,
      dhash TEXT NOT NULL
    ) WITHOUT ROWID;
  `,
};
