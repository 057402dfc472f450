// npm run bench:embed — embedding passes on the demo set (600 generated faces): images/s of each
// backbone on 1 thread and on every core (up to 4 worker threads), the same code as `facet embed`
// (embedDataset, in this process), with the peak resident memory of each pass and the load average.
// Configurations alternate round by round, so a shared machine's load falls on each alike; the
// figures are the median of the rounds. CPU time (all threads) is printed too: on a machine where
// other sessions keep the cores busy, Linux's autogroup scheduler shares the CPU per session, not per
// thread, so more threads only help where cores are free; CPU seconds per image say what the work
// costs whatever the load. Then, with --transfer, a transfer run of the demo from no
// embeddings (the Train preset: 30 epochs, dropout 0.3), estimate first.
//   npm run bench:embed -- [--count 600] [--rounds 2] [--backbones mobilenet,centernet] [--transfer]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/index.js';
import { embeddingThreads } from '../src/main/core/embeddings/backbone-pool.js';
import type { PixelBackboneName } from '../src/main/core/embeddings/backbones.js';
import { embedDataset } from '../src/main/core/embeddings/embed.js';
import { generateDemo } from '../src/main/core/demo/generate.js';
import { Workspace } from '../src/main/core/platform/workspace.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const count = Number(arg('count', '600'));
const rounds = Number(arg('rounds', '2'));
const backbones = arg('backbones', 'mobilenet,centernet').split(',') as PixelBackboneName[];
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-bench-embed-'));
try {
  const root = path.join(dir, 'faces');
  await generateDemo({ out: root, count });
  const core = new Core(Workspace.open(path.join(dir, 'ws')));
  const { datasetId } = await core.call('datasets/import', { folder: root, groupBy: '^(id\\d+)_' });
  const db = core.workspace.db;
  const all = embeddingThreads();
  const threadCounts = [...new Set([1, all])];
  console.log(`demo: ${count} images · ${os.availableParallelism()} cores · threads tried: ${threadCounts.join(', ')} · load before: ${load()}`);
  const results = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const backbone of backbones) {
      for (const threads of threadCounts) {
        db.prepare('DELETE FROM embeddings WHERE backbone = ?').run(backbone);
        const before = load();
        // Peak resident memory of this process (its worker threads included) during the pass.
        let peak = 0;
        const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
        // CPU time of the whole process, every thread: what the pass costs whatever the machine's load.
        const cpu0 = process.cpuUsage();
        const s = await embedDataset(db, datasetId, { backbone, threads });
        const cpu = process.cpuUsage(cpu0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        clearInterval(sample);
        const rate = s.newlyEmbedded / s.seconds;
        const key = `${backbone} × ${threads}`;
        results.set(key, [...(results.get(key) ?? []), rate]);
        console.log(`round ${round} ${key.padEnd(15)} ${s.seconds.toFixed(1).padStart(6)} s  ${rate.toFixed(1).padStart(5)} images/s  cpu ${cpuSeconds.toFixed(1)} s (${(cpuSeconds / s.seconds).toFixed(2)} cores busy)  peak rss ${(peak / 2 ** 20).toFixed(0)} MB  load ${before} → ${load()}`);
      }
    }
  }
  console.log('\nmedian images/s (600 images, model loading included):');
  for (const [key, rates] of results) console.log(`  ${key.padEnd(15)} ${median(rates).toFixed(1)}`);

  if (process.argv.includes('--transfer')) {
    db.prepare('DELETE FROM embeddings').run();
    const hyperparameters = { preset: 'transfer' as const, backbone: backbones[0]!, epochs: 30, dropout: 0.3 };
    let started = performance.now();
    const estimate = await core.call('runs/estimate', { datasetId, hyperparameters });
    console.log(`\ntransfer (${hyperparameters.backbone}) estimate in ${((performance.now() - started) / 1000).toFixed(1)} s: ${estimate.text}`);
    started = performance.now();
    const run = await core.call('runs/start', { datasetId, hyperparameters });
    const done = await core.runs.wait(run.id);
    const wall = (performance.now() - started) / 1000;
    console.log(`transfer run ${done.status} in ${wall.toFixed(1)} s from no embeddings (load ${load()}); estimated ${estimate.seconds!.toFixed(0)} s`);
  }
  core.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
