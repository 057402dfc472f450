import { describe, expect, it } from 'vitest';
import { confidentLearning } from '../../../../src/main/core/quality/confident-learning.js';
import { ensemble, headProbabilities, knnProbabilities } from '../../../../src/main/core/quality/embedding-labels.js';
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
