// The health of a dataset as the user sees it now: the issues under the current thresholds, minus
// the pictures the user marked as fine, with counts per type and the latest audit's wrong labels.
import type { HealthReport } from '../../../../shared/health.js';
import type { Database } from '../../platform/store/db.js';
import { getDataset } from '../../datasets/queries.js';
import { auditReport } from '../report.js';
import { findIssues, summarize, type EmbeddingVectors } from './checks.js';
import { checkedImages, datasetEmbeddings, getThresholds, keptDecisions } from './store.js';

export function healthReport(db: Database, datasetId: number, embeddings: EmbeddingVectors | null = datasetEmbeddings(db, datasetId)): HealthReport {
  getDataset(db, datasetId);
  const images = checkedImages(db, datasetId);
  const thresholds = getThresholds(db, datasetId);
  const kept = keptDecisions(db, datasetId);
  const issues = findIssues(images, thresholds, embeddings).filter((i) => !kept.get(i.imageId)?.has(i.type));
  return {
    datasetId,
    checked: images.filter((im) => im.measures !== null).length,
    images: images.length,
    embeddings: embeddings?.backbone ?? null,
    thresholds,
    issues,
    summary: summarize(issues),
    likelyWrongLabels: likelyWrongLabels(db, datasetId),
  };
}

function likelyWrongLabels(db: Database, datasetId: number): number | null {
  const row = db.prepare(`SELECT id FROM audits WHERE dataset_id = ? AND status = 'completed' ORDER BY id DESC LIMIT 1`).get(datasetId) as { id: number } | undefined;
  if (!row) return null;
  // The confident suspects only (the plain disagreements that follow them are weaker evidence).
  return auditReport(db, row.id).suspects.filter((s) => s.rule !== 'disagreement').length;
}
