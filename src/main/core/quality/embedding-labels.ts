// Out-of-sample class probabilities from pretrained embeddings, for the label audit's ensemble. The
// fold CNNs learn from a few hundred small images; a pretrained backbone has seen millions, so its
// embedding space often separates classes the fold models confuse. Two views of it:
//
// - kNN label disagreement: each image's class probabilities are the distance-weighted vote of its
//   k nearest other images (leave-one-out, so the image's own label never votes; k chosen by
//   validation, see knnOpinion). A flipped label sits among neighbours of its true class. (Bahri, Jiang and Gupta, "Deep k-NN for
//   noisy labels", ICML 2020; cleanlab Datalab's label check offers the same kNN estimate.)
// - a head on embeddings: multinomial logistic regression trained on the other folds of the audit's
//   own stratified folds, predicting the held-out fold, the same out-of-sample rule the CNN follows.
//
// Each view's one setting (k; the head's L2) is chosen by validation on the audited set itself. On
// Fashion-MNIST with 5% flips (three seeded draws; npm run bench:audit -- --set fashion) that made
// each view alone better at finding the flips — kNN precision@k 0.59 → 0.67, the head's 0.64 → 0.74
// and its log loss 1.36 → 0.90 — while the ensemble below moved by at most two of 75 flips per draw,
// up as often as down (it already averaged the views' errors away).
//
// ensemble() averages these with the CNN's out-of-fold probabilities; confident learning then ranks
// the averaged matrix unchanged (averaged probabilities are still probabilities, and per-class
// thresholds absorb the ensemble's own calibration).
import { mulberry32 } from '../platform/random.js';
import { nearestNeighbours, normalised, searchVectors, type Neighbours } from './knn.js';

/** The neighbourhood sizes tried; the one whose votes predict the given labels best (leave-one-out) is used. */
export const KNN_CANDIDATES = [5, 10, 15, 20, 30, 50] as const;
/** Head input width: wider embeddings are randomly projected to this (keeps the head quick). */
const HEAD_DIMENSIONS = 256;
/** L2 strengths tried for the head, a decade apart (see fitHead). */
export const HEAD_L2_CANDIDATES = [1e-3, 1e-2, 1e-1, 1] as const;

/** Row-major n·k probabilities. */
export type Probabilities = Float32Array;

/** Mean −log p(given label) over the rows: the log loss the choices below are made by. */
export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number, rows?: number[]): number {
  const list = rows ?? Array.from({ length: labels.length }, (_, i) => i);
  let sum = 0;
  for (const i of list) sum -= Math.log(Math.max(1e-12, probs[i * classes + labels[i]!]!));
  return list.length > 0 ? sum / list.length : 0;
}

/**
 * kNN votes with the neighbourhood size chosen by leave-one-out validation: each image's votes come
 * from other images only, so the log loss of its given label under them is a held-out estimate, and
 * the size with the lowest one is kept (choosing k by cross-validation, Hastie, Tibshirani and
 * Friedman, "The Elements of Statistical Learning", 2nd ed., §7.10 and §13.3). Neighbours are found
 * once, for the largest size; a given `k` skips the choice.
 */
export function knnOpinion(vectors: ArrayLike<number>[], labels: ArrayLike<number>, classes: number, k?: number): { probs: Probabilities; k: number } {
  const sizes = k !== undefined ? [k] : KNN_CANDIDATES.filter((c, i) => i === 0 || c < vectors.length);
  const neighbours = nearestNeighbours(searchVectors(vectors), Math.max(...sizes));
  let best: { probs: Probabilities; k: number; loss: number } | null = null;
  for (const size of sizes) {
    const probs = knnVotes(neighbours, labels, classes, size);
    const loss = sizes.length > 1 ? logLoss(probs, labels, classes) : 0;
    if (!best || loss < best.loss) best = { probs, k: size, loss };
  }
  return { probs: best!.probs, k: best!.k };
}

export function knnProbabilities(vectors: ArrayLike<number>[], labels: ArrayLike<number>, classes: number, k?: number): Probabilities {
  return knnOpinion(vectors, labels, classes, k).probs;
}

/** Each row's probabilities: the distance-weighted vote of its `k` nearest other rows. */
function knnVotes({ indices, distances }: Neighbours, labels: ArrayLike<number>, classes: number, k: number): Probabilities {
  const n = indices.length;
  const out = new Float32Array(n * classes);
  // A small prior keeps an image with few neighbours from certainty.
  const prior = 0.1;
  for (let i = 0; i < n; i++) {
    let total = prior * classes;
    for (let j = 0; j < classes; j++) out[i * classes + j] = prior;
    const idx = indices[i]!;
    for (let r = 0; r < Math.min(k, idx.length); r++) {
      const nb = idx[r]!;
      if (nb < 0) continue;
      // Cosine distance in [0, 2]: closer neighbours count more.
      const w = 1 / (1e-3 + distances[i]![r]!);
      out[i * classes + labels[nb]!]! += w;
      total += w;
    }
    for (let j = 0; j < classes; j++) out[i * classes + j]! /= total;
  }
  return out;
}

/** Softmax regression on the rows of `train`, predicting the rows of `held`. Adam, L2, full batch. */
function fitPredict(x: Float32Array[], labels: ArrayLike<number>, classes: number, train: number[], held: number[], seed: number, l2: number): Float32Array {
  const d = x[0]!.length;
  const w = new Float32Array(classes * d);
  const b = new Float32Array(classes);
  const m = new Float32Array(w.length + b.length);
  const v = new Float32Array(w.length + b.length);
  const rand = mulberry32(seed);
  for (let i = 0; i < w.length; i++) w[i] = (rand() - 0.5) * 0.01;
  const lr = 0.05;
  const logits = new Float32Array(classes);
  const grad = new Float32Array(w.length + b.length);
  const softmaxRow = (row: Float32Array) => {
    for (let j = 0; j < classes; j++) {
      let s = b[j]!;
      const off = j * d;
      for (let t = 0; t < d; t++) s += w[off + t]! * row[t]!;
      logits[j] = s;
    }
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[j]!);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += logits[j] = Math.exp(logits[j]! - max);
    for (let j = 0; j < classes; j++) logits[j]! /= sum;
  };
  for (let step = 1; step <= 120; step++) {
    grad.fill(0);
    for (const i of train) {
      softmaxRow(x[i]!);
      for (let j = 0; j < classes; j++) {
        const g = logits[j]! - (labels[i] === j ? 1 : 0);
        const off = j * d;
        for (let t = 0; t < d; t++) grad[off + t]! += g * x[i]![t]!;
        grad[w.length + j]! += g;
      }
    }
    for (let p = 0; p < grad.length; p++) {
      const g = grad[p]! / train.length + (p < w.length ? l2 * w[p]! : 0);
      m[p] = 0.9 * m[p]! + 0.1 * g;
      v[p] = 0.999 * v[p]! + 0.001 * g * g;
      const update = (lr * (m[p]! / (1 - 0.9 ** step))) / (Math.sqrt(v[p]! / (1 - 0.999 ** step)) + 1e-8);
      if (p < w.length) w[p]! -= update;
      else b[p - w.length]! -= update;
    }
  }
  const out = new Float32Array(held.length * classes);
  held.forEach((i, r) => {
    softmaxRow(x[i]!);
    out.set(logits, r * classes);
  });
  return out;
}

/**
 * Out-of-fold probabilities of a linear head on the embeddings, with the audit's folds, and the L2
 * strength it used. Unless `l2` is given, the strength is chosen by validation: each candidate is
 * trained on the other folds and scored by the log loss on the first fold's held-out images; the
 * best one's predictions for that fold are kept and the remaining folds are trained with it. (With
 * 1,200 images and 256 inputs the head overfits at the weakest strength: on Fashion-MNIST with 5%
 * flips, 1e-3 gave held-out accuracy 0.68 and log loss 1.41, 1e-2 to 1e-1 gave 0.73–0.76 and 0.89–0.94.)
 */
export function fitHead(vectors: ArrayLike<number>[], labels: ArrayLike<number>, classes: number, folds: ArrayLike<number>, seed = 42, l2?: number): { probs: Probabilities; l2: number } {
  const n = vectors.length;
  const x = vectors[0] && vectors[0].length > HEAD_DIMENSIONS ? projectTo(vectors, HEAD_DIMENSIONS, seed) : vectors.map(normalised);
  standardise(x);
  const out = new Float32Array(n * classes);
  const foldCount = Math.max(...Array.from(folds)) + 1;
  const split = (f: number) => {
    const train: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < n; i++) (folds[i] === f ? held : train).push(i);
    return { train, held };
  };
  const keep = (held: number[], p: Float32Array) => held.forEach((i, r) => out.set(p.subarray(r * classes, (r + 1) * classes), i * classes));
  let chosen = l2 ?? HEAD_L2_CANDIDATES[0];
  let first = 0;
  if (l2 === undefined) {
    const { train, held } = split(0);
    if (train.length > 0 && held.length > 0) {
      let bestLoss = Infinity;
      for (const candidate of HEAD_L2_CANDIDATES) {
        const p = fitPredict(x, labels, classes, train, held, seed, candidate);
        const loss = logLoss(p, held.map((i) => labels[i]!), classes);
        if (loss < bestLoss) {
          bestLoss = loss;
          chosen = candidate;
          keep(held, p);
        }
      }
      first = 1;
    }
  }
  for (let f = first; f < foldCount; f++) {
    const { train, held } = split(f);
    if (held.length === 0 || train.length === 0) continue;
    keep(held, fitPredict(x, labels, classes, train, held, seed + f, chosen));
  }
  return { probs: out, l2: chosen };
}

export function headProbabilities(vectors: ArrayLike<number>[], labels: ArrayLike<number>, classes: number, folds: ArrayLike<number>, seed = 42, l2?: number): Probabilities {
  return fitHead(vectors, labels, classes, folds, seed, l2).probs;
}

function projectTo(vectors: ArrayLike<number>[], dims: number, seed: number): Float32Array[] {
  const inDims = vectors[0]!.length;
  const rand = mulberry32(seed ^ 0x5eed);
  const matrix = new Float32Array(dims * inDims);
  for (let i = 0; i < matrix.length; i++) matrix[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return vectors.map((raw) => {
    const v = normalised(raw);
    const out = new Float32Array(dims);
    for (let p = 0; p < dims; p++) {
      let s = 0;
      for (let i = 0; i < inDims; i++) s += matrix[p * inDims + i]! * v[i]!;
      out[p] = s;
    }
    return out;
  });
}

/** Zero mean, unit variance per dimension (in place): the head's learning rate then fits any backbone. */
function standardise(x: Float32Array[]): void {
  const d = x[0]?.length ?? 0;
  for (let t = 0; t < d; t++) {
    let s = 0;
    let ss = 0;
    for (const row of x) {
      s += row[t]!;
      ss += row[t]! * row[t]!;
    }
    const mean = s / x.length;
    const sd = Math.sqrt(Math.max(ss / x.length - mean * mean, 1e-12));
    for (const row of x) row[t] = (row[t]! - mean) / sd;
  }
}

/** The weighted mean of several n·k probability matrices (weights normalised). */
export function ensemble(parts: { probs: ArrayLike<number>; weight: number }[]): Probabilities {
  const total = parts.reduce((a, p) => a + p.weight, 0);
  const out = new Float32Array(parts[0]!.probs.length);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i]! += (p.weight / total) * p.probs[i]!;
  return out;
}
