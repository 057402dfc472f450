// The label audit's second opinion from pretrained embeddings (embedding-labels.ts): computed once the
// fold CNNs are done, stored next to their probabilities, and averaged with them in the report. Every
// backbone whose vectors cover all the audited images gives a kNN vote and an out-of-fold head; a
// backbone that misses some image is left out (a partial set would mix two rankings).
//
// Two backbones see different things (MobileNetV2 trained on ImageNet classes, CenterNet on COCO
// objects), and their errors differ: on Fashion-MNIST with 5% flips (npm run bench:audit -- --set
// fashion, three seeded draws), the audit with both had precision@k 0.83 and recall@2k 0.94, with
// mobilenet alone 0.79 and 0.92.
//
// The sources are averaged with fixed weights. Measured on the same draws and not kept, because
// neither moved a figure by more than one flip in 75 on any draw: weighting each source by its own
// out-of-fold accuracy (as cleanlab's get_label_quality_ensemble_scores offers), and scaling each by
// the temperature that minimises its log loss before averaging (Guo et al., "On calibration of
// modern neural networks", ICML 2017). Ranking by the normalized margin instead of self-confidence
// was worse (precision@k 0.67 against 0.79).
import type { Database } from '../platform/store/db.js';
import { writeTransaction } from '../platform/store/db.js';
import { auditClasses, getAudit, loadAuditItems } from './audit-store.js';
import { ensemble, fitHead, knnOpinion } from './embedding-labels.js';
import type { EmbeddingVectors } from './health/checks.js';
import { datasetEmbeddings, embeddingBackbones } from './health/store.js';

/** The CNN's share of the ensemble; the embeddings' kNN votes and heads share the rest equally. */
export const CNN_WEIGHT = 1 / 3;

/** Computes and stores the embedding probabilities of a finished audit; the backbones used ("centernet, mobilenet"), or null when none covers every image. */
export function saveEmbeddingProbabilities(db: Database, auditId: number, sources: EmbeddingVectors[] | null = null): string | null {
  const audit = getAudit(db, auditId);
  const items = loadAuditItems(db, auditId);
  if (items.length === 0) return null;
  const k = auditClasses(db, auditId).length;
  const labels = items.map((it) => it.classIndex);
  const folds = items.map((it) => it.fold);
  const parts: { probs: Float32Array; weight: number }[] = [];
  const used: string[] = [];
  // One backbone's vectors at a time (100,000 pictures × 1,792 floats is 717 MB): loaded, turned into
  // its two opinions, then let go before the next is read.
  const backbones = sources ? sources.map((s) => s.backbone) : embeddingBackbones(db, audit.datasetId);
  for (const [b, backbone] of backbones.entries()) {
    const source = sources ? sources[b]! : datasetEmbeddings(db, audit.datasetId, backbone);
    if (!source || !items.every((it) => source.vectors.has(it.hash))) continue;
    const vectors = items.map((it) => source.vectors.get(it.hash)!);
    parts.push({ probs: knnOpinion(vectors, labels, k).probs, weight: 1 }, { probs: fitHead(vectors, labels, k, folds, audit.settings.seed).probs, weight: 1 });
    used.push(source.backbone);
  }
  if (used.length === 0) return null;
  const probs = ensemble(parts);
  const names = used.join(', ');
  writeTransaction(db, () => {
    const up = db.prepare('UPDATE audit_predictions SET embedding_probabilities = ? WHERE audit_id = ? AND image_id = ?');
    items.forEach((it, i) => up.run(JSON.stringify(Array.from(probs.subarray(i * k, (i + 1) * k), (p) => Math.round(p * 1e6) / 1e6)), auditId, it.imageId));
    db.prepare('UPDATE audits SET embedding_backbone = ? WHERE id = ?').run(names, auditId);
  });
  return names;
}

/** The CNN probabilities, averaged with the embedding ones when every row has them. */
export function combinedProbabilities(cnn: Float64Array, embedding: (number[] | null)[], k: number): Float64Array {
  if (embedding.length === 0 || embedding.some((e) => e === null || e.length !== k)) return cnn;
  const flat = new Float64Array(cnn.length);
  embedding.forEach((e, i) => flat.set(e!, i * k));
  return Float64Array.from(ensemble([{ probs: cnn, weight: CNN_WEIGHT }, { probs: flat, weight: 1 - CNN_WEIGHT }]));
}
