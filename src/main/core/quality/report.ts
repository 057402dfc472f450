// An audit as the user sees it now: suspects ranked by confident learning over the stored
// out-of-sample probabilities, minus what has been dealt with since (labels fixed, labels kept as
// right, leaking images moved or dropped).
import type { SplitName } from '../../../shared/domain.js';
import type { AuditImageRef, AuditReport, ConflictingDuplicate, Leak, Suspect } from '../../../shared/quality.js';
import type { Database } from '../platform/store/db.js';
import { argmax } from '../training/metrics.js';
import { auditClasses, auditFindings, getAudit } from './audit-store.js';
import { confidentLearning } from './confident-learning.js';
import { combinedProbabilities } from './audit-embeddings.js';
import { auditReliability } from './reliability.js';

interface ImageNow {
  id: number;
  path: string;
  hash: string;
  split: SplitName | null;
  class_id: number | null;
  class_name: string | null;
  usable: number;
  kept: number;
}

/** The images of an audit as they are now; `kept`: a "label is right" decision that still holds. */
function imagesNow(db: Database, auditId: number): Map<number, ImageNow> {
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.hash, i.split, i.class_id, c.name AS class_name,
              (i.status = 'ok' AND i.excluded = 0) AS usable,
              EXISTS (SELECT 1 FROM audit_decisions d WHERE d.image_id = i.id AND d.decision = 'keep' AND d.class_id = i.class_id
                        AND d.history_id IS (SELECT MAX(h.id) FROM label_history h WHERE h.image_id = i.id)) AS kept
       FROM audit_predictions p JOIN images i ON i.id = p.image_id LEFT JOIN classes c ON c.id = i.class_id
       WHERE p.audit_id = ?`,
    )
    .all(auditId) as ImageNow[];
  return new Map(rows.map((r) => [r.id, r]));
}

export function auditReport(db: Database, auditId: number, limit = 10_000): AuditReport {
  const audit = getAudit(db, auditId);
  const classes = auditClasses(db, auditId);
  const k = classes.length;
  const rows = db
    .prepare('SELECT image_id, class_index, class_id, probabilities, embedding_probabilities FROM audit_predictions WHERE audit_id = ? AND probabilities IS NOT NULL ORDER BY image_id')
    .all(auditId) as { image_id: number; class_index: number; class_id: number; probabilities: string; embedding_probabilities: string | null }[];
  const cnn = new Float64Array(rows.length * k);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    cnn.set(JSON.parse(r.probabilities) as number[], i * k);
    labels[i] = r.class_index;
  });
  // With pretrained embeddings, the fold CNNs' probabilities are averaged with the embeddings' kNN
  // vote and out-of-fold head (audit-embeddings.ts); confident learning ranks the average.
  const probs = combinedProbabilities(cnn, rows.map((r) => (r.embedding_probabilities ? (JSON.parse(r.embedding_probabilities) as number[]) : null)), k);
  let correct = 0;
  for (let i = 0; i < rows.length; i++) if (argmax(Array.from(probs.subarray(i * k, (i + 1) * k)), 0, k) === labels[i]) correct++;

  const now = imagesNow(db, auditId);
  const suspects: Suspect[] = [];
  const resolved = { relabelled: 0, kept: 0 };
  let joint: number[][] | null = null;
  let calibrated: number[][] = [];
  let thresholds: number[] = [];
  // Only a finished audit has an out-of-sample probability for every image; thresholds need them all.
  if (audit.status === 'completed' && rows.length > 0) {
    const cl = confidentLearning({ probs, labels, classes: k }, audit.settings.ranking, { disagreements: audit.settings.disagreements });
    joint = cl.joint;
    calibrated = cl.calibrated.map((r) => r.map((v) => Math.round(v * 100) / 100));
    thresholds = cl.thresholds;
    for (const issue of cl.issues) {
      const row = rows[issue.index]!;
      const image = now.get(row.image_id);
      if (!image || !image.usable) continue;
      if (image.class_id !== row.class_id) {
        resolved.relabelled++;
        continue;
      }
      if (image.kept) {
        resolved.kept++;
        continue;
      }
      if (suspects.length >= limit) continue;
      const p = probs.subarray(issue.index * k, (issue.index + 1) * k);
      suspects.push({
        imageId: image.id,
        path: image.path,
        hash: image.hash,
        split: image.split,
        label: classes[issue.label]!.name,
        labelClassId: classes[issue.label]!.id,
        suggested: classes[issue.suggested]!.name,
        suggestedClassId: classes[issue.suggested]!.id,
        score: issue.score,
        selfConfidence: issue.selfConfidence,
        margin: issue.margin,
        suggestedConfidence: issue.suggestedConfidence,
        rule: issue.rule,
        probabilities: Object.fromEntries(classes.map((c, j) => [c.name, p[j]!])),
      });
    }
  }

  const findings = auditFindings(db, auditId);
  const refNow = (r: AuditImageRef): AuditImageRef | null => {
    const image = now.get(r.imageId);
    return image && image.usable ? { imageId: image.id, path: image.path, hash: image.hash, label: image.class_name, split: image.split } : null;
  };
  const duplicates: ConflictingDuplicate[] = [];
  for (const d of findings?.duplicates ?? []) {
    const images = d.images.map(refNow).filter((r): r is AuditImageRef => r !== null);
    const labelsNow = [...new Set(images.map((r) => r.label ?? '(unlabelled)'))].sort();
    if (images.length > 1 && labelsNow.length > 1) duplicates.push({ hash: d.hash, labels: labelsNow, images });
  }
  const leaks: Leak[] = [];
  for (const l of findings?.leaks ?? []) {
    const a = refNow(l.a);
    const b = refNow(l.b);
    if (a && b && a.split !== b.split) leaks.push({ ...l, a, b });
  }

  const accuracy = rows.length > 0 ? correct / rows.length : null;
  const perClass = classes.map((c) => ({ class: c.name, images: 0 }));
  for (const label of labels) perClass[label]!.images++;

  return {
    auditId,
    datasetId: audit.datasetId,
    status: audit.status,
    error: audit.error,
    settings: audit.settings,
    backend: audit.backend,
    seconds: audit.seconds,
    images: audit.images,
    predicted: rows.length,
    folds: audit.settings.folds,
    accuracy,
    suspects,
    resolved,
    duplicates,
    leaks,
    imbalance: findings?.imbalance ?? null,
    confidentJoint: joint ? { classes: classes.map((c) => c.name), joint, calibrated, thresholds } : null,
    reliability: audit.status === 'completed' && rows.length > 0 ? auditReliability({ classCounts: perClass, accuracy }) : null,
    createdAt: audit.createdAt,
    finishedAt: audit.finishedAt,
  };
}
