// npm run bench:presets — every preset on the same snapshot: seed-cnn (64 and 128 px by default, from scratch on
// pixels), transfer (a head on each pixel backbone's frozen embeddings, with and without augmented
// views) and face-embedding (a head on face descriptors; the demo set only, the one with faces).
// Data sets: the generated demo (faces), a real-photo set made offline from Fashion-MNIST (Debian's
// dataset-fashion-mnist: 28×28 photos of clothes, 10 classes, default 80/10/10 split), and the
// small-label regime: 50 labelled images per class of Fashion-MNIST (40 train / 10 val), tested on
// held-out images of its test file so a few points are beyond noise.
// Wall time is split into the one-time preparation of each preset's input — decoding pixels into the
// cache (seed-cnn), embedding every image (transfer: shared with labelling, suggestions and the audit),
// embedding the augmented views of the training images (transfer with views: this preset's alone),
// face analysis (face-embedding) — and the run itself, which then finds its input prepared.
//   npm run bench:presets -- [--sets demo,fashion,small] [--count 600] [--fashion-per-class 100]
//     [--labelled 50] [--test-per-class 100] [--views 2] [--epochs-cnn 20] [--epochs-head 30] [--cnn-sizes 64,128]
//     [--json FILE] [--no-sweep] [--recipes]
// On the small-label set it also sweeps the number of augmented views (0, N, 2N) over three seeds, and
// with --recipes, N views drawn with gentler augmentations than the default flip + rotation 0.1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/index.js';
import { generateDemo } from '../src/main/core/demo/generate.js';
import { embedDataset } from '../src/main/core/embeddings/embed.js';
import { analyseDataset } from '../src/main/core/faces/analyse.js';
import { PixelCache } from '../src/main/core/platform/engine/pixel-cache.js';
import { mulberry32, shuffleInPlace } from '../src/main/core/platform/random.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { embedViews } from '../src/main/core/training/augmented-views.js';
import { loadCheckpoint, runDir } from '../src/main/core/training/checkpoint.js';
import { createRunRow, getRunDetail } from '../src/main/core/training/run-store.js';
import { createSnapshot, type Snapshot } from '../src/main/core/training/snapshots.js';
import { trainRun } from '../src/main/core/training/trainer.js';
import { HyperparametersSchema, type HyperparametersInput } from '../src/shared/hyperparameters.js';
import { FASHION_DIR, makeFashionSet } from './fashion-set.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const sets = arg('sets', 'demo,fashion,small').split(',');
const count = Number(arg('count', '600'));
const fashionPerClass = Number(arg('fashion-per-class', '100'));
const labelled = Number(arg('labelled', '50'));
const testPerClass = Number(arg('test-per-class', '100'));
const views = Number(arg('views', '2'));
const epochsCnn = Number(arg('epochs-cnn', '20'));
const epochsHead = Number(arg('epochs-head', '30'));
/** Image sizes of the seed-cnn rows (the preset's own default is 256 px, the original report's). */
const cnnSizes = arg('cnn-sizes', '64,128').split(',').map(Number);
const jsonOut = arg('json', '');

type Prep = { kind: 'pixels'; size: number } | { kind: 'embed'; backbone: 'mobilenet' | 'centernet'; views: number } | { kind: 'faces' };

interface Plan {
  name: string;
  hp: HyperparametersInput;
  prep: Prep;
}

const HEAD = { epochs: epochsHead, dropout: 0.3 };
const PLANS: Plan[] = [
  ...cnnSizes.map((size): Plan => ({ name: `seed-cnn ${size} px`, hp: { preset: 'seed-cnn', imageSize: size, epochs: epochsCnn }, prep: { kind: 'pixels', size } })),
  ...(['mobilenet', 'centernet'] as const).flatMap((backbone) =>
    [0, views].map((v): Plan => ({
      name: `transfer ${backbone}${v > 0 ? ` + ${v} views` : ''}`,
      hp: { preset: 'transfer', backbone, augmentedViews: v, ...HEAD },
      prep: { kind: 'embed', backbone, views: v },
    })),
  ),
  { name: 'face-embedding', hp: { preset: 'face-embedding', ...HEAD }, prep: { kind: 'faces' } },
];

interface Row {
  set: string;
  preset: string;
  splits: string;
  status: string;
  testAccuracy: number | null;
  testImages: number;
  /** One-time: pixels into the cache, every image embedded, or face analysis (shared beyond this preset for embeddings and faces). */
  prepSeconds: number;
  /** One-time, transfer with views only: the training images' augmented views embedded. */
  viewsSeconds: number;
  /** The run itself, its input prepared: setup, epochs, test evaluation. */
  runSeconds: number;
  /** The epoch loop's own time (runs row). */
  epochsSeconds: number;
  modelBytes: number;
  load1: number;
}

interface DataSet {
  label: string;
  make(dir: string): Promise<{ root: string; groupBy?: string }>;
  /** Sets the splits after import, when the default draw is not the experiment's. */
  splits?(core: Core, datasetId: number): void;
  faces: boolean;
  /** Also sweep the number of augmented views over seeds (the small-label regime). */
  sweep?: boolean;
}

const DATA_SETS: Record<string, DataSet> = {
  demo: {
    label: `demo ${count} (faces, 3 classes)`,
    faces: true,
    async make(dir) {
      const root = path.join(dir, 'demo');
      await generateDemo({ out: root, count });
      return { root, groupBy: '^(id\\d+)_' };
    },
  },
  fashion: {
    label: `Fashion-MNIST ${fashionPerClass}/class`,
    faces: false,
    async make(dir) {
      const root = path.join(dir, 'fashion');
      await makeFashionSet(root, { perClass: fashionPerClass, flipShare: 0, seed: 7 });
      return { root };
    },
  },
  small: {
    label: `Fashion-MNIST ${labelled} labelled/class`,
    faces: false,
    sweep: !process.argv.includes('--no-sweep'),
    async make(dir) {
      const root = path.join(dir, 'small');
      await makeFashionSet(root, { perClass: labelled, flipShare: 0, seed: 21 });
      await makeFashionSet(root, { perClass: testPerClass, flipShare: 0, seed: 22, file: 't10k', prefix: 'test-' });
      return { root };
    },
    // The labelled images: 80% train, 20% val per class (seeded); the held-out test-* images: test.
    splits(core, datasetId) {
      const db = core.workspace.db;
      const rows = db.prepare('SELECT id, path, class_id AS classId FROM images WHERE dataset_id = ? ORDER BY path').all(datasetId) as { id: number; path: string; classId: number }[];
      const update = db.prepare('UPDATE images SET split = ? WHERE id = ?');
      const byClass = new Map<number, number[]>();
      for (const r of rows) {
        if (path.basename(r.path).startsWith('test-')) update.run('test', r.id);
        else byClass.set(r.classId, [...(byClass.get(r.classId) ?? []), r.id]);
      }
      const random = mulberry32(5);
      for (const ids of byClass.values()) {
        const val = Math.round(ids.length * 0.2);
        shuffleInPlace(ids, random).forEach((id, i) => update.run(i < val ? 'val' : 'train', id));
      }
    },
  },
};

const seconds = (since: number) => (performance.now() - since) / 1000;
const load1 = () => Math.round(os.loadavg()[0]! * 100) / 100;

async function benchSet(set: DataSet, dir: string): Promise<Row[]> {
  const made = await set.make(dir);
  const core = new Core(Workspace.open(path.join(dir, `ws-${set.label.replace(/\W+/g, '-')}`)));
  const ws = core.workspace;
  try {
    const summary = await core.call('datasets/import', { folder: made.root, name: set.label, ...(made.groupBy ? { groupBy: made.groupBy } : {}) });
    set.splits?.(core, summary.datasetId);
    const snap: Snapshot = createSnapshot(ws.db, summary.datasetId);
    const train = snap.items.filter((i) => i.split === 'train');
    const splits = ['train', 'val', 'test'].map((s) => snap.items.filter((i) => i.split === s).length).join('/');
    console.log(`\n${set.label}: ${snap.items.length} images, ${snap.classes.length} classes, train/val/test ${splits}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const embedSeconds = new Map<string, number>();
    const rows: Row[] = [];
    for (const plan of PLANS) {
      if (plan.prep.kind === 'faces' && !set.faces) continue;
      // One-time preparation, timed on its own; the run then finds it done.
      let prepSeconds = 0;
      let viewsSeconds = 0;
      const started = performance.now();
      if (plan.prep.kind === 'pixels') {
        await new PixelCache(ws.cacheDir, plan.prep.size, 'rgb').ensure(snap.items.map((i) => ({ hash: i.hash, absPath: path.join(made.root, i.path) })));
        prepSeconds = seconds(started);
      } else if (plan.prep.kind === 'faces') {
        const faces = await analyseDataset(ws.db, summary.datasetId);
        prepSeconds = seconds(started);
        console.log(`  face analysis: ${faces.analysedImages} images, ${faces.faces} faces, ${faces.noFace} without one, ${prepSeconds.toFixed(1)} s`);
      } else {
        const { backbone } = plan.prep;
        if (!embedSeconds.has(backbone)) {
          const pass = await embedDataset(ws.db, summary.datasetId, { backbone });
          embedSeconds.set(backbone, seconds(started));
          console.log(`  ${backbone}: ${pass.newlyEmbedded} images embedded in ${embedSeconds.get(backbone)!.toFixed(1)} s (${((embedSeconds.get(backbone)! / pass.newlyEmbedded) * 1000).toFixed(0)} ms/image, ${pass.backend})`);
        }
        prepSeconds = embedSeconds.get(backbone)!;
        if (plan.prep.views > 0) {
          const hp = HyperparametersSchema.parse(plan.hp);
          const pass = await embedViews(ws.db, train.map((t) => ({ hash: t.hash, path: t.path, absPath: path.join(made.root, t.path) })), { backbone, augmentation: hp.augmentation, views: plan.prep.views });
          viewsSeconds = pass.seconds;
          console.log(`  ${backbone}: ${pass.embedded} augmented views of ${train.length} training images embedded in ${viewsSeconds.toFixed(1)} s (${((viewsSeconds / Math.max(pass.embedded, 1)) * 1000).toFixed(0)} ms/view)`);
        }
      }
      const runId = createRunRow(ws.db, summary.datasetId, snap.id, plan.name, HyperparametersSchema.parse(plan.hp));
      const runStarted = performance.now();
      const outcome = await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir });
      const runSeconds = seconds(runStarted);
      const detail = getRunDetail(ws.db, runId);
      const weights = loadCheckpoint(runDir(ws.dir, runId), 'best')?.weights ?? [];
      const row: Row = {
        set: set.label,
        preset: plan.name,
        splits,
        status: outcome.status,
        testAccuracy: detail.test?.accuracy ?? null,
        testImages: detail.test?.images ?? 0,
        prepSeconds,
        viewsSeconds,
        runSeconds,
        epochsSeconds: detail.trainSeconds,
        modelBytes: weights.reduce((s, w) => s + w.data.length * 4, 0),
        load1: load1(),
      };
      rows.push(row);
      console.log(`  ${cells(row).join(' | ')}`);
    }
    if (set.sweep) await sweepViews(core, summary.datasetId, snap, made.root);
    return rows;
  } finally {
    await core.close();
  }
}

/**
 * Do augmented views help? Heads with 0, `views` and 2·`views` views, over three seeds each (the
 * embeddings and views are stored by now, so each run is the head alone): mean test accuracy.
 */
async function sweepViews(core: Core, datasetId: number, snap: Snapshot, root: string): Promise<void> {
  const ws = core.workspace;
  const train = snap.items.filter((i) => i.split === 'train');
  console.log(`\n  augmented views sweep (${train.length} training images; test accuracy over seeds 1, 2, 3):`);
  for (const backbone of ['mobilenet', 'centernet'] as const) {
    for (const v of [0, views, 2 * views]) {
      let viewsSeconds = 0;
      let embedded = 0;
      if (v > 0) {
        const pass = await embedViews(ws.db, train.map((t) => ({ hash: t.hash, path: t.path, absPath: path.join(root, t.path) })), { backbone, augmentation: HyperparametersSchema.parse({}).augmentation, views: v });
        viewsSeconds = pass.seconds;
        embedded = pass.embedded;
      }
      const accuracies: number[] = [];
      let runSeconds = 0;
      for (const seed of [1, 2, 3]) {
        const runId = createRunRow(ws.db, datasetId, snap.id, `sweep ${backbone} ${v} views seed ${seed}`, HyperparametersSchema.parse({ preset: 'transfer', backbone, augmentedViews: v, seed, ...HEAD }));
        const started = performance.now();
        await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir });
        runSeconds += seconds(started);
        accuracies.push(getRunDetail(ws.db, runId).test?.accuracy ?? NaN);
      }
      console.log(`    ${backbone} ${v} views: ${spread(accuracies)}; head ${(runSeconds / 3).toFixed(1)} s a run${v > 0 ? `; ${embedded} more views embedded in ${viewsSeconds.toFixed(1)} s` : ''}; load ${load1()}`);
    }
    // --recipes: is it the recipe? `views` views drawn with gentler augmentations than the default.
    if (!process.argv.includes('--recipes')) continue;
    for (const [name, augmentation] of Object.entries(GENTLER_RECIPES)) {
      const pass = await embedViews(ws.db, train.map((t) => ({ hash: t.hash, path: t.path, absPath: path.join(root, t.path) })), { backbone, augmentation, views });
      const accuracies: number[] = [];
      for (const seed of [1, 2, 3]) {
        const runId = createRunRow(ws.db, datasetId, snap.id, `sweep ${backbone} ${name}`, HyperparametersSchema.parse({ preset: 'transfer', backbone, augmentedViews: views, augmentation, seed, ...HEAD }));
        await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir });
        accuracies.push(getRunDetail(ws.db, runId).test?.accuracy ?? NaN);
      }
      console.log(`    ${backbone} ${views} views, ${name}: ${spread(accuracies)}; views embedded in ${pass.seconds.toFixed(1)} s; load ${load1()}`);
    }
  }
}

const GENTLER_RECIPES = {
  'flip only': { flip: true, rotation: 0, zoom: 0, contrast: 0 },
  'flip + zoom 0.1': { flip: true, rotation: 0, zoom: 0.1, contrast: 0 },
  'flip + rotation 0.03 (±11°)': { flip: true, rotation: 0.03, zoom: 0, contrast: 0 },
};

/** Mean ± sample standard deviation of test accuracies, then each. */
function spread(accuracies: number[]): string {
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const sd = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / (accuracies.length - 1));
  return `${(mean * 100).toFixed(1)}% ± ${(sd * 100).toFixed(1)} (${accuracies.map((a) => (a * 100).toFixed(1)).join(', ')})`;
}

const pct = (a: number | null) => (a === null ? '–' : `${(a * 100).toFixed(1)}%`);
const s1 = (s: number) => `${s.toFixed(1)} s`;

function cells(r: Row): string[] {
  const prep = r.preset.startsWith('seed-cnn') ? `${s1(r.prepSeconds)} pixels` : r.preset === 'face-embedding' ? `${s1(r.prepSeconds)} faces` : `${s1(r.prepSeconds)} embed${r.viewsSeconds > 0 ? ` + ${s1(r.viewsSeconds)} views` : ''}`;
  const size = `${(r.modelBytes / 1e6).toFixed(2)} MB${r.preset.startsWith('transfer') ? ' + backbone' : ''}`;
  return [r.set, r.preset, r.splits, r.status, `${pct(r.testAccuracy)} of ${r.testImages}`, prep, s1(r.runSeconds), s1(r.prepSeconds + r.viewsSeconds + r.runSeconds), size, r.load1.toFixed(2)];
}

/** The issue's target, per data set: transfer trains in under a tenth of the seed CNN's time — without and with its one-time embedding. */
function targetLines(rows: Row[]): string[] {
  const lines: string[] = [];
  for (const set of [...new Set(rows.map((r) => r.set))]) {
    const of = (name: string) => rows.find((r) => r.set === set && r.preset === name);
    for (const cnnName of cnnSizes.map((size) => `seed-cnn ${size} px`)) {
      const cnn = of(cnnName);
      if (!cnn) continue;
      const cnnTime = cnn.runSeconds;
      for (const t of rows.filter((r) => r.set === set && r.preset.startsWith('transfer'))) {
        const alone = t.runSeconds / cnnTime;
        const withEmbedding = (t.prepSeconds + t.viewsSeconds + t.runSeconds) / (cnn.prepSeconds + cnnTime);
        const better = t.testAccuracy !== null && cnn.testAccuracy !== null ? (t.testAccuracy > cnn.testAccuracy ? 'more accurate' : t.testAccuracy === cnn.testAccuracy ? 'as accurate' : 'less accurate') : '?';
        lines.push(`${set}: ${t.preset} vs ${cnnName}: training ${alone.toFixed(3)}× (${alone < 0.1 ? 'under' : 'NOT under'} a tenth); with its one-time embedding ${withEmbedding.toFixed(2)}× (${withEmbedding < 0.1 ? 'under' : 'NOT under'} a tenth); ${better}`);
      }
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-bench-presets-'));
  console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
  const rows: Row[] = [];
  try {
    for (const name of sets) {
      const set = DATA_SETS[name];
      if (!set) throw new Error(`unknown data set ${name}: use demo, fashion, small`);
      if (name !== 'demo' && !fs.existsSync(FASHION_DIR)) {
        console.log(`${set.label} left out: ${FASHION_DIR} is missing (apt-get install dataset-fashion-mnist).`);
        continue;
      }
      rows.push(...(await benchSet(set, dir)));
      if (jsonOut) fs.writeFileSync(jsonOut, `${JSON.stringify(rows, null, 2)}\n`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const head = ['data set', 'preset', 'train/val/test', 'status', 'test accuracy', 'one-time prep', 'run', 'total', 'model size', 'load'];
  console.log(`\n| ${head.join(' | ')} |\n|${head.map(() => ' --- ').join('|')}|`);
  for (const r of rows) console.log(`| ${cells(r).join(' | ')} |`);
  console.log(`\nseed-cnn: ${epochsCnn} epochs (flip + rotation augmentation); heads: ${epochsHead} epochs, dropout 0.3; views: the default augmentation (flip, rotation 0.1).`);
  console.log('One-time prep: pixels decoded into the cache (seed-cnn), every image embedded (transfer; the same vectors serve labelling, suggestions and the audit), the training images\' augmented views embedded (transfer + views; this preset\'s own), face analysis (face-embedding). Run: the run with its input prepared (setup, epochs, test evaluation).');
  console.log('Model size: float32 weights of the exported model (a transfer head without its backbone, which stays in its npm package).');
  console.log('\nTarget "transfer trains in under a tenth of seed-CNN time":');
  for (const line of targetLines(rows)) console.log(`  ${line}`);
  console.log(`\nload average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
