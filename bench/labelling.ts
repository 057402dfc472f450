// npm run bench:labelling — labelling from scratch with a simulated labeller (issue 17). A labelled
// data set is imported as unlabelled; the labeller knows the true classes and labels in batches of
// 50 in queue order (active, then random); after each batch the suggestions are refreshed and scored
// on the still-unlabelled images. Also: labels needed to reach 90% of what all labels give, bulk
// acceptance at ≥ 90% confidence (precision, count), embedding throughput, suggest time, map time.
//   npm run bench:labelling -- [--sets demo,fashion] [--backbones centernet,mobilenet] [--max-labels 500]
//                               [--fashion-per-class 100] [--map-sizes 2000,20000] [--workspace DIR] [--workspace-dir DIR]
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/index.js';
import { assignLabels } from '../src/main/core/datasets/labels.js';
import { embedDataset } from '../src/main/core/embeddings/embed.js';
import { pixelEmbeddings } from '../src/main/core/embeddings/embedding-store.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { mulberry32 } from '../src/main/core/platform/random.js';
import { listSuggestions } from '../src/main/core/suggestions/accept.js';
import { layoutPoints } from '../src/main/core/suggestions/map.js';
import { nextInQueue } from '../src/main/core/suggestions/queue.js';
import { refreshSuggestions } from '../src/main/core/suggestions/refresh.js';
import type { PixelBackboneName } from '../src/main/core/embeddings/backbones.js';
import type { QueueStrategy } from '../src/shared/labelling.js';
import { writeFashionMnist } from './fashion-mnist.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const sets = arg('sets', 'demo,fashion').split(',');
const backbones = arg('backbones', 'centernet,mobilenet').split(',') as PixelBackboneName[];
const maxLabels = Number(arg('max-labels', '500'));
const batch = 50;
const mapSizes = arg('map-sizes', '2000,20000').split(',').filter(Boolean).map(Number);
const root = arg('workspace', path.join(os.tmpdir(), 'facet-bench-labelling'));
await mkdir(root, { recursive: true });
const ws = Workspace.open(arg('workspace-dir', path.join(root, 'workspace')));
const core = new Core(ws);
const db = ws.db;
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

/** A data set on disk and its true class per path. */
async function prepare(name: string): Promise<{ folder: string; truth: Map<string, string> }> {
  if (name === 'demo') {
    const demo = await core.call('demo/generate', { out: path.join(root, 'demo'), count: 600 });
    const manifest = JSON.parse(readFileSync(demo.manifest, 'utf8')) as { images: { path: string; trueClass: string }[] };
    return { folder: demo.out, truth: new Map(manifest.images.map((i) => [i.path, i.trueClass])) };
  }
  const folder = path.join(root, `fashion-${arg('fashion-per-class', '100')}`);
  if (!existsSync(folder)) await writeFashionMnist(folder, Number(arg('fashion-per-class', '100')));
  return { folder, truth: new Map() };
}

function truthOf(truth: Map<string, string>, p: string): string {
  return truth.get(p) ?? p.split('/')[0]!;
}

/** Every image back to unlabelled (labels, splits, suggestions, history of this dataset's edits kept). */
function reset(datasetId: number): void {
  db.prepare('UPDATE images SET class_id = NULL, split = NULL WHERE dataset_id = ?').run(datasetId);
  db.prepare('DELETE FROM suggestions WHERE dataset_id = ?').run(datasetId);
  db.prepare('DELETE FROM suggestion_outcomes WHERE dataset_id = ?').run(datasetId);
}

function scoreSuggestions(datasetId: number, truth: Map<string, string>) {
  const items = listSuggestions(db, { datasetId }).items;
  const right = items.filter((s) => s.className === truthOf(truth, s.path)).length;
  const high = items.filter((s) => s.confidence >= 0.9);
  const highRight = high.filter((s) => s.className === truthOf(truth, s.path)).length;
  return { accuracy: items.length ? right / items.length : null, high: high.length, highPrecision: high.length ? highRight / high.length : null, of: items.length };
}

interface Curve {
  labels: number;
  accuracy: number | null;
  cv: number | null;
  high: number;
  highPrecision: number | null;
  seconds: number;
}

async function simulate(name: string, folder: string, truth: Map<string, string>, backbone: PixelBackboneName): Promise<void> {
  const imported = await core.call('datasets/import', { folder, unlabelled: true });
  const datasetId = imported.datasetId;
  const classes = [...new Set([...(await core.call('images/list', { datasetId })).items.map((i) => truthOf(truth, i.path))])].sort();
  const classIds = new Map<string, number>();
  const existing = await core.call('classes/list', { datasetId });
  for (const c of classes) classIds.set(c, existing.find((e) => e.name === c)?.id ?? (await core.call('classes/add', { datasetId, name: c })).id);

  const embed = await embedDataset(db, datasetId, { backbone });
  const throughput = embed.newlyEmbedded > 0 ? `${(embed.newlyEmbedded / embed.seconds).toFixed(1)} images/s (${embed.newlyEmbedded} in ${embed.seconds} s on ${embed.backend})` : 'cached';
  console.log(`\n## ${name} · ${backbone} · ${imported.imported} images, ${classes.length} classes · embeddings ${embed.dimensions}-d: ${throughput}`);

  // What all labels give: every image labelled, the head's cross-validated accuracy.
  reset(datasetId);
  const images = (await core.call('images/list', { datasetId })).items;
  assignLabels(db, datasetId, images.map((i) => ({ imageId: i.id, classId: classIds.get(truthOf(truth, i.path))! })));
  const full = refreshSuggestions(db, datasetId, { backbone });
  const ceiling = full.validationAccuracy ?? 0;
  console.log(`all ${full.labelled} labels: cross-validated accuracy ${pct(ceiling)} (head trained in ${full.seconds} s)`);

  const curves = new Map<QueueStrategy, Curve[]>();
  for (const strategy of ['active', 'random'] as const) {
    reset(datasetId);
    const curve: Curve[] = [];
    let labelled = 0;
    while (labelled < Math.min(maxLabels, images.length - batch)) {
      const q = nextInQueue(db, { datasetId, count: batch, strategy });
      assignLabels(db, datasetId, q.images.map((i) => ({ imageId: i.imageId, classId: classIds.get(truthOf(truth, i.path))! })));
      labelled += q.images.length;
      const s = refreshSuggestions(db, datasetId, { backbone });
      const score = scoreSuggestions(datasetId, truth);
      curve.push({ labels: labelled, accuracy: score.accuracy, cv: s.validationAccuracy, high: score.high, highPrecision: score.highPrecision, seconds: s.seconds });
    }
    curves.set(strategy, curve);
  }
  const active = curves.get('active')!;
  const random = curves.get('random')!;
  console.log('labels | active: accuracy on the rest (≥90% conf: n, precision) | random: same | suggest s');
  active.forEach((a, i) => {
    const r = random[i]!;
    console.log(
      `${String(a.labels).padStart(6)} | ${pct(a.accuracy).padStart(6)} (${a.high}, ${pct(a.highPrecision)}) | ${pct(r.accuracy).padStart(6)} (${r.high}, ${pct(r.highPrecision)}) | ${a.seconds}`,
    );
  });
  const needed = (c: Curve[]) => c.find((p) => (p.accuracy ?? 0) >= 0.9 * ceiling)?.labels ?? null;
  const at300 = (c: Curve[]) => c.find((p) => p.labels === 300) ?? null;
  const worse = active.filter((a, i) => (a.accuracy ?? 0) < (random[i]!.accuracy ?? 0)).map((a) => a.labels);
  console.log(`labels to reach 90% of all-labels accuracy (${pct(0.9 * ceiling)}): active ${needed(active) ?? `> ${maxLabels}`} · random ${needed(random) ?? `> ${maxLabels}`}`);
  const a3 = at300(active);
  const r3 = at300(random);
  if (a3 && r3) {
    console.log(`after 300 labels: active ${pct(a3.accuracy)} · random ${pct(r3.accuracy)} · bulk accept ≥ 90%: active ${a3.high} at ${pct(a3.highPrecision)} precise, random ${r3.high} at ${pct(r3.highPrecision)}`);
  }
  console.log(`active worse than random after: ${worse.length ? worse.join(', ') : 'never'} labels`);
}

for (const name of sets) {
  const { folder, truth } = await prepare(name);
  for (const backbone of backbones) await simulate(name, folder, truth, backbone);
}

// Map time: real embeddings of the first set, jittered copies up to each size (UMAP's cost depends
// on the count and the dimensions, not on where the vectors came from).
const source = pixelEmbeddings(db, 1, backbones[0]!).map((v) => v.vector);
if (source.length > 0) {
  const random = mulberry32(1);
  for (const size of mapSizes) {
    const vectors = Array.from({ length: size }, (_, i) => Float32Array.from(source[i % source.length]!, (x) => x + (random() - 0.5) * 0.05 * (Math.abs(x) + 0.01)));
    const started = performance.now();
    layoutPoints(vectors, 42);
    console.log(`map: ${size} points (${source[0]!.length}-d → PCA 50 → UMAP) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
await core.close();
if (process.argv.includes('--clean')) await rm(root, { recursive: true, force: true });
