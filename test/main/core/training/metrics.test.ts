import { describe, expect, it } from 'vitest';
import { classificationMetrics } from '../../../../src/main/core/training/metrics.js';

describe('classificationMetrics', () => {
  // Four images, three classes. Predictions (argmax): 0, 1, 1, 2; true labels: 0, 0, 1, 2.
  const probs = new Float32Array([0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6]);
  const labels = [0, 0, 1, 2];
  const m = classificationMetrics(probs, labels, ['a', 'b', 'c']);

  it('computes the confusion matrix with rows as true classes and columns as predictions', () => {
    expect(m.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });

  it('computes accuracy and the mean cross-entropy of the true class', () => {
    expect(m.accuracy).toBeCloseTo(3 / 4, 10);
    const expected = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.6)) / 4;
    expect(m.loss).toBeCloseTo(expected, 6);
  });

  it('computes precision, recall and F1 per class as by hand', () => {
    const [a, b, c] = m.perClass;
    // a: tp 1, predicted as a 1, support 2 → P 1, R 0.5, F1 2/3
    expect(a).toMatchObject({ class: 'a', support: 2 });
    expect(a!.precision).toBeCloseTo(1);
    expect(a!.recall).toBeCloseTo(0.5);
    expect(a!.f1).toBeCloseTo(2 / 3);
    // b: tp 1, predicted as b 2, support 1 → P 0.5, R 1, F1 2/3
    expect(b!.precision).toBeCloseTo(0.5);
    expect(b!.recall).toBeCloseTo(1);
    expect(b!.f1).toBeCloseTo(2 / 3);
    expect(c).toMatchObject({ precision: 1, recall: 1, f1: 1, support: 1 });
  });

  it('gives precision 0 (not NaN) to a class that is never predicted', () => {
    const r = classificationMetrics(new Float32Array([0.9, 0.1, 0.8, 0.2]), [0, 1], ['x', 'y']);
    expect(r.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('clips probabilities like Keras so a confident mistake has a finite loss', () => {
    const r = classificationMetrics(new Float32Array([1, 0]), [1], ['x', 'y']);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.loss).toBeCloseTo(-Math.log(1e-7), 3);
  });
});
