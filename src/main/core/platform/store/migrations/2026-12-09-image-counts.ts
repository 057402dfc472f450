// The labeller at 100,000 images (issue 22): how many images each dataset has per class, split,
// status and exclusion, kept up to date by triggers, so the counts every view shows (datasets,
// class sidebar, labelling progress) are read, not counted again on each call; and an index that
// lists a dataset's images by name within a status without sorting or reading every row; one with
// their content hashes (vectors and face analyses are per hash); one that finds the labels given
// lately among the import's.
import type { Migration } from './migration.js';

/** The key of one image in image_counts: NULL class and split stored as 0 and '' (a key cannot be NULL). */
const key = (row: 'NEW' | 'OLD') => `${row}.dataset_id, IFNULL(${row}.class_id, 0), IFNULL(${row}.split, ''), ${row}.status, ${row}.excluded`;
const match = (row: 'OLD') =>
  `dataset_id = ${row}.dataset_id AND class_id = IFNULL(${row}.class_id, 0) AND split = IFNULL(${row}.split, '') AND status = ${row}.status AND excluded = ${row}.excluded`;

export const imageCounts: Migration = {
  id: '2026-12-09-image-counts',
  up: `
    -- class_id 0: unlabelled; split '': in no split. Rows may reach n = 0 and stay (harmless).
    CREATE TABLE image_counts (
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      class_id INTEGER NOT NULL,
      split TEXT NOT NULL,
      status TEXT NOT NULL,
      excluded INTEGER NOT NULL,
      n INTEGER NOT NULL,
      PRIMARY KEY (dataset_id, class_id, split, status, excluded)
    ) WITHOUT ROWID;
    INSERT INTO image_counts (dataset_id, class_id, split, status, excluded, n)
      SELECT dataset_id, IFNULL(class_id, 0), IFNULL(split, ''), status, excluded, COUNT(*) FROM images
      GROUP BY dataset_id, IFNULL(class_id, 0), IFNULL(split, ''), status, excluded;

    CREATE TRIGGER image_counts_insert AFTER INSERT ON images BEGIN
      INSERT INTO image_counts (dataset_id, class_id, split, status, excluded, n) VALUES (${key('NEW')}, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER image_counts_delete AFTER DELETE ON images BEGIN
      UPDATE image_counts SET n = n - 1 WHERE ${match('OLD')};
    END;
    CREATE TRIGGER image_counts_update AFTER UPDATE OF dataset_id, class_id, split, status, excluded ON images
      WHEN OLD.dataset_id IS NOT NEW.dataset_id OR OLD.class_id IS NOT NEW.class_id OR OLD.split IS NOT NEW.split
        OR OLD.status IS NOT NEW.status OR OLD.excluded IS NOT NEW.excluded
    BEGIN
      UPDATE image_counts SET n = n - 1 WHERE ${match('OLD')};
      INSERT INTO image_counts (dataset_id, class_id, split, status, excluded, n) VALUES (${key('NEW')}, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    END;

    -- The labeller's list (by name within a status), the skipped-file list and the per-status counts.
    -- It starts with the columns of images_dataset_status, which it replaces.
    CREATE INDEX images_dataset_status_path ON images(dataset_id, status, path);
    DROP INDEX images_dataset_status;

    -- Which usable images have a vector or a face analysis (embeddings and face status, the face
    -- counts): content hashes read from the index, never from the rows.
    CREATE INDEX images_dataset_usable_hash ON images(dataset_id, status, excluded, hash);

    -- Labels given lately (labelling progress after each label) without reading the import's rows.
    CREATE INDEX label_history_source ON label_history(source, created_at);
  `,
};
