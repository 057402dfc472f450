// `npx tsx bench/engine.ts --accuracy [--epochs=10] [--train=6000] [--threads=2]`: the engine still
// learns as before — the seed CNN (valid padding, Adam 1e-3, batch 32) trained on Fashion-MNIST at
// 28×28 gray for 10 epochs, then the test accuracy on the first 2,000 test images. Same seed and
// batch order every time, so two engine versions can be compared on the same run.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createStepTrainer, loadEngine } from '../src/main/core/platform/engine/index.js';
import { buildSeedCnn } from '../src/main/core/training/model.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const BATCH = 32;

function idx(file: string, header: number, count: number, size: number): Uint8Array {
  return gunzipSync(readFileSync(path.join(FASHION, file))).subarray(header, header + count * size);
}

export async function runAccuracy(opts: { epochs: number; train: number; test: number; threads: number }): Promise<void> {
  const trainX = idx('train-images-idx3-ubyte.gz', 16, opts.train, 784);
  const trainY = idx('train-labels-idx1-ubyte.gz', 8, opts.train, 1);
  const testX = idx('t10k-images-idx3-ubyte.gz', 16, opts.test, 784);
  const testY = idx('t10k-labels-idx1-ubyte.gz', 8, opts.test, 1);
  const { tf } = await loadEngine({ prefer: 'wasm' });
  const model = buildSeedCnn(tf, { imageSize: 28, channels: 1, numClasses: 10, seed: 42 });
  const modelJson = model.toJSON(null, false);
  model.dispose();
  const trainer = await createStepTrainer({ modelJson, optimizer: { name: 'adam', learningRate: 1e-3 }, threads: opts.threads, engine: { prefer: 'wasm' } });
  let seed = 12345;
  const random = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 2 ** 32; };
  const order = Array.from({ length: opts.train }, (_, i) => i);
  const x = new Float32Array(BATCH * 784);
  const y = new Int32Array(BATCH);
  const started = performance.now();
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let loss = 0;
    let steps = 0;
    for (let b = 0; b + BATCH <= order.length; b += BATCH) {
      for (let k = 0; k < BATCH; k++) {
        const at = order[b + k]!;
        for (let p = 0; p < 784; p++) x[k * 784 + p] = trainX[at * 784 + p]!;
        y[k] = trainY[at]!;
      }
      loss += (await trainer.trainBatch(x, y, BATCH)).loss;
      steps++;
    }
    console.error(`epoch ${epoch + 1}: loss ${(loss / steps).toFixed(4)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  let correct = 0;
  const probe = new Float32Array(BATCH * 784);
  for (let b = 0; b < opts.test; b += BATCH) {
    const n = Math.min(BATCH, opts.test - b);
    for (let p = 0; p < n * 784; p++) probe[p] = testX[b * 784 + p]!;
    const probs = await trainer.predictBatch(probe, n);
    for (let k = 0; k < n; k++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (probs[k * 10 + c]! > probs[k * 10 + best]!) best = c;
      if (best === testY[b + k]) correct++;
    }
  }
  await trainer.dispose();
  console.log(`Seed CNN, 28×28 gray, ${opts.train} Fashion-MNIST training images × ${opts.epochs} epochs (batch ${BATCH}, Adam 1e-3, ` +
    `${opts.threads} threads): test accuracy ${(100 * correct / opts.test).toFixed(1)}% on ${opts.test} test images; ` +
    `training ${seconds.toFixed(1)} s; load ${loadavg()[0]!.toFixed(1)}`);
}
