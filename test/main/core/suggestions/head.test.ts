// The suggestion head's confidence means what it says: of the suggestions shown at about 90%, about
// 90% are right (temperature scaling on out-of-fold predictions), on overlapping synthetic classes.
import { describe, expect, it } from 'vitest';
import { argmax, standardiser, trainCalibrated, trainHead, logitsOf, softmax } from '../../../../src/main/core/suggestions/head.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';

/** k Gaussian blobs in d dimensions whose centres are close enough that many points are ambiguous. */
function blobs(n: number, k: number, d: number, spread: number, seed: number): { x: Float32Array[]; y: number[] } {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: k }, (_, c) => Float32Array.from({ length: d }, (_, j) => (j === c % d ? 1 : 0) + 0.3 * gauss()));
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    x.push(Float32Array.from(centres[c]!, (m) => m + spread * gauss()));
    y.push(c);
  }
  return { x, y };
}

describe('suggestion head', () => {
  it('learns separable classes', () => {
    const { x, y } = blobs(300, 3, 8, 0.1, 1);
    const head = trainHead(x, y, 3);
    const right = x.filter((v, i) => argmax(logitsOf(head, v)) === y[i]).length;
    expect(right / x.length).toBeGreaterThan(0.97);
  });

  it('is calibrated: suggestions at 85-95% confidence are right 85-95% of the time, and ≥ 90% ones at least 88%', () => {
    const seed = 7;
    const train = blobs(600, 4, 16, 1.0, seed);
    // Same centres (same seed); the first 600 points are the training ones, the rest are fresh.
    const fresh = blobs(6600, 4, 16, 1.0, seed);
    const unl = { x: fresh.x.slice(600), y: fresh.y.slice(600) };
    const scale = standardiser(train.x);
    const model = trainCalibrated(train.x.map(scale), train.y, 4, { seed });
    expect(model.calibrationImages).toBe(600);
    const preds = unl.x.map((v, i) => {
      const p = model.predict(scale(v));
      const c = argmax(p);
      return { confidence: p[c]!, right: c === unl.y[i] };
    });
    const band = preds.filter((p) => p.confidence >= 0.85 && p.confidence < 0.95);
    expect(band.length).toBeGreaterThan(200);
    const bandAccuracy = band.filter((p) => p.right).length / band.length;
    expect(bandAccuracy).toBeGreaterThan(0.85);
    expect(bandAccuracy).toBeLessThan(0.95);
    const high = preds.filter((p) => p.confidence >= 0.9);
    expect(high.filter((p) => p.right).length / high.length).toBeGreaterThan(0.88);
    // The overall accuracy is far from 100%: the classes overlap, so calibration is really tested.
    const accuracy = preds.filter((p) => p.right).length / preds.length;
    expect(accuracy).toBeLessThan(0.9);
    expect(Math.abs(accuracy - model.validationAccuracy!)).toBeLessThan(0.05);
  });

  it('with few held-out predictions shrinks confidences toward uniform (rule of succession), less as labels arrive', () => {
    const { x, y } = blobs(6000, 10, 16, 0.05, 3); // ten well separated classes: the head is sure and right
    const few = trainCalibrated(x.slice(0, 30), y.slice(0, 30), 10, { seed: 1 });
    const many = trainCalibrated(x.slice(0, 400), y.slice(0, 400), 10, { seed: 1 });
    expect(few.calibrationImages).toBe(30);
    expect(few.shrink).toBeCloseTo(10 / 40, 10);
    expect(many.shrink).toBeCloseTo(10 / 410, 10);
    const top = (m: typeof few) => Math.max(...x.slice(5000).map((v) => Math.max(...m.predict(v))));
    // (m·p + 1) / (m + C) ≤ 31 / 40 with 30 held out: never "90% sure" on 3 labels per class.
    expect(top(few)).toBeLessThanOrEqual(31 / 40 + 1e-9);
    expect(top(many)).toBeGreaterThan(0.97);
    for (const v of x.slice(5000, 5050)) expect(few.predict(v).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
  });

  it('keeps a share for the classes that have no label yet', () => {
    // Labels of 2 of the 3 classes: the third class's images would get a sure, wrong suggestion.
    const { x, y } = blobs(3000, 3, 8, 0.05, 4);
    const two = [...y.keys()].filter((i) => y[i] !== 2).slice(0, 40);
    const known = trainCalibrated(two.map((i) => x[i]!), two.map((i) => y[i]!), 2, { seed: 1 });
    const told = trainCalibrated(two.map((i) => x[i]!), two.map((i) => y[i]!), 2, { seed: 1, allClasses: 3 });
    expect(told.shrink).toBeCloseTo(3 / 43, 10);
    const third = x.filter((_, i) => y[i] === 2);
    const top = (m: typeof known) => Math.max(...third.map((v) => Math.max(...m.predict(v))));
    expect(top(told)).toBeLessThanOrEqual(41 / 43 + 1e-9);
    expect(top(told)).toBeLessThan(top(known));
    // What is left over is the unlabelled class's share.
    expect(1 - told.predict(third[0]!).reduce((s, p) => s + p, 0)).toBeCloseTo(told.shrink / 3, 9);
  });

  it('softmax with a higher temperature is less confident', () => {
    const z = Float64Array.from([2, 0, -1]);
    expect(softmax(z, 2)[0]!).toBeLessThan(softmax(z, 1)[0]!);
  });
});
