// The active-learning queue: which unlabelled images a person should label next.
//
// 'active' is uncertainty sampling with diversity, as in Zhdanov 2019 ("Diverse mini-Batch Active
// Learning", arXiv:1901.05954): pre-filter the β·k least confident suggestions (least confidence,
// Lewis & Gale 1994), then pick k of them spread out by k-centre greedy (Sener & Savarese 2018,
// "Active Learning for Convolutional Neural Networks: A Core-Set Approach"), counting already
// labelled images as centres, so a batch is not 50 near copies of one hard case. With no model yet
// (fewer than two classes labelled), k-centre over a sample of the whole collection gives a spread.
// 'random' is a seeded shuffle: the honest baseline.
import type { ParsedArgs } from '../../../shared/contract.js';
import type { LabellingProgress, LabellingQueue, QueueImage } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';
import type { Database } from '../platform/store/db.js';
import { pickBackbone, vectorsOf } from './vectors.js';

/** Candidates per image asked for (β of Zhdanov 2019). */
const PREFILTER = 10;
/** Labelled images used as existing centres (a sample keeps the distances cheap). */
const LABELLED_CENTRES = 300;
/** Unlabelled images sampled for the first diverse spread. */
const SPREAD_SAMPLE = 2000;
/** Vectors are randomly projected to this many dimensions for distances (Johnson–Lindenstrauss). */
const PROJECTED = 128;

interface Candidate {
  id: number;
  path: string;
  hash: string | null;
  holdout: string | null;
  classId: number | null;
  className: string | null;
  confidence: number | null;
}

export function nextInQueue(db: Database, q: ParsedArgs<'queue/next'>): LabellingQueue {
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
    const suggested = candidates.filter((c) => c.confidence !== null && c.className !== null);
    const backbone = safeBackbone(db, q.datasetId);
    if (suggested.length > 0) {
      method = 'uncertainty-diverse';
      // Least confident first; images without a suggestion (no vector yet) come after.
      const pool = [...suggested].sort((a, b) => a.confidence! - b.confidence! || a.path.localeCompare(b.path)).slice(0, Math.max(count * PREFILTER, count));
      picked = backbone ? kCentre(db, backbone, q.datasetId, pool, count, dataset.seed) : pool.slice(0, count);
    } else {
      method = 'diverse-spread';
      const sample = shuffleInPlace([...candidates], mulberry32(hashString(`spread:${dataset.seed}`))).slice(0, SPREAD_SAMPLE);
      picked = backbone ? kCentre(db, backbone, q.datasetId, sample, count, dataset.seed) : sample.slice(0, count);
    }
    if (picked.length < count) {
      const taken = new Set(picked.map((p) => p.id));
      picked.push(...candidates.filter((c) => !taken.has(c.id)).slice(0, count - picked.length));
    }
  }
  return { datasetId: q.datasetId, strategy, method, images: picked.map(toQueueImage), remaining, progress: labellingProgress(db, q.datasetId) };
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
 * k-centre greedy: the first pick is the pool's first (the least confident, or for a spread the
 * sample's first); each next pick is the candidate farthest from every centre so far (labelled
 * images included). Cosine distance on L2-normalised, randomly projected vectors.
 */
function kCentre(db: Database, backbone: ReturnType<typeof pickBackbone>, datasetId: number, pool: Candidate[], k: number, seed: number): Candidate[] {
  const labelledIds = (
    db.prepare(`SELECT id FROM images WHERE dataset_id = ? AND status = 'ok' AND excluded = 0 AND class_id IS NOT NULL ORDER BY id`).all(datasetId) as { id: number }[]
  ).map((r) => r.id);
  const centreIds = shuffleInPlace(labelledIds, mulberry32(hashString(`centres:${seed}`))).slice(0, LABELLED_CENTRES);
  const vectors = vectorsOf(db, backbone, [...pool.map((p) => p.id), ...centreIds]);
  const withVector = pool.filter((p) => vectors.has(p.id));
  if (withVector.length === 0) return pool.slice(0, k);
  const dims = vectors.values().next().value!.length;
  const project = randomProjection(dims, Math.min(PROJECTED, dims), seed);
  const points = withVector.map((p) => project(vectors.get(p.id)!));
  const minDist = new Float64Array(points.length).fill(Infinity);
  const update = (centre: Float32Array) => {
    for (let i = 0; i < points.length; i++) {
      const d = 1 - dot(points[i]!, centre);
      if (d < minDist[i]!) minDist[i] = d;
    }
  };
  for (const id of centreIds) if (vectors.has(id)) update(project(vectors.get(id)!));
  const chosen: number[] = [];
  // Without labelled centres, start from the pool's first candidate (least confident / first sampled).
  let next = centreIds.some((id) => vectors.has(id)) ? argmaxOf(minDist) : 0;
  while (chosen.length < Math.min(k, points.length)) {
    chosen.push(next);
    minDist[next] = -Infinity;
    update(points[next]!);
    next = argmaxOf(minDist);
  }
  return chosen.map((i) => withVector[i]!);
}

function argmaxOf(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A seeded Gaussian random projection to `out` dimensions, then L2 normalisation. */
function randomProjection(dims: number, out: number, seed: number): (v: Float32Array) => Float32Array {
  const random = mulberry32(hashString(`projection:${seed}:${dims}`));
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const matrix = dims === out ? null : Float32Array.from({ length: dims * out }, gauss);
  return (v) => {
    let r: Float32Array;
    if (!matrix) r = Float32Array.from(v);
    else {
      r = new Float32Array(out);
      for (let j = 0; j < dims; j++) {
        const x = v[j]!;
        if (x === 0) continue;
        const off = j * out;
        for (let c = 0; c < out; c++) r[c]! += x * matrix[off + c]!;
      }
    }
    const norm = Math.sqrt(dot(r, r)) || 1;
    for (let c = 0; c < r.length; c++) r[c]! /= norm;
    return r;
  };
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
