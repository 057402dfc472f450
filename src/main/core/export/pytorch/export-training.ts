// `facet export-training`: a run's recipe (or a dataset's, with given hyperparameters) as a folder a
// GPU machine or cluster runs with PyTorch: the snapshot's images, manifest.csv, recipe.json,
// train.py (torchrun / DistributedDataParallel) and a README with the commands.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { FacetError } from '../../../../shared/errors.js';
import { CheckedHyperparametersSchema, type Hyperparameters, type HyperparametersInput } from '../../../../shared/hyperparameters.js';
import { getDataset } from '../../datasets/queries.js';
import { decodeForModel } from '../../platform/engine/pixel-cache.js';
import { writeFileAtomic } from '../../platform/files/atomic.js';
import type { Database } from '../../platform/store/db.js';
import { RECIPE_FILE, RECIPE_IMAGES, RECIPE_MANIFEST, RESULT_DIR, type Recipe, type RecipeImageMode } from '../../training/recipe.js';
import { getRun } from '../../training/run-store.js';
import { createSnapshot, loadSnapshot, type Snapshot } from '../../training/snapshots.js';
import { csvLines } from '../csv.js';
import { appVersion } from '../export-run.js';
import { recipeReadme } from './readme.js';
import { TRAIN_PY } from './train-py.js';

export interface ExportTrainingOptions {
  runId?: number;
  datasetId?: number;
  /** With a dataset: the hyperparameters (defaults for the rest); with a run: overrides of its own. */
  hyperparameters?: HyperparametersInput;
  out: string;
  images?: RecipeImageMode;
  force?: boolean;
}

export interface ExportTrainingResult {
  out: string;
  recipe: string;
  script: string;
  runId: number | null;
  datasetId: number;
  snapshotId: number;
  images: number;
  imageMode: RecipeImageMode;
  splits: { train: number; val: number; test: number };
  failed: { path: string; reason: string }[];
  commands: { single: string; multi: string };
}

function checkOut(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new FacetError('invalid-argument', `${out} is a file, not a folder.`, { field: '--out', hint: 'Give a new or empty folder.' });
  if (!force && readdirSync(out).length > 0) {
    throw new FacetError('conflict', `The folder ${out} is not empty.`, { field: '--out', hint: 'Give a new or empty folder, or add --force to write into it.' });
  }
}

function settingsFor(db: Database, opts: ExportTrainingOptions): { snapshot: Snapshot; hp: Hyperparameters; name: string; runId: number | null } {
  if (opts.runId !== undefined) {
    const run = getRun(db, opts.runId);
    const hp = CheckedHyperparametersSchema.parse({ ...run.hyperparameters, ...opts.hyperparameters });
    return { snapshot: loadSnapshot(db, run.snapshotId), hp, name: run.name, runId: run.id };
  }
  if (opts.datasetId === undefined) throw new FacetError('invalid-argument', 'Give a run, or --dataset with the data set to export.', { field: 'RUN' });
  const dataset = getDataset(db, opts.datasetId);
  const hp = CheckedHyperparametersSchema.parse(opts.hyperparameters ?? {});
  return { snapshot: createSnapshot(db, dataset.id), hp, name: `${dataset.name} recipe`, runId: null };
}

/** images/SPLIT/CLASS/<file name>, made unique within the folder. */
function targetName(split: string, label: string, source: string, hash: string, ext: string, taken: Set<string>): string {
  const stem = path.posix.basename(source, path.posix.extname(source)).replace(/[^\w.-]+/g, '_') || hash.slice(0, 12);
  let name = `${split}/${label}/${stem}${ext}`;
  if (taken.has(name.toLowerCase())) name = `${split}/${label}/${stem}-${hash.slice(0, 8)}${ext}`;
  taken.add(name.toLowerCase());
  return name;
}

export async function exportTraining(db: Database, opts: ExportTrainingOptions): Promise<ExportTrainingResult> {
  const out = path.resolve(opts.out);
  checkOut(out, Boolean(opts.force));
  const { snapshot, hp, name, runId } = settingsFor(db, opts);
  if (hp.preset !== 'seed-cnn') {
    throw new FacetError('invalid-argument', `Only seed-cnn runs export as a PyTorch recipe; this one is ${hp.preset}.`, {
      field: 'RUN',
      hint: 'face-embedding and transfer runs train a small head in seconds on this machine: train them here.',
    });
  }
  const dataset = getDataset(db, snapshot.datasetId);
  for (const c of snapshot.classes) {
    if (c === '.' || c === '..' || c.includes('/') || c.includes('\\')) {
      throw new FacetError('invalid-argument', `The class name "${c}" cannot be a folder name.`, { field: 'class', hint: 'Rename the class (facet classes DATASET rename OLD NEW).' });
    }
  }
  const mode = opts.images ?? 'prepared';
  await fs.mkdir(path.join(out, RECIPE_IMAGES), { recursive: true });

  const channels = hp.colorMode === 'rgb' ? 3 : 1;
  const taken = new Set<string>();
  const rows: (string | number)[][] = [];
  const failed: ExportTrainingResult['failed'] = [];
  const limit = pLimit(4);
  const planned = snapshot.items.map((it) => {
    const ext = mode === 'prepared' ? '.png' : path.extname(it.path).toLowerCase();
    return { it, file: targetName(it.split, snapshot.classes[it.classIndex]!, it.path, it.hash, ext, taken) };
  });
  const done = new Set<string>();
  await Promise.all(
    planned.map(({ it, file }) =>
      limit(async () => {
        const src = path.join(dataset.root, it.path);
        const dest = path.join(out, RECIPE_IMAGES, ...file.split('/'));
        await fs.mkdir(path.dirname(dest), { recursive: true });
        try {
          if (mode === 'prepared') {
            // Facet's own decode (orientation, alpha on white, bilinear resize) as a lossless PNG: the
            // script reads exactly the pixels Facet trains on, so predictions can be compared closely.
            const raw = await decodeForModel(src, hp.imageSize, hp.colorMode);
            await writeFileAtomic(dest, await sharp(raw, { raw: { width: hp.imageSize, height: hp.imageSize, channels } }).png().toBuffer(), `the image ${file}`);
          } else if (mode === 'link') {
            await fs.rm(dest, { force: true });
            await fs.symlink(src, dest);
          } else {
            await fs.copyFile(src, dest);
          }
          done.add(file);
        } catch (error) {
          await fs.rm(dest, { force: true }).catch(() => undefined);
          const code = (error as NodeJS.ErrnoException).code;
          failed.push({ path: it.path, reason: code === 'ENOENT' ? 'the file is gone: rescan the dataset' : `cannot write it: ${code ?? (error as Error).message}` });
        }
      }),
    ),
  );
  if (failed.length > 0) {
    throw new FacetError('io', `${failed.length} of ${planned.length} images could not be exported (first: ${failed[0]!.path}: ${failed[0]!.reason}).`, {
      field: 'dataset',
      hint: 'A recipe needs every image of its snapshot: rescan the dataset and export again (a run is trained on exactly its snapshot).',
    });
  }
  const splits = { train: 0, val: 0, test: 0 };
  for (const { it, file } of planned) {
    if (!done.has(file)) continue;
    splits[it.split]++;
    rows.push([file, snapshot.classes[it.classIndex]!, it.classIndex, it.split, it.path, it.hash]);
  }
  await writeFileAtomic(path.join(out, RECIPE_MANIFEST), csvLines(['file', 'label', 'index', 'split', 'path', 'hash'], rows));

  const recipeId = createHash('sha256').update(`${snapshot.contentHash}\n${JSON.stringify(hp)}`).digest('hex').slice(0, 16);
  const recipe: Recipe = {
    format: 1,
    recipeId,
    facetVersion: appVersion(),
    framework: 'pytorch',
    datasetId: dataset.id,
    datasetName: dataset.name,
    snapshotId: snapshot.id,
    snapshotHash: snapshot.contentHash,
    runId,
    name,
    classes: snapshot.classes,
    hyperparameters: hp,
    images: mode,
    manifest: RECIPE_MANIFEST,
    imagesRoot: RECIPE_IMAGES,
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(path.join(out, RECIPE_FILE), `${JSON.stringify(recipe, null, 1)}\n`);
  const script = path.join(out, 'train.py');
  await writeFileAtomic(script, TRAIN_PY);
  await fs.chmod(script, 0o755).catch(() => undefined);
  await writeFileAtomic(path.join(out, 'README.md'), recipeReadme(recipe, splits));
  return {
    out,
    recipe: path.join(out, RECIPE_FILE),
    script,
    runId,
    datasetId: dataset.id,
    snapshotId: snapshot.id,
    images: rows.length,
    imageMode: mode,
    splits,
    failed,
    commands: { single: `python3 ${path.join(out, 'train.py')}`, multi: `torchrun --nproc_per_node 2 ${path.join(out, 'train.py')}` },
  };
}

export { RESULT_DIR };
