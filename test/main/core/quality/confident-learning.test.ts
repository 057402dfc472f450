// Confident learning on hand-made probability matrices: thresholds, the confident joint, suspects
// and both rankings (Northcutt et al., JAIR 2021).
import { describe, expect, it } from 'vitest';
import { confidentClass, confidentLearning, normalizedMargin, perClassThresholds } from '../../../../src/main/core/quality/confident-learning.js';

// Three classes. Rows 0-2 labelled 0, rows 3-5 labelled 1, rows 6-8 labelled 2.
// Row 2 is labelled 0 but looks like 1; row 7 is labelled 2 but looks like 0 (less sure).
const probs = [
  0.9, 0.05, 0.05,
  0.8, 0.1, 0.1,
  0.1, 0.85, 0.05, // labelled 0, confidently 1
  0.05, 0.85, 0.1,
  0.05, 0.9, 0.05,
  0.2, 0.7, 0.1,
  0.1, 0.1, 0.8,
  0.65, 0.05, 0.3, // labelled 2, confidently 0
  0.05, 0.05, 0.9,
];
const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
const m = { probs, labels, classes: 3 };

describe('confident learning', () => {
  it('sets each class threshold to the mean self-confidence of the images labelled with it', () => {
    const t = perClassThresholds(m);
    expect(t[0]).toBeCloseTo((0.9 + 0.8 + 0.1) / 3, 10);
    expect(t[1]).toBeCloseTo((0.85 + 0.9 + 0.7) / 3, 10);
    expect(t[2]).toBeCloseTo((0.8 + 0.3 + 0.9) / 3, 10);
  });

  it('gives a class nobody carries an unreachable threshold', () => {
    expect(perClassThresholds({ probs: [0.5, 0.5, 0.4, 0.6], labels: [0, 0], classes: 2 })[1]).toBe(Infinity);
  });

  it('counts each image once in the confident joint, for the most probable class above its threshold', () => {
    const { joint } = confidentLearning(m);
    expect(joint).toEqual([
      [2, 1, 0],
      [0, 2, 0], // row 5 (0.7 < t_1 ≈ 0.82) passes no threshold and is not counted
      [1, 0, 2],
    ]);
  });

  it('picks the argmax among the classes that pass, not the overall argmax', () => {
    // p = [0.5, 0.45, 0.05]; thresholds [0.9, 0.4, 0.01]: class 0 fails its threshold, 1 and 2 pass, 1 is larger.
    expect(confidentClass({ probs: [0.5, 0.45, 0.05], labels: [0], classes: 3 }, 0, [0.9, 0.4, 0.01])).toBe(1);
    expect(confidentClass({ probs: [0.5, 0.45, 0.05], labels: [0], classes: 3 }, 0, [0.9, 0.9, 0.9])).toBe(-1);
  });

  it('reports the off-diagonal images as suspects with the confident class as the suggestion', () => {
    const { issues } = confidentLearning(m);
    expect(issues.map((i) => [i.index, i.label, i.suggested])).toEqual([
      [2, 0, 1],
      [7, 2, 0],
    ]);
  });

  it('ranks by self-confidence, lowest first, or by the normalized margin', () => {
    const bySelf = confidentLearning(m, 'self-confidence').issues;
    expect(bySelf.map((i) => i.score)).toEqual([0.1, 0.3]);
    const byMargin = confidentLearning(m, 'normalized-margin').issues;
    expect(byMargin[0]!.index).toBe(2);
    expect(byMargin[0]!.score).toBeCloseTo(0.1 - 0.85, 10);
    expect(byMargin[1]!.score).toBeCloseTo(0.3 - 0.65, 10);
    expect(normalizedMargin(m, 7, 2)).toBeCloseTo(-0.35, 10);
  });

  it('calibrates the joint to the label counts and prunes by noise rate the images it undercounts', () => {
    // Labelled 0: four right, two confidently 1, two that are 1 by argmax but under t_1 = 0.95.
    // Labelled 1: four right. Row 0 of C is [4, 2] over 8 images: n·Q̂[0][1] = 2 · 8 / 6 ≈ 2.67 → 3.
    const q = {
      probs: [0.99, 0.01, 0.99, 0.01, 0.99, 0.01, 0.99, 0.01, 0.04, 0.96, 0.04, 0.96, 0.3, 0.7, 0.3, 0.7, 0.05, 0.95, 0.05, 0.95, 0.05, 0.95, 0.05, 0.95],
      labels: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
      classes: 2,
    };
    const r = confidentLearning(q);
    expect(r.joint[0]).toEqual([4, 2]);
    expect(r.calibrated[0]![1]).toBeCloseTo(8 / 3, 10);
    expect(r.issues.map((i) => [i.index, i.suggested, i.rule])).toEqual([
      [4, 1, 'confident-joint'],
      [5, 1, 'confident-joint'],
      [6, 1, 'noise-rate'],
      // Not picked by any confident-learning rule, but its most probable class is not its label (ties with row 6: by row).
      [7, 1, 'disagreement'],
    ]);
    expect(confidentLearning(q, 'self-confidence', { disagreements: false }).issues.map((i) => i.index)).toEqual([4, 5, 6]);
  });

  it('ranks a disagreement with the confident suspects by the same score: the lower self-confidence comes first, whatever the rule', () => {
    const q = {
      probs: [
        ...[0.9, 0.05, 0.05, 0.9, 0.05, 0.05, 0.9, 0.05, 0.05, 0.9, 0.05, 0.05], // labelled 0, right
        ...[0.04, 0.96, 0], // labelled 0, confidently 1 (t_1 = 0.95)
        ...[0.01, 0.5, 0.49], // labelled 0, most probably 1 but under every threshold
        ...[0.3, 0.05, 0.65], // labelled 0, most probably 2 but under t_2 = 0.9, and 0.3 on its label
        ...[0.025, 0.95, 0.025, 0.025, 0.95, 0.025], // labelled 1
        ...[0.05, 0.05, 0.9, 0.05, 0.05, 0.9], // labelled 2
      ],
      labels: [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2],
      classes: 3,
    };
    const r = confidentLearning(q);
    expect(r.issues.map((i) => [i.index, i.suggested, i.rule])).toEqual([
      [5, 1, 'disagreement'],
      [4, 1, 'confident-joint'],
      [6, 2, 'disagreement'],
    ]);
    expect(r.issues.map((i) => i.score)).toEqual([0.01, 0.04, 0.3]);
  });

  it('finds no suspects when every image agrees with its label', () => {
    const clean = confidentLearning({ probs: [0.9, 0.1, 0.8, 0.2, 0.1, 0.9, 0.3, 0.7], labels: [0, 0, 1, 1], classes: 2 });
    expect(clean.issues).toEqual([]);
    expect(clean.joint[0]![1]).toBe(0);
    expect(clean.joint[1]![0]).toBe(0);
  });

  it('refuses a matrix whose size does not match the labels', () => {
    expect(() => confidentLearning({ probs: [0.5, 0.5], labels: [0, 1], classes: 2 })).toThrow(/2×2/);
  });
});
