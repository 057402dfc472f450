// Adam in one pass over the weights (flat-adam.ts) against tfjs' AdamOptimizer on the same wasm
// engine: the same weights step after step, state that moves between the two, data-parallel slot
// sums like tf.addN.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf, type TrainerSpec } from '../../../../../src/main/core/platform/engine/index.js';
import { Replica } from '../../../../../src/main/core/platform/engine/replica.js';
import { makeBatch, maxAbsDiff, seedModel } from './fixtures.js';

let tf: Tf;
let start: Pick<TrainerSpec, 'modelJson' | 'initialWeights'>;
const SIZE = 24;
const adam = { name: 'adam' as const, learningRate: 0.002 };

beforeAll(async () => {
  ({ tf } = await loadEngine({ prefer: 'wasm' }));
  start = seedModel(tf, { imageSize: SIZE, channels: 3, numClasses: 3, seed: 11 });
});

const replica = (flat: boolean) => Replica.create(tf, start.modelJson, adam, start.initialWeights, { flatAdam: flat });

function steps(r: Replica, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    const { x, y } = makeBatch(8, SIZE, 3, 3, 500 + i);
    r.trainBatch(x, y, 8);
  }
}

describe('flat Adam on wasm', () => {
  it('gives the weights of tfjs Adam step after step, and the same state', async () => {
    const stock = await replica(false);
    const flat = await replica(true);
    steps(stock, 0, 4);
    steps(flat, 0, 4);
    expect(maxAbsDiff(flat.getWeights(), stock.getWeights())).toBeLessThan(1e-6);
    const [a, b] = [await flat.getOptimizerState(), await stock.getOptimizerState()];
    // Variable names carry a per-model counter; the layout (iter, every m, every v) is what matters.
    const layout = (state: typeof a) => state.map((s) => [s.name.replace(/^.*\//, ''), s.shape]);
    expect(layout(a)).toEqual(layout(b));
    expect(a[0]!.data[0]).toBe(4);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    expect(maxAbsDiff(flat.getWeights(), start.initialWeights!)).toBeGreaterThan(1e-3);
    stock.dispose();
    flat.dispose();
  }, 120_000);

  it('resumes from the stock optimizer\'s state and back (checkpoints stay interchangeable)', async () => {
    const stock = await replica(false);
    steps(stock, 0, 3);
    const flat = await replica(true);
    flat.setWeights(stock.getWeights());
    await flat.setOptimizerState(await stock.getOptimizerState());
    steps(stock, 3, 2);
    steps(flat, 3, 2);
    expect(maxAbsDiff(flat.getWeights(), stock.getWeights())).toBeLessThan(1e-6);
    const again = await replica(false);
    again.setWeights(flat.getWeights());
    await again.setOptimizerState(await flat.getOptimizerState());
    steps(again, 5, 1);
    steps(stock, 5, 1);
    expect(maxAbsDiff(again.getWeights(), stock.getWeights())).toBeLessThan(1e-6);
    for (const r of [stock, flat, again]) r.dispose();
  }, 120_000);

  it('sums data-parallel gradient slots like tf.addN, and is reproducible to the bit', async () => {
    const run = async (flat: boolean) => {
      const r = await replica(flat);
      for (let i = 0; i < 3; i++) {
        const { x, y } = makeBatch(8, SIZE, 3, 3, 900 + i);
        const slots = [0, 4].map((first) => {
          const shard = r.computeGradients(x.subarray(first * SIZE * SIZE * 3), y.subarray(first), 4, 0.5);
          const flatGrads = new Float32Array(r.parameterCount);
          r.writeFlat(shard.grads, flatGrads);
          tf.dispose(shard.grads);
          return flatGrads;
        });
        r.applyFlat(slots);
      }
      const w = r.getWeights();
      r.dispose();
      return w;
    };
    const [flatA, flatB, stock] = [await run(true), await run(true), await run(false)];
    expect(maxAbsDiff(flatA, flatB)).toBe(0);
    expect(maxAbsDiff(flatA, stock)).toBeLessThan(1e-6);
  }, 120_000);
});
