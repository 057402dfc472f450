import { describe, expect, it } from 'vitest';
import { confidentLearning } from '../../../../src/main/core/quality/confident-learning.js';
import { ensemble, fitHead, HEAD_L2_CANDIDATES, headProbabilities, KNN_CANDIDATES, knnOpinion, knnProbabilities, logLoss } from '../../../../src/main/core/quality/embedding-labels.js';
import { stratifiedFolds } from '../../../../src/main/core/quality/folds.js';
import { scoreAtN } from '../../../../src/main/core/quality/measure.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';

// 600 synthetic "embeddings" of 6 classes (noisy clusters in 64 dims), 5% of labels flipped, and
// weak stand-in CNN probabilities (right class favoured, often wrongly).
function world(seed: number) {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const classes = 6;
  const n = 600;
  const dims = 64;
  const centres = Array.from({ length: classes }, () => Array.from({ length: dims }, gauss));
  const truth = Array.from({ length: n }, (_, i) => i % classes);
  const vectors = truth.map((c) => centres[c]!.map((x) => x + 0.9 * gauss()));
  const labels = [...truth];
  const flipped = new Set<number>();
  while (flipped.size < n * 0.05) {
    const i = Math.floor(rand() * n);
    if (flipped.has(i)) continue;
    flipped.add(i);
    labels[i] = (truth[i]! + 1 + Math.floor(rand() * (classes - 1))) % classes;
  }
  const cnn = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const logits = Array.from({ length: classes }, (_, j) => (j === truth[i] ? 1.2 : 0) + 1.1 * gauss());
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((x, j) => (cnn[i * classes + j] = x / s));
  }
  return { classes, n, vectors, labels, truth, flipped, cnn };
}

const recallAt2k = (probs: ArrayLike<number>, w: ReturnType<typeof world>) => {
  const ranked = confidentLearning({ probs, labels: w.labels, classes: w.classes }).issues.map((i) => String(i.index));
  return scoreAtN(ranked, new Set([...w.flipped].map(String)), 2 * w.flipped.size);
};

describe('label errors from embeddings', () => {
  it('kNN votes of the neighbours find flipped labels; an image never votes for itself', () => {
    const w = world(1);
    const knn = knnProbabilities(w.vectors, w.labels, w.classes);
    const score = recallAt2k(knn, w);
    expect(score.recall).toBeGreaterThanOrEqual(0.9);
    // Leave-one-out: a flipped image's own (wrong) label is not what its probabilities favour.
    const favoured = [...w.flipped].filter((i) => {
      const row = Array.from(knn.subarray(i * w.classes, (i + 1) * w.classes));
      return row.indexOf(Math.max(...row)) === w.labels[i];
    });
    expect(favoured.length).toBeLessThan(w.flipped.size * 0.1);
  });

  it('a head trained on the other folds predicts each held-out image (out-of-sample) and finds the flips', () => {
    const w = world(2);
    const folds = stratifiedFolds(w.labels, 5, 42);
    const head = headProbabilities(w.vectors, w.labels, w.classes, folds);
    for (let i = 0; i < w.n; i += 97) expect(Array.from(head.subarray(i * w.classes, (i + 1) * w.classes)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(recallAt2k(head, w).recall).toBeGreaterThanOrEqual(0.9);
  });

  it('the ensemble with embeddings finds more of the flips than weak CNN probabilities alone', () => {
    const w = world(3);
    const folds = stratifiedFolds(w.labels, 5, 42);
    const alone = recallAt2k(w.cnn, w);
    const mixed = recallAt2k(
      ensemble([
        { probs: w.cnn, weight: 1 },
        { probs: knnProbabilities(w.vectors, w.labels, w.classes), weight: 1 },
        { probs: headProbabilities(w.vectors, w.labels, w.classes, folds), weight: 1 },
      ]),
      w,
    );
    expect(alone.recall).toBeLessThan(0.8);
    expect(mixed.recall).toBeGreaterThanOrEqual(0.9);
    expect(mixed.recall).toBeGreaterThan(alone.recall);
  });
});

describe('choices made by validation', () => {
  const gaussian = (rand: () => number) => () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  it('kNN: small neighbourhoods for many tight, far-apart classes; large ones when a third of the labels are noise', () => {
    const rand = mulberry32(11);
    const gauss = gaussian(rand);
    // 20 classes of 6 images, each class a tight cluster: the 5 others of its class are all an image
    // needs, and any further neighbour is of another class.
    const centres = Array.from({ length: 20 }, () => Array.from({ length: 16 }, gauss));
    const tight = centres.flatMap((c) => Array.from({ length: 6 }, () => c.map((x) => x + 0.02 * gauss())));
    const tightLabels = centres.flatMap((_, c) => Array.from({ length: 6 }, () => c));
    expect(knnOpinion(tight, tightLabels, 20).k).toBe(5);

    // 2 broad classes of 200, a third of the labels drawn at random: more voters average the noise out.
    const two = [Array.from({ length: 16 }, gauss), Array.from({ length: 16 }, gauss)];
    const truth = Array.from({ length: 400 }, (_, i) => i % 2);
    const broad = truth.map((c) => two[c]!.map((x) => x + 0.3 * gauss()));
    const noisy = truth.map((c) => (rand() < 1 / 3 ? Math.floor(rand() * 2) : c));
    const chosen = knnOpinion(broad, noisy, 2);
    expect(chosen.k).toBeGreaterThanOrEqual(30);
    // The chosen size is the one whose leave-one-out log loss is lowest.
    const losses = KNN_CANDIDATES.map((k) => logLoss(knnProbabilities(broad, noisy, 2, k), noisy, 2));
    expect(chosen.k).toBe(KNN_CANDIDATES[losses.indexOf(Math.min(...losses))]);
  });

  it('head: the weakest L2 when the classes are cleanly separable; the strongest when the labels are unrelated to the vectors', () => {
    const rand = mulberry32(12);
    const gauss = gaussian(rand);
    const n = 200;
    const folds = stratifiedFolds(Array.from({ length: n }, (_, i) => i % 2), 5, 42);
    const separable = Array.from({ length: n }, (_, i) => Array.from({ length: 8 }, (_, d) => (d === 0 ? (i % 2 ? 3 : -3) : 0) + 0.3 * gauss()));
    const clean = fitHead(separable, Array.from({ length: n }, (_, i) => i % 2), 2, folds);
    expect(clean.l2).toBe(HEAD_L2_CANDIDATES[0]);

    // 64 dimensions of noise for 160 training images: any weak head learns the noise.
    const noise = Array.from({ length: n }, () => Array.from({ length: 64 }, gauss));
    const coin = Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0));
    const random = fitHead(noise, coin, 2, folds);
    expect(random.l2).toBe(HEAD_L2_CANDIDATES[HEAD_L2_CANDIDATES.length - 1]);
    // Still out of sample: every row's probabilities sum to 1, and a given L2 skips the choice.
    expect(fitHead(noise, coin, 2, folds, 42, 0.01).l2).toBe(0.01);
    for (let i = 0; i < n; i += 37) expect(random.probs[i * 2]! + random.probs[i * 2 + 1]!).toBeCloseTo(1, 4);
  });
});

