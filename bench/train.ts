// npm run bench:train — one epoch of the seed CNN at 64×64 and 128×128 on generated data, through the
// real pipeline (pixel cache, streaming batches, augmentation, engine). Prints training images/s,
// the share of step time spent waiting for data (target < 10%) and peak RSS (target < 2 GB at
// 20,000 images, 128×128: `npm run bench:train -- --count 20000 --sizes 128`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { Core } from '../src/main/core/index.js';
import { createRunRow } from '../src/main/core/training/run-store.js';
import { createSnapshot } from '../src/main/core/training/snapshots.js';
import { trainRun } from '../src/main/core/training/trainer.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { HyperparametersSchema } from '../src/shared/hyperparameters.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const count = Number(arg('count', '640'));
const sizes = arg('sizes', '64,128').split(',').map(Number);
const threads = process.argv.includes('--threads') ? Number(arg('threads', '1')) : undefined;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

async function writeImages(root: string): Promise<void> {
  const limit = pLimit(4);
  const classes = ['a', 'b', 'c'];
  for (const c of classes) fs.mkdirSync(path.join(root, c), { recursive: true });
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const cls = classes[i % 3]!;
        const px = Buffer.alloc(256 * 256 * 3);
        let s = i * 2654435761;
        for (let p = 0; p < px.length; p += 3) {
          s = (s * 1103515245 + 12345) >>> 0;
          const v = (s >>> 24) & 0xff;
          px[p] = cls === 'a' ? v : v >> 1;
          px[p + 1] = cls === 'b' ? v : v >> 1;
          px[p + 2] = cls === 'c' ? v : v >> 1;
        }
        await sharp(px, { raw: { width: 256, height: 256, channels: 3 } }).jpeg({ quality: 85 }).toFile(path.join(root, cls, `img${i}.jpg`));
      }),
    ),
  );
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-bench-train-'));
  const root = path.join(dir, 'data');
  console.log(`Generating ${count} 256×256 JPEGs in ${root}…`);
  await writeImages(root);
  const core = new Core(Workspace.open(path.join(dir, 'ws')));
  const ws = core.workspace;
  const summary = await core.call('datasets/import', { folder: root, split: { train: 90, val: 5, test: 5 } });
  console.log(`Imported ${summary.imported} images (train ${summary.splits.train}).`);
  const rows: string[][] = [];
  for (const size of sizes) {
    const snap = createSnapshot(ws.db, summary.datasetId);
    const hp = HyperparametersSchema.parse({ imageSize: size, epochs: 1 });
    const runId = createRunRow(ws.db, summary.datasetId, snap.id, `bench ${size}`, hp);
    peakRss = process.memoryUsage().rss;
    const started = performance.now();
    let prepared = 0;
    const outcome = await trainRun(ws.db, runId, {
      workspaceDir: ws.dir,
      cacheDir: ws.cacheDir,
      threads,
      onProgress: (p) => {
        if (p.phase === 'preparing' && p.toPrepare) prepared = p.toPrepare;
      },
    });
    const wall = (performance.now() - started) / 1000;
    const epoch = outcome.epochs[0]!;
    const backend = (ws.db.prepare('SELECT backend, engine FROM runs WHERE id = ?').get(runId) as { backend: string; engine: string });
    rows.push([
      `${size}×${size}`,
      backend.backend,
      String((JSON.parse(backend.engine) as { threads: number }).threads),
      epoch.imagesPerSecond.toFixed(1),
      `${(outcome.dataWaitShare * 100).toFixed(1)}%`,
      `${(peakRss / 2 ** 20).toFixed(0)} MB`,
      `${wall.toFixed(1)} s (${prepared} decoded)`,
    ]);
  }
  clearInterval(sampler);
  const header = ['input', 'backend', 'threads', 'train img/s', 'data wait', 'peak RSS', 'wall (incl. cache fill)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\nSeed CNN, batch 32, 1 epoch over ${summary.splits.train} training images (augmentation: flip + rotation)`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
