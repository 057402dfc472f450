// The health of a dataset as the user sees it now: the issues under the current thresholds, minus
// the pictures the user marked as fine, with counts per type and the latest audit's wrong labels.
// The per-picture checks are decided here (linear); the pairwise ones (near-duplicate groups,
// outliers) follow from the pairs the health job compared (pairwise.ts), never compared here.
import type { HealthReport } from '../../../../shared/health.js';
import type { Database } from '../../platform/store/db.js';
import { getDataset } from '../../datasets/queries.js';
import { auditReport } from '../report.js';
import { imageIssues, pairwiseIssuesFrom, sortIssues, summarize } from './checks.js';
import { storedPairwiseFacts } from './pairwise.js';
import { checkedImages, embeddingsInUse, getThresholds, keptDecisions } from './store.js';

export function healthReport(db: Database, datasetId: number): HealthReport {
  getDataset(db, datasetId);
  const images = checkedImages(db, datasetId);
  const thresholds = getThresholds(db, datasetId);
  const kept = keptDecisions(db, datasetId);
  // Pairs compared by the health job, over every picture: the issues of those in the set now.
  const facts = storedPairwiseFacts(db, datasetId);
  const issues = sortIssues([...imageIssues(images, thresholds), ...pairwiseIssuesFrom(images, thresholds, facts)]).filter((i) => !kept.get(i.imageId)?.has(i.type));
  return {
    datasetId,
    checked: images.filter((im) => im.measures !== null).length,
    images: images.length,
    embeddings: embeddingsInUse(db, datasetId)?.backbone ?? null,
    thresholds,
    issues,
    summary: summarize(issues),
    likelyWrongLabels: likelyWrongLabels(db, datasetId),
    // Known only to the service that runs the health job (health-checks.ts), which fills it in.
    measuring: null,
  };
}

function likelyWrongLabels(db: Database, datasetId: number): number | null {
  const row = db.prepare(`SELECT id FROM audits WHERE dataset_id = ? AND status = 'completed' ORDER BY id DESC LIMIT 1`).get(datasetId) as { id: number } | undefined;
  if (!row) return null;
  // The confident suspects only (the plain disagreements among them are weaker evidence).
  return auditReport(db, row.id).suspects.filter((s) => s.rule !== 'disagreement').length;
}
