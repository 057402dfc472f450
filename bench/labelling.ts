// npm run bench:labelling — labelling from scratch with a simulated labeller (issue 17). A labelled
// data set is imported as unlabelled; the labeller knows the true classes and labels in batches of
// 50 in queue order; after each batch the suggestions are refreshed and scored. Random order depends
// on its seed (and active order on it too: k-means starts, samples), and both on which images are in
// the labelling pool, so every order is run with several seeds (each its own queue seed and evaluation
// sample) and reported as mean ± standard deviation (and the range) per batch.
// Two scores per batch:
// - "rest": accuracy of the suggestions on the still-unlabelled images of the labelling pool (the
//   issue's figure). It depends on WHICH images are left: an order that takes the hard images leaves
//   easy ones, and one that takes typical images leaves the odd ones.
// - "fixed": accuracy on a seeded sample (--eval-share of the set) that no order ever offers to the
//   labeller, so every order is scored on the same images.
// Reliability: of the suggestions shown at ≥ 90% confidence (all unlabelled images), the share right,
// pooled over the seeds; and the expected calibration error (10 bins). Also: labels needed to reach
// 90% of what all labels give, bulk acceptance at ≥ 90% after 300 labels, embedding throughput,
// suggest and queue time, map time. The load average is printed: the machine is shared.
//   npm run bench:labelling -- [--sets demo,fashion] [--backbones centernet,mobilenet] [--max-labels 500]
//     [--seeds 5] [--orders active,random] [--eval-share 0.2] [--fashion-per-class 100]
//     [--batch 50] [--save FILE.json]
//   --orders: active, random, typical (TypiClust alone), uncertain (Zhdanov alone once there are
//   suggestions), active:M (switch at M labels per class); each is compared with the last one.
//   --save adds every seed's curve to FILE.json.
//     [--map-sizes 2000,20000] [--workspace DIR] [--workspace-dir DIR]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/index.js';
import { assignLabels } from '../src/main/core/datasets/labels.js';
import { embedDataset } from '../src/main/core/embeddings/embed.js';
import { pixelEmbeddings } from '../src/main/core/embeddings/embedding-store.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { hashString, mulberry32, shuffleInPlace } from '../src/main/core/platform/random.js';
import { listSuggestions } from '../src/main/core/suggestions/accept.js';
import { layoutPoints } from '../src/main/core/suggestions/map.js';
import { nextInQueue } from '../src/main/core/suggestions/queue.js';
import { refreshSuggestions } from '../src/main/core/suggestions/refresh.js';
import type { PixelBackboneName } from '../src/main/core/embeddings/backbones.js';
import { writeFashionMnist } from './fashion-mnist.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const sets = arg('sets', 'demo,fashion').split(',');
const backbones = arg('backbones', 'centernet,mobilenet').split(',') as PixelBackboneName[];
const maxLabels = Number(arg('max-labels', '500'));
const seeds = Array.from({ length: Number(arg('seeds', '5')) }, (_, i) => i + 1);
const orders = arg('orders', 'active,random').split(',');
const evalShare = Number(arg('eval-share', '0.2'));
const batch = Number(arg('batch', '50'));
const saveTo = process.argv.includes('--save') ? arg('save', '') : null;

/** typical | uncertain force one method; active:M switches at M labels per class instead of the default. */
function activeOptions(order: string): Parameters<typeof nextInQueue>[2] {
  if (order === 'typical' || order === 'uncertain') return { phase: order };
  if (order.startsWith('active:')) return { typicalLabelsPerClass: Number(order.slice('active:'.length)) };
  return {};
}
const mapSizes = arg('map-sizes', '2000,20000').split(',').filter(Boolean).map(Number);
const root = arg('workspace', path.join(os.tmpdir(), 'facet-bench-labelling'));
await mkdir(root, { recursive: true });
const ws = Workspace.open(arg('workspace-dir', path.join(root, 'workspace')));
const core = new Core(ws);
const db = ws.db;
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const load = () => `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`;

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

interface Score {
  rest: number | null;
  fixed: number | null;
  /** Suggestions at ≥ 90% (all unlabelled images) and how many of them are right. */
  high: number;
  highRight: number;
  /** Expected calibration error over every suggestion, 10 equal-width bins. */
  ece: number | null;
}

function scoreSuggestions(datasetId: number, truth: Map<string, string>, fixed: Set<number>): Score {
  const items = listSuggestions(db, { datasetId }).items;
  const right = (s: (typeof items)[number]) => s.className === truthOf(truth, s.path);
  const share = (xs: typeof items) => (xs.length ? xs.filter(right).length / xs.length : null);
  const high = items.filter((s) => s.confidence >= 0.9);
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, right: 0 }));
  for (const s of items) {
    const b = bins[Math.min(9, Math.floor(s.confidence * 10))]!;
    b.n++;
    b.conf += s.confidence;
    b.right += right(s) ? 1 : 0;
  }
  return {
    rest: share(items.filter((s) => !fixed.has(s.imageId))),
    fixed: share(items.filter((s) => fixed.has(s.imageId))),
    high: high.length,
    highRight: high.filter(right).length,
    ece: items.length ? bins.reduce((e, b) => e + Math.abs(b.conf - b.right), 0) / items.length : null,
  };
}

interface Point extends Score {
  labels: number;
  suggestSeconds: number;
  queueSeconds: number;
  method: string;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const meanSd = (xs: number[]) => `${(mean(xs) * 100).toFixed(1)} ± ${(sd(xs) * 100).toFixed(1)}`;
const range = (xs: number[]) => `${(Math.min(...xs) * 100).toFixed(1)}–${(Math.max(...xs) * 100).toFixed(1)}`;

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
  console.log(load());

  // What all labels give: every image labelled, the head's cross-validated accuracy.
  reset(datasetId);
  const images = (await core.call('images/list', { datasetId })).items;
  assignLabels(db, datasetId, images.map((i) => ({ imageId: i.id, classId: classIds.get(truthOf(truth, i.path))! })));
  const full = refreshSuggestions(db, datasetId, { backbone });
  const ceiling = full.validationAccuracy ?? 0;
  console.log(`all ${full.labelled} labels: cross-validated accuracy ${pct(ceiling)} (head trained in ${full.seconds} s)`);

  // The fixed evaluation sample of a seed: drawn by path (image ids depend on the import's order), the
  // same for every order, never offered to the labeller. A new one per seed, so the mean is over
  // labelling pools as well as queue seeds (which images are in the pool moves k-means a lot).
  const byPath = [...images].sort((x, y) => x.path.localeCompare(y.path)).map((i) => i.id);
  const fixedOf = (seed: number) => new Set(shuffleInPlace([...byPath], mulberry32(hashString(`bench-eval:${name}:${seed}`))).slice(0, Math.round(images.length * evalShare)));
  const pool = images.length - fixedOf(seeds[0]!).size;
  console.log(`fixed evaluation sample: ${images.length - pool} images never offered to the labeller, drawn per seed; labelling pool: ${pool} · seeds ${seeds.join(', ')}`);

  const runs = new Map<string, Point[][]>();
  for (const order of orders) {
    const perSeed: Point[][] = [];
    for (const seed of seeds) {
      const fixed = fixedOf(seed);
      reset(datasetId);
      db.prepare('UPDATE datasets SET seed = ? WHERE id = ?').run(seed, datasetId);
      const curve: Point[] = [];
      let labelled = 0;
      while (labelled < Math.min(maxLabels, pool - batch)) {
        const started = performance.now();
        const q = nextInQueue(db, { datasetId, count: batch, strategy: order === 'random' ? 'random' : 'active', skip: [...fixed] }, activeOptions(order));
        const queueSeconds = (performance.now() - started) / 1000;
        assignLabels(db, datasetId, q.images.map((i) => ({ imageId: i.imageId, classId: classIds.get(truthOf(truth, i.path))! })));
        labelled += q.images.length;
        const s = refreshSuggestions(db, datasetId, { backbone });
        curve.push({ labels: labelled, ...scoreSuggestions(datasetId, truth, fixed), suggestSeconds: s.seconds, queueSeconds, method: q.method });
      }
      perSeed.push(curve);
    }
    runs.set(order, perSeed);
  }

  if (saveTo) {
    const saved = existsSync(saveTo) ? (JSON.parse(readFileSync(saveTo, 'utf8')) as Record<string, unknown>) : {};
    saved[`${name}/${backbone}/batch${batch}`] = { ceiling, seeds, runs: Object.fromEntries(runs) };
    writeFileSync(saveTo, JSON.stringify(saved));
  }
  // Every order against the last one (the baseline: random).
  const baseline = orders.at(-1)!;
  for (const order of orders.length > 1 ? orders.slice(0, -1) : orders) report(runs, order, baseline, ceiling);
  console.log(load());
}

function report(runs: Map<string, Point[][]>, a: string, b: string, ceiling: number): void {
  const at = (order: string, i: number) => runs.get(order)!.map((curve) => curve[i]!);
  const steps = runs.get(a)![0]!.length;
  console.log(`accuracy of the suggestions in %, mean ± sd over ${seeds.length} seeds (queue seed and evaluation sample) [min–max]; ≥90%: suggestions shown at ≥ 90% (mean count) and the share right (pooled); ECE: expected calibration error`);
  console.log(`labels | ${a}: rest | ${b}: rest | Δ rest | ${a}: fixed | ${b}: fixed | Δ fixed | seeds ${a} ≥ ${b}: rest · fixed | ${a} ≥90%: n, right | ${b} ≥90%: n, right | ECE ${a} / ${b} | ${a} method | queue s | suggest s`);
  const worseRest: string[] = [];
  const worseFixed: string[] = [];
  for (let i = 0; i < steps; i++) {
    const pa = at(a, i);
    const pb = at(b, i);
    const vals = (ps: Point[], k: 'rest' | 'fixed') => ps.map((p) => p[k] ?? 0);
    const dRest = mean(vals(pa, 'rest')) - mean(vals(pb, 'rest'));
    const dFixed = mean(vals(pa, 'fixed')) - mean(vals(pb, 'fixed'));
    if (dRest < 0) worseRest.push(`${pa[0]!.labels} (${(dRest * 100).toFixed(2)})`);
    if (dFixed < 0) worseFixed.push(`${pa[0]!.labels} (${(dFixed * 100).toFixed(2)})`);
    const high = (ps: Point[]) => {
      const n = ps.reduce((s, p) => s + p.high, 0);
      return `${Math.round(n / ps.length)}, ${n ? pct(ps.reduce((s, p) => s + p.highRight, 0) / n) : '–'}`;
    };
    const methods = [...new Set(pa.map((p) => p.method))].join('/');
    console.log(
      [
        String(pa[0]!.labels).padStart(6),
        `${meanSd(vals(pa, 'rest'))} [${range(vals(pa, 'rest'))}]`,
        `${meanSd(vals(pb, 'rest'))} [${range(vals(pb, 'rest'))}]`,
        `${dRest >= 0 ? '+' : ''}${(dRest * 100).toFixed(1)}`,
        `${meanSd(vals(pa, 'fixed'))} [${range(vals(pa, 'fixed'))}]`,
        `${meanSd(vals(pb, 'fixed'))} [${range(vals(pb, 'fixed'))}]`,
        `${dFixed >= 0 ? '+' : ''}${(dFixed * 100).toFixed(1)}`,
        `${pa.filter((p, k) => (p.rest ?? 0) >= (pb[k]!.rest ?? 0)).length}/${pa.length} · ${pa.filter((p, k) => (p.fixed ?? 0) >= (pb[k]!.fixed ?? 0)).length}/${pa.length}`,
        high(pa),
        high(pb),
        `${pct(mean(pa.map((p) => p.ece ?? 0)))} / ${pct(mean(pb.map((p) => p.ece ?? 0)))}`,
        methods,
        mean(pa.map((p) => p.queueSeconds)).toFixed(2),
        mean(pa.map((p) => p.suggestSeconds)).toFixed(1),
      ].join(' | '),
    );
  }
  const meanCurve = (order: string, k: 'rest' | 'fixed') => runs.get(order)![0]!.map((p, i) => ({ labels: p.labels, acc: mean(at(order, i).map((q) => q[k] ?? 0)) }));
  const needed = (order: string, k: 'rest' | 'fixed') => meanCurve(order, k).find((p) => p.acc >= 0.9 * ceiling)?.labels ?? `> ${maxLabels}`;
  console.log(`labels to reach 90% of all-labels accuracy (${pct(0.9 * ceiling)}), mean curves: rest ${a} ${needed(a, 'rest')} · ${b} ${needed(b, 'rest')}; fixed ${a} ${needed(a, 'fixed')} · ${b} ${needed(b, 'fixed')}`);
  const i300 = runs.get(a)![0]!.findIndex((p) => p.labels === 300);
  if (i300 >= 0) {
    const bulk = (order: string) => {
      const ps = at(order, i300);
      const n = ps.reduce((s, p) => s + p.high, 0);
      return `${Math.round(n / ps.length)} at ${n ? pct(ps.reduce((s, p) => s + p.highRight, 0) / n) : '–'} precise`;
    };
    console.log(`after 300 labels: rest ${a} ${meanSd(at(a, i300).map((p) => p.rest ?? 0))} · ${b} ${meanSd(at(b, i300).map((p) => p.rest ?? 0))} · bulk accept ≥ 90%: ${a} ${bulk(a)}, ${b} ${bulk(b)}`);
  }
  console.log(`${a} worse than ${b} (mean over seeds; Δ in points) after: rest ${worseRest.length ? worseRest.join(', ') : 'never'} · fixed ${worseFixed.length ? worseFixed.join(', ') : 'never'} labels`);
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
