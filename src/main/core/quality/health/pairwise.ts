// The pairwise half of the health checks (near-duplicate groups, outliers: every picture compared
// with every other, about a second at 10,000 pictures) is computed by the health job and kept per
// dataset (table health_pairwise) with a fingerprint of its inputs. What is kept are facts about
// pairs (checks.ts, PairwiseFacts) over every picture, excluded ones too, so the report derives the
// issues of the pictures in the set now in linear time: excluding or bringing back a picture, a
// relabel or a new outlier threshold needs no new comparison. When the fingerprint no longer
// matches — pictures added or measured again, a near-duplicate threshold changed, new embeddings —
// the job computes the facts again.
import { createHash } from 'node:crypto';
import type { HealthThresholds } from '../../../../shared/health.js';
import { nowIso, type Database } from '../../platform/store/db.js';
import { pairwiseFacts, type PairwiseFacts } from './checks.js';
import { checkedImages, datasetEmbeddings, embeddingsInUse, getThresholds, MEASURES_VERSION } from './store.js';

/** The thresholds the pairwise facts depend on; the others (the outlier ratio too) apply when reporting. */
const PAIRWISE_THRESHOLDS = ['duplicateHashBits', 'duplicateCorrelation', 'duplicateEmbeddingDistance'] as const satisfies readonly (keyof HealthThresholds)[];

/** A digest of everything the pairwise facts are computed from: equal digests, equal facts. Cheap (no pixels, no vectors). */
export function pairwiseFingerprint(db: Database, datasetId: number): string {
  const images = db
    .prepare(
      `SELECT i.id, i.path, i.hash, (h.blur IS NOT NULL AND h.dhash IS NOT NULL AND h.signature IS NOT NULL) AS measured
       FROM images i LEFT JOIN image_health h ON h.hash = i.hash AND h.version = ?
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.hash IS NOT NULL ORDER BY i.path`,
    )
    .raw()
    .all(MEASURES_VERSION, datasetId) as unknown[][];
  const t = getThresholds(db, datasetId);
  const digest = createHash('sha256');
  digest.update(JSON.stringify({ version: MEASURES_VERSION, thresholds: PAIRWISE_THRESHOLDS.map((name) => t[name]), embeddings: embeddingsInUse(db, datasetId) }));
  for (const row of images) digest.update(`\n${row.join('\t')}`);
  return digest.digest('hex');
}

/** Compares every pair of the dataset's pictures as they are now and keeps the facts; how long it took. */
export function computePairwise(db: Database, datasetId: number): { links: number; seconds: number } {
  const started = performance.now();
  const fingerprint = pairwiseFingerprint(db, datasetId);
  const facts = pairwiseFacts(checkedImages(db, datasetId, { excluded: true }), getThresholds(db, datasetId), datasetEmbeddings(db, datasetId));
  const seconds = (performance.now() - started) / 1000;
  db.prepare(
    `INSERT INTO health_pairwise (dataset_id, fingerprint, facts, seconds, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (dataset_id) DO UPDATE SET fingerprint = excluded.fingerprint, facts = excluded.facts, seconds = excluded.seconds, created_at = excluded.created_at`,
  ).run(datasetId, fingerprint, JSON.stringify(facts), seconds, nowIso());
  return { links: facts.links.length, seconds };
}

/** Whether the kept facts are of the dataset as it is now (false when never computed). */
export function pairwiseFresh(db: Database, datasetId: number): boolean {
  const row = db.prepare('SELECT fingerprint FROM health_pairwise WHERE dataset_id = ?').get(datasetId) as { fingerprint: string } | undefined;
  return row?.fingerprint === pairwiseFingerprint(db, datasetId);
}

/** Whether facts were ever computed for the dataset (fresh or not). */
export function hasPairwiseFacts(db: Database, datasetId: number): boolean {
  return db.prepare('SELECT 1 FROM health_pairwise WHERE dataset_id = ?').get(datasetId) !== undefined;
}

/** The kept facts, fresh or not (a report while the job runs again shows the last ones); none when never computed. */
export function storedPairwiseFacts(db: Database, datasetId: number): PairwiseFacts {
  const row = db.prepare('SELECT facts FROM health_pairwise WHERE dataset_id = ?').get(datasetId) as { facts: string } | undefined;
  return row ? (JSON.parse(row.facts) as PairwiseFacts) : { links: [], neighbours: [] };
}
