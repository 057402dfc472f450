// Default run names: the dataset, a number and the settings that matter ("demo faces #3 · 64px · 20 ep"),
// unique in the workspace, so two datasets' "run 1" never read the same in Runs, Compare or an export.
import { inputLabel, type Hyperparameters } from '../../../shared/hyperparameters.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';

export function defaultRunName(db: Database, datasetId: number, hp: Hyperparameters): string {
  const dataset = getDataset(db, datasetId);
  const taken = db.prepare('SELECT 1 FROM runs WHERE name = ?');
  // Numbered after the dataset's runs so far; a name already taken (a deleted run's number reused,
  // another dataset of the same name) moves on to the next number.
  let n = (db.prepare('SELECT COUNT(*) AS n FROM runs WHERE dataset_id = ?').get(datasetId) as { n: number }).n + 1;
  for (;;) {
    const name = `${dataset.name} #${n} · ${inputLabel(hp)} · ${hp.epochs} ep`;
    if (!taken.get(name)) return name;
    n++;
  }
}
