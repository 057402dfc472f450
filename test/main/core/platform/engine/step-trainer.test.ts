// The fast wasm engine trains the seed CNN like the stock cpu engine, without leaking tensors.
import { beforeAll, describe, expect, it } from 'vitest';
import { createStepTrainer, loadEngine, type StepTrainer, type Tf, type TrainerSpec } from '../../../../../src/main/core/platform/engine/index.js';
import { Replica, type StepMode } from '../../../../../src/main/core/platform/engine/replica.js';
import { makeBatch, maxAbsDiff, seedModel } from './fixtures.js';

let tf: Tf;
let start: Pick<TrainerSpec, 'modelJson' | 'initialWeights'>;
// The smallest input the seed CNN's three conv/pool blocks take comfortably (24 → 22 → 11 → 9 → 4 → 2 → 1).
const SIZE = 24;
beforeAll(async () => {
  ({ tf } = await loadEngine({ prefer: 'wasm' }));
  start = seedModel(tf, { imageSize: SIZE, channels: 3, numClasses: 3, seed: 3 });
});

async function train(trainer: StepTrainer, steps: number, n: number) {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { x, y } = makeBatch(n, SIZE, 3, 3, 100 + i);
    const { loss, accuracy } = await trainer.trainBatch(x, y, n);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    losses.push(loss);
  }
  return losses;
}

describe('wasm step trainer against the stock cpu engine', () => {
  it.each(['sgd', 'adam'] as const)('gives the same losses and weights with %s', async (optimizer) => {
    const spec = (prefer: 'wasm' | 'cpu'): TrainerSpec => ({
      ...start, optimizer: { name: optimizer, learningRate: optimizer === 'sgd' ? 0.05 : 0.001 },
      threads: 1, engine: { prefer },
    });
    const cpu = await createStepTrainer(spec('cpu'));
    expect(cpu.info.backend).toBe('cpu');
    const cpuLosses = await train(cpu, 3, 6);
    const cpuWeights = await cpu.getWeights();
    await cpu.dispose();

    const wasm = await createStepTrainer(spec('wasm'));
    expect(wasm.info.backend).toBe('wasm');
    const wasmLosses = await train(wasm, 3, 6);
    const wasmWeights = await wasm.getWeights();
    await wasm.dispose();

    wasmLosses.forEach((loss, i) => expect(loss).toBeCloseTo(cpuLosses[i]!, 4));
    // Adam divides by √v: a gradient that is ~0 up to rounding may still move a weight by up to lr.
    expect(maxAbsDiff(wasmWeights, cpuWeights)).toBeLessThan(optimizer === 'sgd' ? 1e-5 : 1e-4);
    expect(maxAbsDiff(wasmWeights, start.initialWeights!)).toBeGreaterThan(1e-4);
  }, 120_000);
});

describe('wasm step trainer', () => {
  it('keeps the tensor count flat across steps and frees everything on dispose', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const trainer = await createStepTrainer({ ...start, optimizer: { name: 'adam', learningRate: 1e-3 }, threads: 1, engine: { prefer: 'wasm' } });
    await train(trainer, 2, 4);
    const afterWarmup = tf.memory().numTensors;
    await train(trainer, 3, 4);
    await trainer.predictBatch(makeBatch(4, SIZE, 3, 3, 1).x, 4);
    await trainer.getWeights();
    expect(tf.memory().numTensors).toBe(afterWarmup);
    await trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('learns: the loss on a repeated batch goes down', async () => {
    const trainer = await createStepTrainer({ ...start, optimizer: { name: 'adam', learningRate: 3e-3 }, threads: 1, engine: { prefer: 'wasm' } });
    const { x, y } = makeBatch(16, SIZE, 3, 3, 9);
    const first = (await trainer.trainBatch(x, y, 16)).loss;
    let last = first;
    for (let i = 0; i < 8; i++) last = (await trainer.trainBatch(x, y, 16)).loss;
    expect(last).toBeLessThan(first * 0.8);
    const probs = await trainer.predictBatch(x, 16);
    expect(probs).toHaveLength(16 * 3);
    expect(probs[0]! + probs[1]! + probs[2]!).toBeCloseTo(1, 5);
    await trainer.dispose();
  });

  it('resumes: weights and optimizer state moved to a new trainer continue the same run', async () => {
    const spec: TrainerSpec = { ...start, optimizer: { name: 'adam', learningRate: 1e-3 }, threads: 1, engine: { prefer: 'wasm' } };
    const batches = [0, 1, 2, 3].map((i) => makeBatch(4, SIZE, 3, 3, 50 + i));
    const straight = await createStepTrainer(spec);
    for (const b of batches) await straight.trainBatch(b.x, b.y, 4);

    const first = await createStepTrainer(spec);
    for (const b of batches.slice(0, 2)) await first.trainBatch(b.x, b.y, 4);
    const resumed = await createStepTrainer({ ...spec, initialWeights: await first.getWeights() });
    await resumed.setOptimizerState(await first.getOptimizerState());
    for (const b of batches.slice(2)) await resumed.trainBatch(b.x, b.y, 4);

    // Adam recomputes β^t from the restored step count instead of multiplying it step by step.
    expect(maxAbsDiff(await resumed.getWeights(), await straight.getWeights())).toBeLessThan(1e-5);
    await Promise.all([straight.dispose(), first.dispose(), resumed.dispose()]);
  });

  it('rejects weights of the wrong shape with a message naming the weight', async () => {
    const trainer = await createStepTrainer({ ...start, optimizer: { name: 'sgd', learningRate: 0.1 }, threads: 1, engine: { prefer: 'wasm' } });
    const weights = await trainer.getWeights();
    weights[0] = { ...weights[0]!, shape: [1, 2, 3] };
    await expect(trainer.setWeights(weights)).rejects.toThrow(/shape \[1,2,3\]/);
    await trainer.dispose();
  });
});

describe('fused layers and the direct step on wasm', () => {
  const samePadding = () => seedModel(tf, { imageSize: SIZE, channels: 3, numClasses: 3, seed: 3, padding: 'same' });
  const run = async (step: StepMode, model = start, steps = 3) => {
    await tf.setBackend('wasm');
    const r = await Replica.create(tf, model.modelJson, { name: 'sgd', learningRate: 0.05 }, model.initialWeights, { step });
    const losses = Array.from({ length: steps }, (_, i) => {
      const { x, y } = makeBatch(6, SIZE, 3, 3, 300 + i);
      return r.trainBatch(x, y, 6).loss;
    });
    const weights = r.getWeights();
    r.dispose();
    return { losses, weights };
  };

  it.each([['fused', 'valid'], ['direct', 'valid'], ['fused', 'same'], ['direct', 'same']] as const)(
    '%s, %s padding: trains exactly like the tfjs-layers graph (conv/dense + bias + relu fused, conv → pool backward in one kernel, hand-written gradients)',
    async (step, padding) => {
      const model = padding === 'same' ? samePadding() : start;
      const layers = await run('layers', model);
      const fast = await run(step, model);
      fast.losses.forEach((loss, i) => expect(loss).toBeCloseTo(layers.losses[i]!, 5));
      expect(maxAbsDiff(fast.weights, layers.weights)).toBeLessThan(1e-5);
    });

  it.each(['valid', 'same'] as const)('direct: predicts like tfjs-layers\' inference (%s padding)', async (padding) => {
    await tf.setBackend('wasm');
    const model = padding === 'same' ? samePadding() : start;
    const make = (step: StepMode) => Replica.create(tf, model.modelJson, { name: 'sgd', learningRate: 0.05 }, model.initialWeights, { step });
    const [direct, layers] = [await make('direct'), await make('layers')];
    const { x } = makeBatch(5, SIZE, 3, 3, 77);
    const [a, b] = [direct.predictBatch(x, 5), layers.predictBatch(x, 5)];
    expect(a).toHaveLength(15);
    a.forEach((p, i) => expect(p).toBeCloseTo(b[i]!, 5));
    direct.dispose();
    layers.dispose();
  });

  it.each(['valid', 'same'] as const)('direct: takes the seed CNN with %s padding (it is not the fused path under another name)', async (padding) => {
    await tf.setBackend('wasm');
    const model = padding === 'same' ? samePadding() : start;
    const r = await Replica.create(tf, model.modelJson, { name: 'sgd', learningRate: 0.05 }, model.initialWeights, { step: 'direct' });
    expect((r as unknown as { direct: unknown }).direct).not.toBeNull();
    r.dispose();
  });

  it('do not leak tensors or wasm buffers, and getOptimizerState does not either', async () => {
    const trainer = await createStepTrainer({ ...start, optimizer: { name: 'adam', learningRate: 1e-3 }, threads: 1, engine: { prefer: 'wasm' } });
    await train(trainer, 2, 4);
    const steady = tf.memory().numTensors;
    // Buffers a kernel allocates for itself (scratch, outputs) are not tensors: count the backend's.
    const buffers = () => tf.backend().numDataIds();
    const steadyBuffers = buffers();
    await train(trainer, 2, 4);
    await trainer.getOptimizerState();
    await trainer.getOptimizerState();
    expect(tf.memory().numTensors).toBe(steady);
    expect(buffers()).toBe(steadyBuffers);
    await trainer.dispose();
  });
});
