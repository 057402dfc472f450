// Train-step throughput of the seed CNN: stock tfjs cpu vs Facet's wasm engine (1 thread, all cores).
// Run: npx tsx bench/engine.ts [--quick]   (workers need `npx tsc -p tsconfig.build.json` first)
// Where the time goes: npx tsx bench/engine.ts --profile [--sizes=64] [--shard=16] (see engine-profile.ts)
// Still learns as before: npx tsx bench/engine.ts --accuracy [--epochs=10] [--train=6000] (see engine-accuracy.ts)
// Against PyTorch: npm run bench:engine -- --peer [--quick] [--same] [--threads=2] [--rounds=3] [--sizes=64,128] (see engine-peer.ts)
import { availableParallelism } from 'node:os';
import { createStepTrainer, loadEngine, type StepTrainer, type Tf, type TrainerSpec } from '../src/main/core/platform/engine/index.js';
import { Replica } from '../src/main/core/platform/engine/replica.js';
import { buildSeedCnn } from '../src/main/core/training/model.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
if (args.has('--peer')) {
  const { runPeerBench } = await import('./engine-peer.js');
  const threads = Number(process.argv.find((a) => a.startsWith('--threads='))?.slice(10) ?? 2);
  const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? (quick ? 2 : 3));
  const sizes = process.argv.find((a) => a.startsWith('--sizes='))?.slice(8).split(',').map(Number);
  await runPeerBench({ threads, rounds, quick, padding: args.has('--same') ? 'same' : 'valid', ...(sizes === undefined ? {} : { sizes }) });
  process.exit(0);
}
if (args.has('--accuracy')) {
  const { runAccuracy } = await import('./engine-accuracy.js');
  const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
  await runAccuracy({ epochs: flag('epochs', 10), train: flag('train', 6000), test: flag('test', 2000), threads: flag('threads', 2) });
  process.exit(0);
}
if (args.has('--profile')) {
  const { runProfile } = await import('./engine-profile.js');
  const sizes = process.argv.find((a) => a.startsWith('--sizes='))?.slice(8).split(',').map(Number);
  const shard = Number(process.argv.find((a) => a.startsWith('--shard='))?.slice(8) ?? 16);
  await runProfile({ shard, ...(sizes === undefined ? {} : { sizes }) });
  process.exit(0);
}
const BATCH = 32;
const cores = availableParallelism();
const configs: { label: string; size: number; channels: 1 | 3 }[] = [
  { label: '28×28 gray', size: 28, channels: 1 },
  { label: '32×32 RGB', size: 32, channels: 3 },
  { label: '64×64 RGB', size: 64, channels: 3 },
  { label: '128×128 RGB', size: 128, channels: 3 },
  ...(quick ? [] : [{ label: '256×256 RGB', size: 256, channels: 3 as const }]),
];

function batch(n: number, size: number, channels: number) {
  const x = new Float32Array(n * size * size * channels);
  for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761 % 256);
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { x, y };
}

/**
 * Images per second of `step(n)`: `wall` from the median of timed runs after a warm-up (what a user
 * sees, other processes included), `idle` from the process CPU time per step spread over `threads`
 * (what an otherwise idle machine would give; other programs share these 2 cores during runs).
 */
async function rate(step: (n: number) => Promise<unknown>, n: number, warmup: number, budgetMs: number, minRuns: number, threads = 1) {
  for (let i = 0; i < warmup; i++) await step(n);
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  const cpu0 = process.cpuUsage();
  while (times.length < minRuns || (performance.now() < end && times.length < 50)) {
    const t = performance.now();
    await step(n);
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / times.length;
  times.sort((a, b) => a - b);
  return { wall: n / (times[Math.floor(times.length / 2)]! / 1000), idle: n / (cpuMsPerStep / threads / 1000) };
}

function spec(tf: Tf, size: number, channels: 1 | 3): Pick<TrainerSpec, 'modelJson' | 'optimizer'> {
  const model = buildSeedCnn(tf, { imageSize: size, channels, numClasses: 3, seed: 42 });
  const modelJson = model.toJSON(null, false);
  model.dispose();
  return { modelJson, optimizer: { name: 'adam', learningRate: 1e-3 } };
}

async function measureTrainer(trainer: StepTrainer, size: number, channels: number) {
  const { x, y } = batch(BATCH, size, channels);
  const budget = quick ? 1500 : 4000;
  const threads = trainer.info.threads;
  const train = await rate((n) => trainer.trainBatch(x, y, n), BATCH, 2, budget, 3, threads);
  const predict = await rate((n) => trainer.predictBatch(x, n), BATCH, 1, budget / 2, 3, threads);
  await trainer.dispose();
  return { train, predict };
}

const rows: string[][] = [];
for (const { label, size, channels } of configs) {
  // Stock cpu: one short step (it is ~300× slower), a few images, after a one-image warm-up.
  const cpu = await loadEngine({ prefer: 'cpu' });
  const cpuImages = size <= 32 ? 4 : size <= 64 ? 2 : 1;
  let cpuRate = NaN;
  if (!(quick && size > 64)) {
    const r = await Replica.create(cpu.tf, spec(cpu.tf, size, channels).modelJson, { name: 'adam', learningRate: 1e-3 });
    const { x, y } = batch(cpuImages, size, channels);
    cpuRate = (await rate(async (n) => r.trainBatch(x, y, n), cpuImages, 1, 0, 1)).idle;
    r.dispose();
  }
  const { tf } = await loadEngine({ prefer: 'wasm' });
  const base = spec(tf, size, channels);
  const one = await measureTrainer(await createStepTrainer({ ...base, threads: 1, engine: { prefer: 'wasm' } }), size, channels);
  const all = await measureTrainer(await createStepTrainer({ ...base, threads: cores, engine: { prefer: 'wasm' } }), size, channels);
  const fmt = (v: number) => (Number.isNaN(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const pair = (r: { wall: number; idle: number }) => `${fmt(r.wall)} (${fmt(r.idle)})`;
  rows.push([
    label, fmt(cpuRate), pair(one.train), pair(all.train),
    Number.isNaN(cpuRate) ? '—' : `${(all.train.wall / cpuRate).toFixed(0)}× (${(all.train.idle / cpuRate).toFixed(0)}×)`,
    pair(one.predict), pair(all.predict),
  ]);
  console.error(`done ${label}`);

}

const header = ['input (batch 32)', 'stock cpu img/s', 'fast 1 thread', `fast ${cores} threads`, 'speed-up', 'predict 1t', `predict ${cores}t`];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
console.log(`Seed CNN train step (Adam, batch ${BATCH}), images/s: wall-clock median (idle-machine estimate from CPU time).`);
console.log(`${cores} cores; load average at the end ${load} (other programs were running). Stock cpu: one short step, CPU time.`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
