// Refreshing a dataset's suggestions: the quick head learns from every labelled image's embedding
// (PCA-reduced, standardised), is calibrated on out-of-fold predictions, and stores a class and a
// confidence for every unlabelled image. Suggestions are never labels: they live in their own table.
import type { BackboneName, SuggestionsProgress, SuggestionsSummary } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import { fitPca, projectPca } from '../embeddings/pca.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { argmax, standardiser, trainCalibrated } from './head.js';
import { datasetVectors, pickBackbone } from './vectors.js';

/** PCA dimensions of the head's features: enough for 10+ classes, small enough to train in seconds. */
export const HEAD_DIMENSIONS = 64;

export interface RefreshOptions {
  backbone?: BackboneName;
  signal?: AbortSignal;
  onProgress?: (p: SuggestionsProgress) => void;
  seed?: number;
}

export interface LabelledVectors {
  x: Float32Array[];
  y: number[];
  classIds: number[];
  unlabelled: { imageId: number; x: Float32Array }[];
}

/** Features of every image with a vector, split into labelled (with class index) and unlabelled. */
export function labelledFeatures(db: Database, datasetId: number, backbone: BackboneName, seed = 42): LabelledVectors {
  const vectors = datasetVectors(db, datasetId, backbone);
  const labels = new Map(
    (
      db
        .prepare(
          `SELECT i.id, i.class_id FROM images i LEFT JOIN classes c ON c.id = i.class_id
           WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND (i.class_id IS NULL OR c.deleted_at IS NULL)`,
        )
        .all(datasetId) as { id: number; class_id: number | null }[]
    ).map((r) => [r.id, r.class_id]),
  );
  const usable = vectors.filter((v) => labels.has(v.imageId));
  const pca = usable.length > 0 ? fitPca(usable.map((v) => v.vector), HEAD_DIMENSIONS, seed) : null;
  const classIds = [...new Set([...labels.values()].filter((c): c is number => c !== null))].sort((a, b) => a - b);
  const index = new Map(classIds.map((c, i) => [c, i]));
  const out: LabelledVectors = { x: [], y: [], classIds, unlabelled: [] };
  for (const v of usable) {
    const f = projectPca(pca!, v.vector);
    const c = labels.get(v.imageId);
    if (c === null || c === undefined) out.unlabelled.push({ imageId: v.imageId, x: f });
    else {
      out.x.push(f);
      out.y.push(index.get(c)!);
    }
  }
  return out;
}

export function refreshSuggestions(db: Database, datasetId: number, opts: RefreshOptions = {}): SuggestionsSummary {
  const started = performance.now();
  getDataset(db, datasetId);
  const emit = opts.onProgress ?? (() => {});
  const backbone = pickBackbone(db, datasetId, opts.backbone);
  emit({ datasetId, phase: 'loading', done: 0, total: 1 });
  const data = labelledFeatures(db, datasetId, backbone, opts.seed);
  const lastHistory = (db.prepare('SELECT COALESCE(MAX(h.id), 0) AS id FROM label_history h JOIN images i ON i.id = h.image_id WHERE i.dataset_id = ?').get(datasetId) as { id: number }).id;
  const base = { datasetId, backbone, labelled: data.x.length, classes: new Set(data.y).size };
  const finish = (summary: SuggestionsSummary): SuggestionsSummary => {
    writeTransaction(db, () => {
      if (summary.status !== 'cancelled') {
        db.prepare(
          `INSERT INTO suggestion_refreshes (dataset_id, backbone, summary, last_history_id, refreshed_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (dataset_id) DO UPDATE SET backbone = excluded.backbone, summary = excluded.summary, last_history_id = excluded.last_history_id, refreshed_at = excluded.refreshed_at`,
        ).run(datasetId, backbone, JSON.stringify(summary), lastHistory, nowIso());
      }
    });
    emit({ datasetId, phase: 'done', done: 1, total: 1 });
    return summary;
  };
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  if (base.classes < 2) {
    writeTransaction(db, () => db.prepare('DELETE FROM suggestions WHERE dataset_id = ?').run(datasetId));
    return finish({
      ...base,
      suggested: 0,
      validationAccuracy: null,
      calibrationImages: 0,
      temperature: 1,
      seconds: seconds(),
      status: 'skipped',
      note: 'Label images of at least two classes first: suggestions need examples of each class to compare.',
    });
  }
  emit({ datasetId, phase: 'training', done: 0, total: 1 });
  const scale = standardiser(data.x);
  const allClasses = (db.prepare('SELECT COUNT(*) AS n FROM classes WHERE dataset_id = ? AND deleted_at IS NULL').get(datasetId) as { n: number }).n;
  const model = trainCalibrated(data.x.map(scale), data.y, data.classIds.length, { seed: opts.seed ?? 42, signal: opts.signal, allClasses });
  if (opts.signal?.aborted) {
    return finish({ ...base, suggested: 0, validationAccuracy: null, calibrationImages: 0, temperature: 1, seconds: seconds(), status: 'cancelled' });
  }
  emit({ datasetId, phase: 'predicting', done: 0, total: data.unlabelled.length });
  const rows = data.unlabelled.map((u) => {
    const p = model.predict(scale(u.x));
    const c = argmax(p);
    return { imageId: u.imageId, classId: data.classIds[c]!, confidence: p[c]! };
  });
  writeTransaction(db, () => {
    db.prepare('DELETE FROM suggestions WHERE dataset_id = ?').run(datasetId);
    const insert = db.prepare('INSERT INTO suggestions (image_id, dataset_id, class_id, confidence) VALUES (?, ?, ?, ?)');
    for (const r of rows) insert.run(r.imageId, datasetId, r.classId, r.confidence);
  });
  return finish({
    ...base,
    suggested: rows.length,
    validationAccuracy: model.validationAccuracy,
    calibrationImages: model.calibrationImages,
    temperature: Math.round(model.temperature * 1000) / 1000,
    seconds: seconds(),
    status: 'completed',
  });
}
