// `npm run bench:engine -- --peer`: Facet's engine against PyTorch CPU on the same network (the seed
// CNN), the same images (Fashion-MNIST, resized), batch 32, Adam (Keras' epsilon), 2 threads each,
// timing the training loop only. Rounds are interleaved (Facet, PyTorch, Facet, ...) so that load
// from other programs on this shared machine hits both sides alike; the ratio is the median of the
// per-round ratios.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createStepTrainer, loadEngine, type StepTrainer } from '../src/main/core/platform/engine/index.js';
import { buildSeedCnn, type ConvPadding } from '../src/main/core/training/model.js';

const BATCH = 32;
const CLASSES = 10;
const FASHION = '/usr/share/datasets/fashion-mnist';
const here = path.dirname(fileURLToPath(import.meta.url));

export interface PeerOptions {
  threads: number;
  rounds: number;
  padding: ConvPadding;
  quick: boolean;
  /** Only these input sizes (28, 64, 128, 256); default all (--quick: 28 and 64). */
  sizes?: number[];
}

interface Config { label: string; size: number; channels: 1 | 3; images: number; steps: number }

const CONFIGS: Config[] = [
  { label: '28×28 gray', size: 28, channels: 1, images: 1024, steps: 60 },
  { label: '64×64 RGB', size: 64, channels: 3, images: 512, steps: 16 },
  { label: '128×128 RGB', size: 128, channels: 3, images: 256, steps: 6 },
  { label: '256×256 RGB', size: 256, channels: 3, images: 96, steps: 3 },
];

/** The first n Fashion-MNIST training images and labels (or synthetic ones when the package is absent). */
function fashionMnist(n: number): { pixels: Uint8Array; labels: Int32Array; source: string } {
  try {
    const images = gunzipSync(readFileSync(path.join(FASHION, 'train-images-idx3-ubyte.gz')));
    const labels = gunzipSync(readFileSync(path.join(FASHION, 'train-labels-idx1-ubyte.gz')));
    return {
      pixels: images.subarray(16, 16 + n * 784),
      labels: Int32Array.from(labels.subarray(8, 8 + n)),
      source: 'Fashion-MNIST',
    };
  } catch {
    const pixels = new Uint8Array(n * 784);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    return { pixels, labels: Int32Array.from({ length: n }, (_, i) => i % CLASSES), source: 'synthetic pixels (apt-get install dataset-fashion-mnist for real images)' };
  }
}

/** Bilinear resize of 28×28 gray images to size×size, replicated into `channels` (uint8 NHWC). */
function resize(src: Uint8Array, n: number, size: number, channels: number): Uint8Array {
  const out = new Uint8Array(n * size * size * channels);
  const scale = 28 / size;
  for (let b = 0; b < n; b++) {
    const img = b * 784;
    for (let r = 0; r < size; r++) {
      const sy = Math.min(Math.max((r + 0.5) * scale - 0.5, 0), 27);
      const y0 = Math.floor(sy);
      const y1 = Math.min(y0 + 1, 27);
      const fy = sy - y0;
      for (let q = 0; q < size; q++) {
        const sx = Math.min(Math.max((q + 0.5) * scale - 0.5, 0), 27);
        const x0 = Math.floor(sx);
        const x1 = Math.min(x0 + 1, 27);
        const fx = sx - x0;
        const top = src[img + y0 * 28 + x0]! * (1 - fx) + src[img + y0 * 28 + x1]! * fx;
        const bottom = src[img + y1 * 28 + x0]! * (1 - fx) + src[img + y1 * 28 + x1]! * fx;
        const v = Math.round(top * (1 - fy) + bottom * fy);
        const o = ((b * size + r) * size + q) * channels;
        for (let c = 0; c < channels; c++) out[o + c] = v;
      }
    }
  }
  return out;
}

/** A python3 that imports torch: `python3` first, then Debian's own (a pyenv shim may hide it). */
export function findTorchPython(): string | null {
  for (const exe of [process.env['FACET_PYTHON'], 'python3', '/usr/bin/python3']) {
    if (!exe) continue;
    const r = spawnSync(exe, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    if (r.status === 0) return exe;
  }
  return null;
}

class TorchPeer {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(python: string, threads: number): Promise<{ peer: TorchPeer; version: string }> {
    const child = spawn(python, [path.join(here, 'engine_peer.py'), String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const peer = new TorchPeer(child);
    const hello = await peer.read();
    return { peer, version: String(hello['torch']) };
  }

  private async read(): Promise<Record<string, unknown>> {
    const next = await this.lines.next();
    if (next.done === true) throw new Error('The PyTorch peer stopped.');
    const reply = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof reply['error'] === 'string') throw new Error(`PyTorch peer: ${reply['error']}`);
    return reply;
  }

  async call(request: object): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    return this.read();
  }

  stop(): void {
    this.child.stdin.end();
  }
}

/**
 * Images per wall-clock second, per CPU second of the whole process (all its threads), and in the
 * fastest single step (batch / its time: on a shared machine, the step that ran undisturbed).
 */
interface Rate { wall: number; cpu: number; best: number }
interface Side { train: (steps: number) => Promise<Rate>; predict: (steps: number) => Promise<Rate>; close: () => Promise<void> }

async function timed(steps: number, step: (i: number) => Promise<unknown>): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  let best = Infinity;
  for (let i = 0; i < steps; i++) {
    const s = performance.now();
    await step(i);
    best = Math.min(best, performance.now() - s);
  }
  const cpu = process.cpuUsage(cpu0);
  const images = steps * BATCH;
  return { wall: images / ((performance.now() - t) / 1000), cpu: images / ((cpu.user + cpu.system) / 1e6), best: BATCH / (best / 1000) };
}

async function facetSide(config: Config, data: { x: Float32Array[]; y: Int32Array[] }, opts: PeerOptions): Promise<Side> {
  const { tf } = await loadEngine({ prefer: 'wasm' });
  const model = buildSeedCnn(tf, { imageSize: config.size, channels: config.channels, numClasses: CLASSES, seed: 42, padding: opts.padding });
  const modelJson = model.toJSON(null, false);
  model.dispose();
  const trainer: StepTrainer = await createStepTrainer({
    modelJson, optimizer: { name: 'adam', learningRate: 1e-3 }, threads: opts.threads, engine: { prefer: 'wasm' },
  });
  let step = 0;
  return {
    train: (steps) => timed(steps, async () => {
      const k = step++ % data.x.length;
      await trainer.trainBatch(data.x[k]!, data.y[k]!, BATCH);
    }),
    predict: (steps) => timed(steps, (i) => trainer.predictBatch(data.x[i % data.x.length]!, BATCH)),
    close: () => trainer.dispose(),
  };
}

async function torchSide(peer: TorchPeer, file: string, labelsFile: string, config: Config, opts: PeerOptions): Promise<Side> {
  await peer.call({
    op: 'load', path: file, labels: labelsFile, n: config.images, size: config.size, channels: config.channels,
    classes: CLASSES, padding: opts.padding, seed: 42,
  });
  const rate = (r: Record<string, unknown>): Rate => ({
    wall: Number(r['imagesPerSecond']), cpu: Number(r['imagesPerCpuSecond']), best: Number(r['imagesPerSecondBestStep']),
  });
  return {
    train: async (steps) => rate(await peer.call({ op: 'train', steps })),
    predict: async (steps) => rate(await peer.call({ op: 'predict', steps })),
    close: async () => {},
  };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const fmt = (v: number) => (Number.isNaN(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

export async function runPeerBench(opts: PeerOptions): Promise<void> {
  const python = findTorchPython();
  let torch: { peer: TorchPeer; version: string } | null = null;
  if (python === null) {
    console.log('PyTorch is not installed for python3, so only Facet\'s figures are printed.');
    console.log('To compare: apt-get install python3-torch python3-numpy (Debian/Ubuntu), or pip install torch numpy;');
    console.log('FACET_PYTHON=/path/to/python3 picks another interpreter.\n');
  } else {
    torch = await TorchPeer.start(python, opts.threads);
  }
  const configs = opts.sizes !== undefined ? CONFIGS.filter((c) => opts.sizes!.includes(c.size)) : opts.quick ? CONFIGS.slice(0, 2) : CONFIGS;
  const most = Math.max(...configs.map((c) => c.images));
  const source = fashionMnist(most);
  const dir = mkdtempSync(path.join(tmpdir(), 'facet-peer-'));
  const rows: string[][] = [];
  const loads: number[] = [];
  try {
    for (const config of configs) {
      const pixels = resize(source.pixels, config.images, config.size, config.channels);
      const labels = source.labels.subarray(0, config.images);
      const file = path.join(dir, `x${config.size}.u8`);
      const labelsFile = path.join(dir, 'y.i32');
      writeFileSync(file, pixels);
      writeFileSync(labelsFile, new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
      const per = config.size * config.size * config.channels;
      const data = { x: [] as Float32Array[], y: [] as Int32Array[] };
      for (let b = 0; b + BATCH <= config.images; b += BATCH) {
        data.x.push(Float32Array.from(pixels.subarray(b * per, (b + BATCH) * per)));
        data.y.push(labels.slice(b, b + BATCH));
      }
      const sides: [string, Side][] = [['facet', await facetSide(config, data, opts)]];
      if (torch !== null) sides.push(['torch', await torchSide(torch.peer, file, labelsFile, config, opts)]);
      const train = new Map<string, Rate[]>(sides.map(([k]) => [k, []]));
      const predict = new Map<string, Rate[]>(sides.map(([k]) => [k, []]));
      for (const [, side] of sides) await side.train(2); // warm-up (compilation, allocation)
      for (const [, side] of sides) await side.predict(2);
      for (let round = 0; round < opts.rounds; round++) {
        for (const [k, side] of sides) train.get(k)!.push(await side.train(config.steps));
        for (const [k, side] of sides) predict.get(k)!.push(await side.predict(config.steps * 2));
        const last = (m: Map<string, Rate[]>, k: string) => fmt(m.get(k)?.at(-1)?.wall ?? NaN);
        console.error(`${config.label} round ${round + 1}/${opts.rounds}: train ${last(train, 'facet')} vs ${last(train, 'torch')} img/s, predict ${last(predict, 'facet')} vs ${last(predict, 'torch')}, load ${loadavg()[0]!.toFixed(1)}`);
      }
      for (const [, side] of sides) await side.close();
      loads.push(loadavg()[0]!);
      const ratio = (m: Map<string, Rate[]>, key: keyof Rate) => {
        const t = m.get('torch');
        return t === undefined ? NaN : median(m.get('facet')!.map((f, i) => f[key] / t[i]![key]));
      };
      // The fastest step of all rounds on each side.
      const bestRatio = (m: Map<string, Rate[]>) => {
        const best = (k: string) => Math.max(...(m.get(k) ?? []).map((r) => r.best));
        return m.has('torch') ? best('facet') / best('torch') : NaN;
      };
      const x = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(2)}×`);
      const med = (m: Map<string, Rate[]>, k: string) => fmt(m.has(k) ? median(m.get(k)!.map((r) => r.wall)) : NaN);
      rows.push([
        config.label, med(train, 'facet'), med(train, 'torch'), x(ratio(train, 'wall')), x(ratio(train, 'cpu')), x(bestRatio(train)),
        med(predict, 'facet'), med(predict, 'torch'), x(ratio(predict, 'wall')), x(ratio(predict, 'cpu')), x(bestRatio(predict)), loadavg()[0]!.toFixed(1),
      ]);
      console.error(`done ${config.label}`);
    }
  } finally {
    torch?.peer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const header = ['input', 'Facet train img/s', 'PyTorch train img/s', 'train ratio', 'per CPU-s', 'best step',
    'Facet predict img/s', 'PyTorch predict img/s', 'predict ratio', 'per CPU-s', 'best step', 'load avg'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`Seed CNN (${opts.padding} padding, filters 16/32/64, dense 128, ${CLASSES} classes), batch ${BATCH}, Adam lr 1e-3 eps 1e-7,`);
  console.log(`${opts.threads} threads each; ${source.source} resized (gray copied into RGB). Facet: wasm engine;`);
  console.log(`PyTorch: ${torch === null ? 'not installed' : `${torch.version} CPU`}. img/s: median of ${opts.rounds} interleaved rounds; ratio = median of per-round Facet ÷ PyTorch.`);
  console.log('Load average (1 min) after each row; the machine is shared, so absolute figures are noisy. "per CPU-s":');
  console.log('the same ratio from images per CPU-second of each process (less sensitive to load; PyTorch\'s OpenMP');
  console.log('threads may spin while waiting, which counts against it). "best step": the ratio of each side\'s fastest');
  console.log('single step over all rounds (the step that ran undisturbed: the closest to an idle machine when others load it).');
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
