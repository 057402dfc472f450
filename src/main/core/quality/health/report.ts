// The health of a dataset as the user sees it now: the issues under the current thresholds, minus
// the pictures the user marked as fine, with counts per type and the latest audit's wrong labels.
// The per-picture checks are decided here (linear); the pairwise ones (near-duplicate groups,
// outliers) are read as the health job last computed them (pairwise.ts), never compared here.
import type { HealthIssue, HealthReport } from '../../../../shared/health.js';
import type { Database } from '../../platform/store/db.js';
import { getDataset } from '../../datasets/queries.js';
import { auditReport } from '../report.js';
import { imageIssues, sortIssues, summarize } from './checks.js';
import { storedPairwise } from './pairwise.js';
import { checkedImages, embeddingsInUse, getThresholds, keptDecisions } from './store.js';

export function healthReport(db: Database, datasetId: number): HealthReport {
  getDataset(db, datasetId);
  const images = checkedImages(db, datasetId);
  const thresholds = getThresholds(db, datasetId);
  const kept = keptDecisions(db, datasetId);
  const byId = new Map(images.map((im) => [im.imageId, im]));
  // The pictures' paths and labels as they are now; a picture excluded since is left out.
  const pairwise = (storedPairwise(db, datasetId)?.issues ?? []).flatMap((p): HealthIssue[] => {
    const im = byId.get(p.imageId);
    return im ? [{ ...p, path: im.path, hash: im.hash, label: im.label }] : [];
  });
  const issues = sortIssues([...imageIssues(images, thresholds), ...pairwise]).filter((i) => !kept.get(i.imageId)?.has(i.type));
  return {
    datasetId,
    checked: images.filter((im) => im.measures !== null).length,
    images: images.length,
    embeddings: embeddingsInUse(db, datasetId)?.backbone ?? null,
    thresholds,
    issues,
    summary: summarize(issues),
    likelyWrongLabels: likelyWrongLabels(db, datasetId),
  };
}

function likelyWrongLabels(db: Database, datasetId: number): number | null {
  const row = db.prepare(`SELECT id FROM audits WHERE dataset_id = ? AND status = 'completed' ORDER BY id DESC LIMIT 1`).get(datasetId) as { id: number } | undefined;
  if (!row) return null;
  // The confident suspects only (the plain disagreements among them are weaker evidence).
  return auditReport(db, row.id).suspects.filter((s) => s.rule !== 'disagreement').length;
}
