// Small deterministic models and batches for the engine tests.
import type { Tf, TrainerSpec, WeightSet } from '../../../../../src/main/core/platform/engine/index.js';
import { buildSeedCnn, type SeedCnnOptions } from '../../../../../src/main/core/training/model.js';

/** Topology and initial weights of a seed CNN, to start several trainers from the same point. */
export function seedModel(tf: Tf, opts: SeedCnnOptions): Pick<TrainerSpec, 'modelJson' | 'initialWeights'> {
  const model = buildSeedCnn(tf, opts);
  const initialWeights: WeightSet = model.weights.map((w) => ({
    name: w.originalName, shape: [...w.read().shape], data: Float32Array.from(w.read().dataSync()),
  }));
  const modelJson = model.toJSON(null, false);
  model.dispose();
  return { modelJson, initialWeights };
}

/** Images whose class shows as a brighter band (so the loss can go down), raw 0..255 values. */
export function makeBatch(n: number, size: number, channels: number, classes: number, seed: number) {
  let s = seed >>> 0 || 1;
  const rand = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const x = new Float32Array(n * size * size * channels);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(rand() * classes);
    y[i] = label;
    for (let r = 0; r < size; r++) {
      const band = Math.floor(r * classes / size) === label;
      for (let c = 0; c < size * channels; c++) {
        x[(i * size + r) * size * channels + c] = Math.min(255, (band ? 160 : 40) + rand() * 90);
      }
    }
  }
  return { x, y };
}

export function maxAbsDiff(a: WeightSet, b: WeightSet): number {
  let worst = 0;
  a.forEach((w, i) => {
    const other = b[i]!.data;
    for (let j = 0; j < w.data.length; j++) worst = Math.max(worst, Math.abs(w.data[j]! - other[j]!));
  });
  return worst;
}
