// The quick model behind suggestions: multinomial logistic regression (softmax, L2 penalty) on
// embedding features, trained full-batch with Adam in plain TypeScript (seconds on a few thousand
// labels), and temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks")
// fitted on held-out predictions, so a confidence of 0.9 is right about 9 times in 10. With few
// held-out predictions that fit says little (bench:labelling measured suggestions shown at ≥ 90%
// right as little as 76% of the time with 20-50 labels of 10 classes, whatever the temperature), so the
// probabilities are then shrunk toward uniform as by Laplace's rule of succession: (m·p + 1) / (m + C)
// for m held-out predictions and C classes, a shrink that fades as labels arrive. C counts the classes
// that have no label yet too: an image of such a class gets a confident wrong suggestion otherwise.
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';

export interface Head {
  classes: number;
  dims: number;
  /** classes × dims, row-major, and one bias per class. */
  weights: Float64Array;
  bias: Float64Array;
}

export interface HeadOptions {
  /** L2 penalty on the weights (features are centred and scaled first). */
  l2?: number;
  epochs?: number;
  learningRate?: number;
}

/** Logits of one feature vector. */
export function logitsOf(head: Head, x: Float32Array): Float64Array {
  const out = new Float64Array(head.classes);
  for (let c = 0; c < head.classes; c++) {
    let s = head.bias[c]!;
    const off = c * head.dims;
    for (let j = 0; j < head.dims; j++) s += head.weights[off + j]! * x[j]!;
    out[c] = s;
  }
  return out;
}

export function softmax(logits: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (const z of logits) max = Math.max(max, z / temperature);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! / temperature - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export function trainHead(x: Float32Array[], y: number[], classes: number, opts: HeadOptions = {}): Head {
  const n = x.length;
  const dims = x[0]?.length ?? 0;
  const l2 = opts.l2 ?? 1e-3;
  const epochs = opts.epochs ?? 200;
  const lr = opts.learningRate ?? 0.05;
  const weights = new Float64Array(classes * dims);
  const bias = new Float64Array(classes);
  const head: Head = { classes, dims, weights, bias };
  // Balanced class weights: a class with few labels still pulls its share.
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c]!++;
  const present = counts.filter((c) => c > 0).length;
  const sampleWeight = y.map((c) => n / (present * counts[c]!));
  const m = { w: new Float64Array(weights.length), b: new Float64Array(classes) };
  const v = { w: new Float64Array(weights.length), b: new Float64Array(classes) };
  const gw = new Float64Array(weights.length);
  const gb = new Float64Array(classes);
  const beta1 = 0.9;
  const beta2 = 0.999;
  for (let t = 1; t <= epochs; t++) {
    gw.fill(0);
    gb.fill(0);
    for (let i = 0; i < n; i++) {
      const p = softmax(logitsOf(head, x[i]!));
      const xi = x[i]!;
      const sw = sampleWeight[i]! / n;
      for (let c = 0; c < classes; c++) {
        const g = (p[c]! - (c === y[i] ? 1 : 0)) * sw;
        if (g === 0) continue;
        gb[c]! += g;
        const off = c * dims;
        for (let j = 0; j < dims; j++) gw[off + j]! += g * xi[j]!;
      }
    }
    for (let k = 0; k < weights.length; k++) gw[k]! += l2 * weights[k]!;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    for (let k = 0; k < weights.length; k++) {
      m.w[k] = beta1 * m.w[k]! + (1 - beta1) * gw[k]!;
      v.w[k] = beta2 * v.w[k]! + (1 - beta2) * gw[k]! ** 2;
      weights[k]! -= (lr * (m.w[k]! / c1)) / (Math.sqrt(v.w[k]! / c2) + 1e-8);
    }
    for (let c = 0; c < classes; c++) {
      m.b[c] = beta1 * m.b[c]! + (1 - beta1) * gb[c]!;
      v.b[c] = beta2 * v.b[c]! + (1 - beta2) * gb[c]! ** 2;
      bias[c]! -= (lr * (m.b[c]! / c1)) / (Math.sqrt(v.b[c]! / c2) + 1e-8);
    }
  }
  return head;
}

/** The temperature minimising the negative log-likelihood of held-out logits (golden-section search on log T). */
export function fitTemperature(logits: Float64Array[], y: number[]): number {
  if (logits.length === 0) return 1;
  const nll = (logT: number) => {
    const t = Math.exp(logT);
    let s = 0;
    logits.forEach((z, i) => (s -= Math.log(Math.max(softmax(z, t)[y[i]!]!, 1e-12))));
    return s;
  };
  let lo = Math.log(0.05);
  let hi = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nll(a);
  let fb = nll(b);
  for (let i = 0; i < 60; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nll(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nll(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * Centres the features and divides them all by ONE scale (their root-mean-square), so the learning
 * rate and penalty suit any backbone. Per-feature standardisation would whiten PCA features: the
 * low-variance directions (mostly noise) would get as loud as the informative ones, and with few
 * labels the head would fit the noise.
 */
export function standardiser(x: Float32Array[]): (v: Float32Array) => Float32Array {
  const d = x[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const v of x) for (let j = 0; j < d; j++) mean[j]! += v[j]! / x.length;
  let ss = 0;
  for (const v of x) for (let j = 0; j < d; j++) ss += (v[j]! - mean[j]!) ** 2;
  const scale = Math.sqrt(ss / Math.max(1, x.length)) || 1;
  return (v) => {
    const out = new Float32Array(d);
    for (let j = 0; j < d; j++) out[j] = (v[j]! - mean[j]!) / scale;
    return out;
  };
}

export interface CalibratedModel {
  head: Head;
  temperature: number;
  /**
   * Weight of the uniform distribution over every class (labelled or not) in each prediction:
   * C / (m + C) for m calibration images; `predict` gives the labelled classes their share.
   */
  shrink: number;
  /** Accuracy of the out-of-fold predictions (null with too few labels to hold any out). */
  validationAccuracy: number | null;
  calibrationImages: number;
  predict(x: Float32Array): Float64Array;
}

/**
 * K-fold (stratified, seeded) out-of-fold logits give every labelled image a prediction from a head
 * that never saw it: the temperature is fitted and the accuracy measured on those, and their count
 * sets the shrink toward uniform; the final head learns from every label.
 */
export function trainCalibrated(
  x: Float32Array[],
  y: number[],
  classes: number,
  opts: HeadOptions & { folds?: number; seed?: number; signal?: AbortSignal; /** Classes of the dataset, with or without labels (≥ classes). */ allClasses?: number } = {},
): CalibratedModel {
  const n = x.length;
  const folds = Math.min(opts.folds ?? 5, Math.max(0, Math.floor(n / 4)));
  const fold = new Array<number>(n).fill(-1);
  if (folds >= 2) {
    const byClass = new Map<number, number[]>();
    y.forEach((c, i) => byClass.set(c, [...(byClass.get(c) ?? []), i]));
    const random = mulberry32(hashString(`folds:${opts.seed ?? 42}`));
    let next = 0;
    for (const idx of byClass.values()) for (const i of shuffleInPlace(idx, random)) fold[i] = next++ % folds;
  }
  const oofLogits: Float64Array[] = [];
  const oofY: number[] = [];
  for (let f = 0; f < folds; f++) {
    if (opts.signal?.aborted) break;
    const trainIdx = [...Array(n).keys()].filter((i) => fold[i] !== f);
    const testIdx = [...Array(n).keys()].filter((i) => fold[i] === f);
    if (testIdx.length === 0 || new Set(trainIdx.map((i) => y[i])).size < 2) continue;
    const h = trainHead(trainIdx.map((i) => x[i]!), trainIdx.map((i) => y[i]!), classes, opts);
    for (const i of testIdx) {
      oofLogits.push(logitsOf(h, x[i]!));
      oofY.push(y[i]!);
    }
  }
  const temperature = oofLogits.length >= 10 ? fitTemperature(oofLogits, oofY) : 1;
  const correct = oofLogits.filter((z, i) => argmax(z) === oofY[i]).length;
  const head = trainHead(x, y, classes, opts);
  const all = Math.max(classes, opts.allClasses ?? classes);
  const shrink = all / (oofLogits.length + all);
  return {
    head,
    temperature,
    shrink,
    validationAccuracy: oofLogits.length > 0 ? correct / oofLogits.length : null,
    calibrationImages: oofLogits.length,
    predict: (v) => softmax(logitsOf(head, v), temperature).map((p) => (1 - shrink) * p + shrink / all),
  };
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
