// The health checks that compare pictures with each other (near-duplicate groups, outliers) are
// quadratic, so the health job computes them and keeps them here per dataset, with a fingerprint of
// what they were computed from (the pictures, their measures, the thresholds, the embeddings): the
// report reads them instead of comparing all pairs in the server's event loop.
import type { Migration } from './migration.js';

export const healthPairwise: Migration = {
  id: '2026-12-07-health-pairwise',
  up: `
    -- issues: JSON [{ type, imageId, score, value, group }] (near-duplicate and outlier issues).
    CREATE TABLE health_pairwise (
      dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
      fingerprint TEXT NOT NULL,
      issues TEXT NOT NULL,
      seconds REAL NOT NULL,
      created_at TEXT NOT NULL
    );
  `,
};
