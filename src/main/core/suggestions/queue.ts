// The active-learning queue: which unlabelled images a person should label next.
//
// 'active' follows the budget (selection.ts has the methods and their sources). While labels are few
// (fewer than TYPICAL_LABELS_PER_CLASS per class, or no suggestions yet) the model's doubts are mostly
// noise and uncertainty sampling loses to random order, so it takes typical images of the clusters
// that have the fewest labels (TypiClust); past that, the least confident suggestions spread over the
// collection (Zhdanov 2019). Both are deterministic for the dataset seed. 'random' is a seeded
// shuffle: the honest baseline.
import type { ParsedArgs } from '../../../shared/contract.js';
import type { LabellingProgress, LabellingQueue, QueueImage } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import { fitPca, projectPca } from '../embeddings/pca.js';
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';
import type { Database } from '../platform/store/db.js';
import { PREFILTER, typicalPicks, uncertainDiversePicks, type SelectionPool } from './selection.js';
import { pickBackbone, vectorsOf } from './vectors.js';

/**
 * Labels per class from which the model's uncertainty picks better images than typicality does.
 * Measured (npm run bench:labelling -- --batch 10 --orders active:1,active:3,active:5,typical,random,
 * Fashion-MNIST, 10 classes): switching at 1 per class lost 2-4 points to typical picks at 20-40
 * labels; at 3 and at 5 it gained on them from 60 labels on; 3 was best from 40 to 130 labels.
 */
export const TYPICAL_LABELS_PER_CLASS = 3;
/** Images the selection looks at, at most (a seeded sample of the unlabelled ones past that). */
const SELECTION_SAMPLE = 5000;
/** PCA dimensions of the selection's features (as the suggestion head's). */
const FEATURE_DIMENSIONS = 64;
/** Rows the PCA is fitted on: plenty for 64 directions, and half the time of 2,000 on 1792-d vectors. */
const PCA_ROWS = 1000;

export type ActivePhase = 'typical' | 'uncertain';

interface Candidate {
  id: number;
  path: string;
  hash: string | null;
  holdout: string | null;
  classId: number | null;
  className: string | null;
  confidence: number | null;
}

/** For the bench: `phase` forces one method of 'active', `typicalLabelsPerClass` moves the switch. */
export interface ActiveOptions {
  phase?: ActivePhase;
  typicalLabelsPerClass?: number;
}

export function nextInQueue(db: Database, q: ParsedArgs<'queue/next'>, opts: ActiveOptions = {}): LabellingQueue {
  const dataset = getDataset(db, q.datasetId);
  const count = q.count ?? 20;
  const strategy = q.strategy ?? 'active';
  const skip = new Set(q.skip ?? []);
  const all = db
    .prepare(
      `SELECT i.id, i.path, i.hash, i.holdout, s.class_id AS classId, c.name AS className, s.confidence
       FROM images i LEFT JOIN suggestions s ON s.image_id = i.id LEFT JOIN classes c ON c.id = s.class_id AND c.deleted_at IS NULL
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND i.class_id IS NULL ORDER BY i.path`,
    )
    .all(q.datasetId) as Candidate[];
  const remaining = all.length;
  const candidates = all.filter((c) => !skip.has(c.id));
  let picked: Candidate[];
  let method: LabellingQueue['method'];
  if (strategy === 'random') {
    method = 'random';
    const key = (c: Candidate) => hashString(`queue:${dataset.seed}:${c.path}`);
    picked = [...candidates].sort((a, b) => key(a) - key(b)).slice(0, count);
  } else {
    const labelled = labelledImages(db, q.datasetId);
    const suggested = candidates.filter((c) => c.confidence !== null && c.className !== null);
    const classes = Math.max(2, liveClasses(db, q.datasetId));
    const phase = opts.phase ?? (suggested.length > 0 && labelled.length >= (opts.typicalLabelsPerClass ?? TYPICAL_LABELS_PER_CLASS) * classes ? 'uncertain' : 'typical');
    const backbone = safeBackbone(db, q.datasetId);
    if (phase === 'uncertain' && suggested.length > 0) {
      method = 'uncertainty-diverse';
      picked = backbone ? select(db, backbone, dataset.seed, suggested, labelled, count, 'uncertain') : leastConfident(suggested).slice(0, count);
    } else {
      method = 'diverse-spread';
      picked = backbone ? select(db, backbone, dataset.seed, candidates, labelled, count, 'typical') : [];
    }
    if (picked.length < count) {
      // Images without a vector (or a suggestion) yet: least confident first, then in a seeded order.
      const taken = new Set(picked.map((p) => p.id));
      const rest = candidates.filter((c) => !taken.has(c.id));
      const order = (c: Candidate) => hashString(`fill:${dataset.seed}:${c.path}`);
      rest.sort((a, b) => (a.confidence ?? 2) - (b.confidence ?? 2) || order(a) - order(b));
      picked.push(...rest.slice(0, count - picked.length));
    }
  }
  return { datasetId: q.datasetId, strategy, method, images: picked.map(toQueueImage), remaining, progress: labellingProgress(db, q.datasetId) };
}

function labelledImages(db: Database, datasetId: number): number[] {
  return (
    db.prepare(`SELECT id FROM images WHERE dataset_id = ? AND status = 'ok' AND excluded = 0 AND class_id IS NOT NULL ORDER BY id`).all(datasetId) as { id: number }[]
  ).map((r) => r.id);
}

function liveClasses(db: Database, datasetId: number): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM classes WHERE dataset_id = ? AND deleted_at IS NULL').get(datasetId) as { n: number }).n;
}

function leastConfident(candidates: Candidate[]): Candidate[] {
  return [...candidates].sort((a, b) => a.confidence! - b.confidence! || a.path.localeCompare(b.path));
}

function safeBackbone(db: Database, datasetId: number) {
  try {
    return pickBackbone(db, datasetId);
  } catch {
    return null;
  }
}

function toQueueImage(c: Candidate): QueueImage {
  return {
    imageId: c.id,
    path: c.path,
    hash: c.hash,
    suggested: c.className,
    suggestedClassId: c.className === null ? null : c.classId,
    confidence: c.className === null ? null : c.confidence,
    heldOut: c.holdout === 'val' || c.holdout === 'test' ? c.holdout : null,
  };
}

/**
 * Runs one selection method on the images' features: PCA to FEATURE_DIMENSIONS (fitted on the images
 * looked at, seeded), scaled to unit length. For TypiClust the labelled images take part (it counts
 * them per cluster), on a seeded sample of SELECTION_SAMPLE images of a large collection; Zhdanov's
 * choice looks at its shortlist of the least confident candidates alone.
 */
function select(db: Database, backbone: ReturnType<typeof pickBackbone>, seed: number, candidates: Candidate[], labelled: number[], k: number, phase: ActivePhase): Candidate[] {
  // Only TypiClust looks at labelled images (Zhdanov's choice is among the uncertain candidates alone).
  const counted = phase === 'typical' ? labelled : [];
  const labelledSample = counted.length > SELECTION_SAMPLE / 2 ? shuffleInPlace([...counted], mulberry32(hashString(`labelled:${seed}`))).slice(0, SELECTION_SAMPLE / 2) : counted;
  const budget = SELECTION_SAMPLE - labelledSample.length;
  const sample =
    phase === 'uncertain'
      ? leastConfident(candidates).slice(0, Math.max(k, k * PREFILTER))
      : candidates.length > budget
        ? shuffleInPlace([...candidates], mulberry32(hashString(`sample:${seed}`))).slice(0, budget)
        : candidates;
  const vectors = vectorsOf(db, backbone, [...sample.map((c) => c.id), ...labelledSample]);
  const withVector = sample.filter((c) => vectors.has(c.id));
  const labelledWithVector = labelledSample.filter((id) => vectors.has(id));
  if (withVector.length === 0) return [];
  const raw = [...withVector.map((c) => vectors.get(c.id)!), ...labelledWithVector.map((id) => vectors.get(id)!)];
  const pca = fitPca(raw, FEATURE_DIMENSIONS, seed, PCA_ROWS);
  const pool: SelectionPool = {
    vectors: raw.map((v) => unit(projectPca(pca, v))),
    labelled: raw.map((_, i) => i >= withVector.length),
    pickable: raw.map((_, i) => i < withVector.length),
  };
  const picks =
    phase === 'typical'
      ? typicalPicks(pool, k, seed)
      : uncertainDiversePicks(pool, raw.map((_, i) => (i < withVector.length ? 1 - withVector[i]!.confidence! : 0)), k, seed);
  return picks.map((i) => withVector[i]!);
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return v.map((x) => x * inv);
}

/** "312 of 2,000 labelled · 41 labels/min · suggestions 87% right lately". */
export function labellingProgress(db: Database, datasetId: number): LabellingProgress {
  const dataset = getDataset(db, datasetId);
  const recent = db
    .prepare(
      `SELECT COUNT(*) AS n, MIN(h.created_at) AS first FROM label_history h JOIN images i ON i.id = h.image_id
       WHERE i.dataset_id = ? AND h.source IN ('user', 'suggestion') AND h.created_at >= ?`,
    )
    .get(datasetId, new Date(Date.now() - 10 * 60_000).toISOString()) as { n: number; first: string | null };
  const minutes = recent.first ? Math.max(1, (Date.now() - Date.parse(recent.first)) / 60_000) : 0;
  const outcomes = db
    .prepare(`SELECT suggested_class_id = labelled_class_id AS right FROM suggestion_outcomes WHERE dataset_id = ? ORDER BY id DESC LIMIT 50`)
    .all(datasetId) as { right: number }[];
  return {
    datasetId,
    labelled: dataset.images - dataset.unlabelled,
    total: dataset.images,
    unlabelled: dataset.unlabelled,
    labelsPerMinute: recent.n > 0 ? Math.round((recent.n / minutes) * 10) / 10 : null,
    recentSuggestionAccuracy: outcomes.length > 0 ? outcomes.filter((o) => o.right).length / outcomes.length : null,
    recentSuggestionSample: outcomes.length,
  };
}
