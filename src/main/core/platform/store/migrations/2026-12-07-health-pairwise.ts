// The health checks that compare pictures with each other (near-duplicate groups, outliers) are
// quadratic, so the health job compares the pairs and keeps what it found here per dataset, with a
// fingerprint of what it was computed from (the pictures, their measures, the near-duplicate
// thresholds, the embeddings): the report reads it instead of comparing all pairs in the server's
// event loop.
import type { Migration } from './migration.js';

export const healthPairwise: Migration = {
  id: '2026-12-07-health-pairwise',
  up: `
    -- facts: JSON { links: [{ a, b, similarity }], neighbours: [{ imageId, ids, distances }] } over
    -- every picture, excluded ones too (quality/health/checks.ts, PairwiseFacts).
    CREATE TABLE health_pairwise (
      dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
      fingerprint TEXT NOT NULL,
      facts TEXT NOT NULL,
      seconds REAL NOT NULL,
      created_at TEXT NOT NULL
    );
  `,
};
