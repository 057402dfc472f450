// The pairwise half of the health checks (near-duplicate groups, outliers: every picture compared
// with every other, about a second at 10,000 pictures) is computed by the health job and kept per
// dataset (table health_pairwise) with a fingerprint of its inputs. The report only reads it; when the
// fingerprint no longer matches — pictures added, excluded or measured again, a pairwise threshold
// changed, new embeddings — the job computes it again.
import { createHash } from 'node:crypto';
import type { HealthIssue, HealthThresholds } from '../../../../shared/health.js';
import { nowIso, type Database } from '../../platform/store/db.js';
import { pairwiseIssues } from './checks.js';
import { checkedImages, datasetEmbeddings, embeddingsInUse, getThresholds, MEASURES_VERSION } from './store.js';

/** A stored pairwise issue; its picture's path, hash and label are read again when reported (a relabel does not change it). */
export type PairwiseIssue = Pick<HealthIssue, 'type' | 'imageId' | 'score' | 'value' | 'group'>;

/** The thresholds the pairwise checks read; the others change nothing here. */
const PAIRWISE_THRESHOLDS = ['duplicateHashBits', 'duplicateCorrelation', 'duplicateEmbeddingDistance', 'outlier'] as const satisfies readonly (keyof HealthThresholds)[];

/** A digest of everything the pairwise checks read: equal digests, equal results. Cheap (no pixels, no vectors). */
export function pairwiseFingerprint(db: Database, datasetId: number): string {
  const images = db
    .prepare(
      `SELECT i.id, i.path, i.hash, (h.blur IS NOT NULL AND h.dhash IS NOT NULL AND h.signature IS NOT NULL) AS measured
       FROM images i LEFT JOIN image_health h ON h.hash = i.hash AND h.version = ?
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND i.hash IS NOT NULL ORDER BY i.path`,
    )
    .raw()
    .all(MEASURES_VERSION, datasetId) as unknown[][];
  const t = getThresholds(db, datasetId);
  const digest = createHash('sha256');
  digest.update(JSON.stringify({ version: MEASURES_VERSION, thresholds: PAIRWISE_THRESHOLDS.map((name) => t[name]), embeddings: embeddingsInUse(db, datasetId) }));
  for (const row of images) digest.update(`\n${row.join('\t')}`);
  return digest.digest('hex');
}

/** Computes the pairwise issues of the dataset as it is now and keeps them; how long it took. */
export function computePairwise(db: Database, datasetId: number): { issues: number; seconds: number } {
  const started = performance.now();
  const fingerprint = pairwiseFingerprint(db, datasetId);
  const issues: PairwiseIssue[] = pairwiseIssues(checkedImages(db, datasetId), getThresholds(db, datasetId), datasetEmbeddings(db, datasetId)).map(
    ({ type, imageId, score, value, group }) => ({ type, imageId, score, value, group }),
  );
  const seconds = (performance.now() - started) / 1000;
  db.prepare(
    `INSERT INTO health_pairwise (dataset_id, fingerprint, issues, seconds, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (dataset_id) DO UPDATE SET fingerprint = excluded.fingerprint, issues = excluded.issues, seconds = excluded.seconds, created_at = excluded.created_at`,
  ).run(datasetId, fingerprint, JSON.stringify(issues), seconds, nowIso());
  return { issues: issues.length, seconds };
}

/** The kept pairwise issues and whether they are of the dataset as it is now; null when never computed. */
export function storedPairwise(db: Database, datasetId: number): { fresh: boolean; issues: PairwiseIssue[] } | null {
  const row = db.prepare('SELECT fingerprint, issues FROM health_pairwise WHERE dataset_id = ?').get(datasetId) as { fingerprint: string; issues: string } | undefined;
  if (!row) return null;
  return { fresh: row.fingerprint === pairwiseFingerprint(db, datasetId), issues: JSON.parse(row.issues) as PairwiseIssue[] };
}
