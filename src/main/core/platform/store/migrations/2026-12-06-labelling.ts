// Labelling from scratch (issue 17): the held-out reservation of unlabelled images, pretrained
// embeddings per content hash and backbone, suggestions, how suggestions fared, and the 2-D map.
import type { Migration } from './index.js';

export const labelling: Migration = {
  id: '2026-12-06-labelling',
  up: `
    -- Drawn once, seeded by the dataset seed and the path, when an image arrives unlabelled: the split
    -- it joins when it gets its first label ('val' / 'test' = reserved for evaluation); NULL = not
    -- drawn yet. So val / test stay an unbiased sample of the collection whatever order people
    -- label in (the active queue would otherwise fill them with hard images).
    ALTER TABLE images ADD COLUMN holdout TEXT CHECK (holdout IN ('train', 'val', 'test'));
    -- Imported with --unlabelled: sub-folders are not classes, on every rescan too.
    ALTER TABLE datasets ADD COLUMN unlabelled INTEGER NOT NULL DEFAULT 0 CHECK (unlabelled IN (0, 1));

    -- One vector per content hash and backbone (a picture in two datasets is embedded once).
    CREATE TABLE embeddings (
      hash TEXT NOT NULL,
      backbone TEXT NOT NULL,
      dimensions INTEGER NOT NULL,
      vector BLOB NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (hash, backbone)
    );

    -- A suggested class per unlabelled image (never a label until accepted).
    CREATE TABLE suggestions (
      image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      class_id INTEGER NOT NULL REFERENCES classes(id),
      confidence REAL NOT NULL
    );
    CREATE INDEX suggestions_dataset_confidence ON suggestions(dataset_id, confidence);

    -- The last refresh of a dataset's suggestions; summary is the SuggestionsSummary JSON.
    CREATE TABLE suggestion_refreshes (
      dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
      backbone TEXT NOT NULL,
      summary TEXT NOT NULL,
      last_history_id INTEGER NOT NULL,
      refreshed_at TEXT NOT NULL
    );

    -- How a suggestion fared when its image got a label ("suggestions 87% right lately").
    CREATE TABLE suggestion_outcomes (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      suggested_class_id INTEGER NOT NULL,
      labelled_class_id INTEGER NOT NULL,
      confidence REAL NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX suggestion_outcomes_dataset ON suggestion_outcomes(dataset_id, id);

    -- How the suggestion of an image fared when a person gave it its first label (typed, or Enter
    -- to accept in the labeller); a bulk acceptance removes its suggestions first, so it is not
    -- counted as "right". Triggers, so the datasets code needs to know nothing of suggestions.
    CREATE TRIGGER suggestion_outcome AFTER INSERT ON label_history
      WHEN NEW.source IN ('user', 'suggestion') AND NEW.from_class_id IS NULL AND NEW.to_class_id IS NOT NULL
      BEGIN
        INSERT INTO suggestion_outcomes (dataset_id, image_id, suggested_class_id, labelled_class_id, confidence, created_at)
          SELECT s.dataset_id, s.image_id, s.class_id, NEW.to_class_id, s.confidence, NEW.created_at
          FROM suggestions s WHERE s.image_id = NEW.image_id;
      END;
    -- A label ends the suggestion (the history row, and so the outcome, is written before the label).
    CREATE TRIGGER suggestion_labelled AFTER UPDATE OF class_id ON images
      WHEN OLD.class_id IS NULL AND NEW.class_id IS NOT NULL
      BEGIN
        DELETE FROM suggestions WHERE image_id = NEW.id;
      END;

    CREATE TABLE maps (
      dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
      backbone TEXT NOT NULL,
      pca_dimensions INTEGER NOT NULL,
      computed_at TEXT NOT NULL
    );
    CREATE TABLE map_points (
      image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      x REAL NOT NULL,
      y REAL NOT NULL
    );
    CREATE INDEX map_points_dataset ON map_points(dataset_id);
  `,
};
