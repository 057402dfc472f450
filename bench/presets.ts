// npm run bench:presets — seed-cnn (from scratch, on pixels) against transfer (a head on each pixel
// backbone's frozen embeddings) on the same snapshot: test accuracy, wall time (a transfer run's
// includes embedding every image, as a first run on a dataset does) and model size (the exported
// file: the seed CNN whole, the transfer head alone; its backbone stays in its npm package).
// Data sets: the generated demo (--count, default 600) and, when Debian's dataset-fashion-mnist is
// installed, 50 labelled images per class of Fashion-MNIST (10 classes).
//   npm run bench:presets -- [--count 600] [--epochs-cnn 20] [--epochs-head 30] [--no-fashion]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/index.js';
import { generateDemo } from '../src/main/core/demo/generate.js';
import { loadCheckpoint, runDir } from '../src/main/core/training/checkpoint.js';
import { createRunRow, getRunDetail } from '../src/main/core/training/run-store.js';
import { createSnapshot } from '../src/main/core/training/snapshots.js';
import { trainRun } from '../src/main/core/training/trainer.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { HyperparametersSchema, type HyperparametersInput } from '../src/shared/hyperparameters.js';
import { FASHION_SOURCE, writeFashionMnist } from './fashion-mnist.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const count = Number(arg('count', '600'));
const epochsCnn = Number(arg('epochs-cnn', '20'));
const epochsHead = Number(arg('epochs-head', '30'));

const PRESETS: { name: string; hp: HyperparametersInput }[] = [
  { name: 'seed-cnn 64 px', hp: { preset: 'seed-cnn', imageSize: 64, epochs: epochsCnn } },
  { name: 'transfer mobilenet', hp: { preset: 'transfer', backbone: 'mobilenet', epochs: epochsHead, dropout: 0.3 } },
  { name: 'transfer centernet', hp: { preset: 'transfer', backbone: 'centernet', epochs: epochsHead, dropout: 0.3 } },
];

async function benchSet(label: string, root: string, dir: string): Promise<string[][]> {
  const core = new Core(Workspace.open(path.join(dir, `ws-${label.replace(/\W+/g, '-')}`)));
  const ws = core.workspace;
  try {
    const summary = await core.call('datasets/import', { folder: root, name: label });
    const snap = createSnapshot(ws.db, summary.datasetId);
    const rows: string[][] = [];
    for (const p of PRESETS) {
      const runId = createRunRow(ws.db, summary.datasetId, snap.id, p.name, HyperparametersSchema.parse(p.hp));
      const started = performance.now();
      const outcome = await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir });
      const wall = (performance.now() - started) / 1000;
      const detail = getRunDetail(ws.db, runId);
      const weights = loadCheckpoint(runDir(ws.dir, runId), 'best')!.weights;
      const bytes = weights.reduce((s, w) => s + w.data.length * 4, 0);
      rows.push([label, p.name, `${detail.images.train}/${detail.images.val}/${detail.images.test}`, outcome.status, detail.test ? `${(detail.test.accuracy * 100).toFixed(1)}%` : '–', `${wall.toFixed(1)} s`, `${detail.trainSeconds.toFixed(1)} s`, `${(bytes / 1e6).toFixed(2)} MB`]);
      console.log(rows.at(-1)!.join(' | '));
    }
    return rows;
  } finally {
    await core.close();
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-bench-presets-'));
  const rows: string[][] = [];
  const demo = path.join(dir, 'demo');
  await generateDemo({ out: demo, count });
  rows.push(...(await benchSet(`demo ${count}`, demo, dir)));
  if (!process.argv.includes('--no-fashion') && fs.existsSync(FASHION_SOURCE)) {
    const fashion = path.join(dir, 'fashion');
    await writeFashionMnist(fashion, 50);
    rows.push(...(await benchSet('fashion-mnist 50/class', fashion, dir)));
  } else console.log(`Fashion-MNIST left out (${fs.existsSync(FASHION_SOURCE) ? '--no-fashion' : `${FASHION_SOURCE} missing`}).`);
  const head = ['data set', 'preset', 'train/val/test', 'status', 'test accuracy', 'wall time', 'epochs time', 'model size'];
  console.log(`\n| ${head.join(' | ')} |\n|${head.map(() => ' --- ').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nseed-cnn: ${epochsCnn} epochs; transfer: ${epochsHead} epochs, wall time including embedding every image (fresh workspace); epochs time: the epoch loop alone. Model size: float32 weights of the exported model (a transfer head without its backbone).`);
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
