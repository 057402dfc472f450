// Data-parallel training on worker threads matches one thread. Needs the built workers
// (npx tsc -p tsconfig.build.json; `npm test` builds before running vitest).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStepTrainer, loadEngine, type StepTrainer, type TrainerSpec } from '../../../../../src/main/core/platform/engine/index.js';
import { builtWorkerPath, replicaWorkerUrl } from '../../../../../src/main/core/platform/engine/worker-url.js';
import { makeBatch, maxAbsDiff, seedModel } from './fixtures.js';

const SIZE = 28;
let start: Pick<TrainerSpec, 'modelJson' | 'initialWeights'>;
const open: StepTrainer[] = [];
beforeAll(async () => {
  const { tf } = await loadEngine({ prefer: 'wasm' });
  start = seedModel(tf, { imageSize: SIZE, channels: 1, numClasses: 4, seed: 5 });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.dispose()));
});

async function trainer(threads: number, optimizer: 'sgd' | 'adam' = 'sgd', extra: Partial<TrainerSpec> = {}) {
  const t = await createStepTrainer({
    ...start, optimizer: { name: optimizer, learningRate: optimizer === 'sgd' ? 0.05 : 1e-3 },
    threads, engine: { prefer: 'wasm' }, ...extra,
  });
  open.push(t);
  return t;
}

describe('data-parallel step trainer', () => {
  it('resolves its worker under dist/ when running from src/, next to itself when built', () => {
    expect(builtWorkerPath('file:///repo/src/main/core/platform/engine/worker-url.ts'))
      .toBe('/repo/dist/main/core/platform/engine/replica-worker.js');
    expect(builtWorkerPath('file:///app/dist/main/core/platform/engine/worker-url.js'))
      .toBe('/app/dist/main/core/platform/engine/replica-worker.js');
    expect(() => replicaWorkerUrl('file:///nowhere/src/engine/worker-url.ts')).toThrow(/build first/);
  });

  it.each(['sgd', 'adam'] as const)('matches single-thread training with %s (odd batch split 7/6)', async (optimizer) => {
    const one = await trainer(1, optimizer);
    const two = await trainer(2, optimizer);
    expect(two.info.threads).toBe(2);
    for (let step = 0; step < 4; step++) {
      const { x, y } = makeBatch(13, SIZE, 1, 4, 200 + step);
      const a = await one.trainBatch(x, y, 13);
      const b = await two.trainBatch(x, y, 13);
      expect(b.loss).toBeCloseTo(a.loss, 5);
      expect(b.accuracy).toBeCloseTo(a.accuracy, 10);
    }
    expect(maxAbsDiff(await two.getWeights(), await one.getWeights())).toBeLessThan(optimizer === 'sgd' ? 1e-5 : 1e-4);
    const probe = makeBatch(5, SIZE, 1, 4, 999).x;
    const p1 = await one.predictBatch(probe, 5);
    const p2 = await two.predictBatch(probe, 5);
    p2.forEach((p, i) => expect(p).toBeCloseTo(p1[i]!, 4));
  }, 60_000);

  it('handles a batch smaller than the number of workers', async () => {
    const one = await trainer(1);
    const three = await trainer(3);
    const { x, y } = makeBatch(2, SIZE, 1, 4, 7);
    const a = await one.trainBatch(x, y, 2);
    const b = await three.trainBatch(x, y, 2);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    expect(maxAbsDiff(await three.getWeights(), await one.getWeights())).toBeLessThan(1e-5);
  }, 60_000);

  it.each([1, 2])('repeats a run to the bit for the same start and %i thread(s) (direct step, conv-pool kernel, SIMD Adam)', async (threads) => {
    const run = async () => {
      const t = await trainer(threads, 'adam');
      for (let step = 0; step < 3; step++) {
        const { x, y } = makeBatch(12, SIZE, 1, 4, 300 + step);
        await t.trainBatch(x, y, 12);
      }
      return { weights: await t.getWeights(), state: await t.getOptimizerState() };
    };
    const [a, b] = [await run(), await run()];
    expect(maxAbsDiff(a.weights, b.weights)).toBe(0);
    expect(maxAbsDiff(a.state, b.state)).toBe(0);
    expect(maxAbsDiff(a.weights, start.initialWeights!)).toBeGreaterThan(1e-4);
  }, 60_000);

  it('moves weights and optimizer state in and out of every replica', async () => {
    const two = await trainer(2, 'adam');
    const { x, y } = makeBatch(8, SIZE, 1, 4, 11);
    await two.trainBatch(x, y, 8);
    const weights = await two.getWeights();
    const state = await two.getOptimizerState();
    expect(state.length).toBeGreaterThan(weights.length);
    const other = await trainer(2, 'adam', { initialWeights: weights });
    await other.setOptimizerState(state);
    const a = await two.trainBatch(x, y, 8);
    const b = await other.trainBatch(x, y, 8);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(maxAbsDiff(await other.getWeights(), await two.getWeights())).toBeLessThan(1e-6);
  }, 60_000);

  it('rejects the pending call with the worker\'s error instead of hanging', async () => {
    const two = await trainer(2);
    const weights = await two.getWeights();
    weights[2] = { ...weights[2]!, shape: [7] };
    await expect(two.setWeights(weights)).rejects.toThrow(/Training worker \d failed: Weight 2 .* has shape \[7\]/);
  }, 60_000);

  it('rejects calls with a clear message when a worker thread dies, instead of hanging', async () => {
    const two = await trainer(2);
    // Kill one replica's thread from outside, as a crash would.
    const internals = two as unknown as { workers: { worker: { terminate(): Promise<number> } }[] };
    await internals.workers[1]!.worker.terminate();
    const { x, y } = makeBatch(4, SIZE, 1, 4, 3);
    await expect(two.trainBatch(x, y, 4)).rejects.toThrow(/Training worker 1 stopped/);
    await expect(two.getWeights()).rejects.toThrow(/failed step|Training worker 1 stopped/);
  }, 60_000);

  it('fails to start with a clear message when the model cannot be built', async () => {
    await expect(createStepTrainer({
      modelJson: { class_name: 'NoSuchModel', config: {} }, optimizer: { name: 'sgd', learningRate: 0.1 },
      threads: 2, engine: { prefer: 'wasm' },
    })).rejects.toThrow(/Training worker \d failed/);
  }, 60_000);

  it('refuses calls after dispose', async () => {
    const two = await trainer(2);
    await two.dispose();
    await expect(two.getWeights()).rejects.toThrow(/disposed/);
  }, 60_000);
});
