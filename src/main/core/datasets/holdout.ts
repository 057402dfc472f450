// The held-out rule in the user's words: which unlabelled images are reserved for val / test, and why.
import type { HoldoutRule } from '../../../shared/labelling.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from './queries.js';

export function holdoutRule(db: Database, datasetId: number): HoldoutRule {
  const dataset = getDataset(db, datasetId);
  const rows = db
    .prepare(
      `SELECT holdout, class_id IS NOT NULL AS labelled, COUNT(*) AS n FROM images
       WHERE dataset_id = ? AND status = 'ok' AND excluded = 0 AND holdout IN ('val', 'test') GROUP BY holdout, labelled`,
    )
    .all(datasetId) as { holdout: 'val' | 'test'; labelled: number; n: number }[];
  const reserved = { val: 0, test: 0 };
  const reservedLabelled = { val: 0, test: 0 };
  for (const r of rows) {
    reserved[r.holdout] += r.n;
    if (r.labelled) reservedLabelled[r.holdout] += r.n;
  }
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return {
    datasetId,
    share: { val: dataset.split.val, test: dataset.split.test },
    reserved,
    reservedLabelled,
    seed: dataset.seed,
    explanation:
      `A random ${pct(dataset.split.val)} of the unlabelled images (drawn with seed ${dataset.seed} when they arrived) go to val and ` +
      `${pct(dataset.split.test)} to test once labelled; all others go to train. So the scores on val and test stay fair ` +
      `whatever order you label in: the "To label" queue shows hard images first, and if those filled the test split the test score would look worse than the model is.`,
  };
}
