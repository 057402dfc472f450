// The label audit's second opinion from pretrained embeddings (embedding-labels.ts): computed once the
// fold CNNs are done, stored next to their probabilities, and averaged with them in the report. Only
// when every audited image has an embedding of one backbone: a partial set would mix two rankings.
import type { Database } from '../platform/store/db.js';
import { writeTransaction } from '../platform/store/db.js';
import { auditClasses, getAudit, loadAuditItems } from './audit-store.js';
import { ensemble, headProbabilities, knnProbabilities } from './embedding-labels.js';
import type { EmbeddingVectors } from './health/checks.js';
import { datasetEmbeddings } from './health/store.js';

/** The CNN's share of the ensemble; the kNN vote and the head share the rest equally (thirds each). */
export const CNN_WEIGHT = 1 / 3;

/** Computes and stores the embedding probabilities of a finished audit; the backbone used, or null when embeddings are missing. */
export function saveEmbeddingProbabilities(db: Database, auditId: number, embeddings: EmbeddingVectors | null = null): string | null {
  const audit = getAudit(db, auditId);
  const source = embeddings ?? datasetEmbeddings(db, audit.datasetId);
  if (!source) return null;
  const items = loadAuditItems(db, auditId);
  if (items.length === 0 || items.some((it) => !source.vectors.has(it.hash))) return null;
  const k = auditClasses(db, auditId).length;
  const vectors = items.map((it) => source.vectors.get(it.hash)!);
  const labels = items.map((it) => it.classIndex);
  const probs = ensemble([
    { probs: knnProbabilities(vectors, labels, k), weight: 1 },
    { probs: headProbabilities(vectors, labels, k, items.map((it) => it.fold), audit.settings.seed), weight: 1 },
  ]);
  writeTransaction(db, () => {
    const up = db.prepare('UPDATE audit_predictions SET embedding_probabilities = ? WHERE audit_id = ? AND image_id = ?');
    items.forEach((it, i) => up.run(JSON.stringify(Array.from(probs.subarray(i * k, (i + 1) * k), (p) => Math.round(p * 1e6) / 1e6)), auditId, it.imageId));
    db.prepare('UPDATE audits SET embedding_backbone = ? WHERE id = ?').run(source.backbone, auditId);
  });
  return source.backbone;
}

/** The CNN probabilities, averaged with the embedding ones when every row has them. */
export function combinedProbabilities(cnn: Float64Array, embedding: (number[] | null)[], k: number): Float64Array {
  if (embedding.length === 0 || embedding.some((e) => e === null || e.length !== k)) return cnn;
  const flat = new Float64Array(cnn.length);
  embedding.forEach((e, i) => flat.set(e!, i * k));
  return Float64Array.from(ensemble([{ probs: cnn, weight: CNN_WEIGHT }, { probs: flat, weight: 1 - CNN_WEIGHT }]));
}
