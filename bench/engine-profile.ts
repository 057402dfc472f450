// `npx tsx bench/engine.ts --profile [--sizes=64] [--shard=16]`: where a training step's time goes.
// Every wasm kernel is wrapped with a timer before the model is built (so direct kernel calls are
// seen too, not only tfjs-dispatched ones); one replica trains a shard (16 images: what each of the
// two data-parallel workers computes per batch of 32). Per kernel: calls per step, median and
// minimum wall time; per phase: the gradient pass (forward + backward: kernels and the time
// between them), the optimizer update (summing 2 gradient slots, as a worker does) and the copy of
// the gradients into a slot. Then the 2-thread trainer: step wall time against the workers' own
// busy time (the rest is the barrier: messages, waiting for the slower worker). On a shared machine
// read the minima: a median is as much other programs as this one.
import { loadavg } from 'node:os';
import { createStepTrainer, loadEngine, type Tf } from '../src/main/core/platform/engine/index.js';
import type { ParallelStepTrainer } from '../src/main/core/platform/engine/parallel-trainer.js';
import { Replica } from '../src/main/core/platform/engine/replica.js';
import { buildSeedCnn } from '../src/main/core/training/model.js';

interface Config { label: string; size: number; channels: 1 | 3; reps: number }

const CONFIGS: Config[] = [
  { label: '28×28 gray', size: 28, channels: 1, reps: 60 },
  { label: '64×64 RGB', size: 64, channels: 3, reps: 30 },
  { label: '128×128 RGB', size: 128, channels: 3, reps: 12 },
  { label: '256×256 RGB', size: 256, channels: 3, reps: 5 },
];

type Phase = 'gradients' | 'update' | 'other';
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
const min = (v: number[]): number => Math.min(...v);
const ms = (v: number) => v.toFixed(v < 10 ? 2 : 1).padStart(7);

/** Wraps every registered wasm kernel with a timer; returns the per-step samples by phase and kernel. */
function instrument(tf: Tf) {
  let phase: Phase = 'other';
  let step = -1;
  const samples = new Map<string, { phase: Phase; perStep: number[]; calls: number }>();
  for (const config of tf.getKernelsForBackend('wasm')) {
    const run = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (step < 0) return run(args);
        const t = performance.now();
        const out = run(args);
        const dt = performance.now() - t;
        const shapes = Object.values(args.inputs).map((x) => (x as { shape?: number[] } | null)?.shape ?? null);
        const key = `${config.kernelName} ${JSON.stringify(shapes)}`;
        let s = samples.get(key);
        if (s === undefined) samples.set(key, (s = { phase, perStep: [], calls: 0 }));
        s.perStep[step] = (s.perStep[step] ?? 0) + dt;
        s.calls++;
        return out;
      },
    });
  }
  return {
    samples,
    set phase(p: Phase) { phase = p; },
    set step(i: number) { step = i; },
  };
}

export async function runProfile(opts: { sizes?: number[]; shard: number }): Promise<void> {
  const { tf } = await loadEngine({ prefer: 'wasm' });
  const probe = instrument(tf);
  for (const config of CONFIGS.filter((c) => opts.sizes === undefined || opts.sizes.includes(c.size))) {
    const { size, channels, reps } = config;
    const n = opts.shard;
    const model = buildSeedCnn(tf, { imageSize: size, channels, numClasses: 10, seed: 42 });
    const modelJson = model.toJSON(null, false);
    model.dispose();
    const x = new Float32Array(32 * size * size * channels);
    for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) % 256;
    const y = Int32Array.from({ length: 32 }, (_, i) => i % 10);

    const replica = await Replica.create(tf, modelJson, { name: 'adam', learningRate: 1e-3 });
    const slot = new Float32Array(replica.parameterCount);
    for (let i = 0; i < 3; i++) replica.trainBatch(x, y, n);
    probe.samples.clear();
    const phases = { gradients: [] as number[], update: [] as number[], copy: [] as number[] };
    for (let i = 0; i < reps; i++) {
      probe.step = i;
      probe.phase = 'gradients';
      let t = performance.now();
      const { grads } = replica.computeGradients(x, y, n, 0.5);
      phases.gradients.push(performance.now() - t);
      probe.phase = 'other';
      t = performance.now();
      replica.writeFlat(grads, slot);
      tf.dispose(grads);
      phases.copy.push(performance.now() - t);
      probe.phase = 'update';
      t = performance.now();
      replica.applyFlat([slot, slot]);
      phases.update.push(performance.now() - t);
    }
    probe.step = -1;
    replica.dispose();

    const rows = [...probe.samples].map(([key, s]) => {
      const perStep = Array.from({ length: reps }, (_, i) => s.perStep[i] ?? 0);
      return { key, phase: s.phase, calls: s.calls / reps, median: median(perStep), min: min(perStep) };
    });
    const inGradients = rows.filter((r) => r.phase === 'gradients');
    const kernelSum = inGradients.reduce((a, r) => a + r.median, 0);
    const kernelMin = inGradients.reduce((a, r) => a + r.min, 0);
    const calls = inGradients.reduce((a, r) => a + r.calls, 0);
    const gradientsMedian = median(phases.gradients);
    console.log(`\n${config.label}: one shard of ${n} images on 1 thread, ${reps} steps; load ${loadavg()[0]!.toFixed(1)} (ms: median / min)`);
    console.log(`  gradient pass ${ms(gradientsMedian)} /${ms(min(phases.gradients))}: ${Math.round(calls)} kernel calls ${ms(kernelSum)} /${ms(kernelMin)}, outside kernels ~${ms(Math.max(0, gradientsMedian - kernelSum))}`);
    console.log(`  optimizer update (2 slots) ${ms(median(phases.update))} /${ms(min(phases.update))}; gradients into a slot ${ms(median(phases.copy))} /${ms(min(phases.copy))}`);
    const top = rows.filter((r) => r.phase !== 'other').sort((a, b) => b.median - a.median).slice(0, 14);
    for (const r of top) {
      console.log(`  ${ms(r.median)} /${ms(r.min)} ${(100 * r.median / (kernelSum || 1)).toFixed(0).padStart(3)}%  ${r.phase === 'update' ? '[update] ' : ''}${r.key}${r.calls > 1 ? ` ×${r.calls}` : ''}`);
    }

    const trainer = await createStepTrainer({ modelJson, optimizer: { name: 'adam', learningRate: 1e-3 }, threads: 2, engine: { prefer: 'wasm' } });
    for (let i = 0; i < 3; i++) await trainer.trainBatch(x, y, 32);
    const walls: number[] = [];
    const busy: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      await trainer.trainBatch(x, y, 32);
      walls.push(performance.now() - t);
      const last = (trainer as ParallelStepTrainer).lastStep;
      if (last !== undefined) busy.push(Math.max(...last.busyMs));
    }
    await trainer.dispose();
    const barrier = busy.length === walls.length ? walls.map((w, i) => w - busy[i]!) : [];
    console.log(`  2 threads, batch 32: step ${ms(median(walls))} /${ms(min(walls))} (${(32000 / median(walls)).toFixed(0)} / ${(32000 / min(walls)).toFixed(0)} img/s)` +
      (barrier.length > 0 ? `; slower worker busy ${ms(median(busy))} /${ms(min(busy))}, barrier and messages ${ms(median(barrier))} /${ms(min(barrier))}` : ''));
  }
}
