// `facet import-run DIR`: a recipe trained elsewhere with train.py (PyTorch, torchrun) back as a run
// of its data set and snapshot: its epochs, its weights converted into Facet's model, and a test
// evaluation by Facet's own engine that must agree with what the script reported.
import fs from 'node:fs';
import path from 'node:path';
import { FacetError } from '../../../shared/errors.js';
import { getDataset } from '../datasets/queries.js';
import { createStepTrainer } from '../platform/engine/index.js';
import { PixelCache } from '../platform/engine/pixel-cache.js';
import type { WeightSet } from '../platform/engine/types.js';
import { readSafetensors, type NamedTensor } from '../platform/files/safetensors.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { runDir, saveCheckpoint } from './checkpoint.js';
import { argmax, classificationMetrics } from './metrics.js';
import { BatchStream } from './pipeline.js';
import { MetricsFileSchema, readRecipeJson, RECIPE_FILE, RecipeSchema, RESULT_DIR, ResultSchema, TestFileSchema, type Recipe } from './recipe.js';
import { createRunRow, finishRun, recordEpoch, saveEvaluation } from './run-store.js';
import { loadSnapshot } from './snapshots.js';
import { initialWeights, predictAll } from './trainer.js';

/** Probabilities from the two engines on the same pixels differ by float rounding only (~1e-6). */
export const IMPORT_TOLERANCE = 1e-4;

export interface ImportRunOptions {
  dir: string;
  datasetId?: number;
  workspaceDir: string;
  cacheDir: string;
}

export interface ImportRunResult {
  runId: number;
  datasetId: number;
  snapshotId: number;
  test: { accuracy: number; loss: number } | null;
  reported: { accuracy: number | null; loss: number | null };
  agreement: {
    images: number;
    /** Largest |p_facet − p_script| over every test image and class. */
    maxProbabilityDifference: number;
    /** Test images whose predicted class differs between the two. */
    differentPredictions: number;
    tolerance: number;
    /** Only 'prepared' recipes feed both engines the same pixels, so only they are held to the tolerance. */
    checked: boolean;
    ok: boolean;
  };
  origin: { framework: 'pytorch'; torch: string; processes: number; device: string; host: string };
}

/** PyTorch's layouts → tfjs': conv OIHW → HWIO; the first dense layer's inputs from NCHW to NHWC flatten order. */
export function convertSeedCnnWeights(template: WeightSet, tensors: Map<string, NamedTensor>): WeightSet {
  const need = (name: string): NamedTensor => {
    const t = tensors.get(name);
    if (!t) throw new FacetError('invalid-argument', `The weights have no tensor "${name}".`, { field: 'DIR', hint: 'The result was not written by this recipe\'s train.py.' });
    return t;
  };
  const convs = template.filter((w) => w.shape.length === 4);
  const denses = template.filter((w) => w.shape.length === 2);
  if (denses.length !== 2) throw new FacetError('internal', 'The seed CNN is expected to end with two dense layers.');
  const out: WeightSet = [];
  const check = (name: string, got: number[], want: number[]) => {
    if (got.join('x') !== want.join('x')) {
      throw new FacetError('invalid-argument', `Tensor "${name}" has shape ${got.join('×')}, the recipe's model needs ${want.join('×')}.`, { field: 'DIR', hint: 'Was train.py or recipe.json changed after export?' });
    }
  };
  let channelsOut = 0;
  convs.forEach((w, i) => {
    const [kh, kw, cin, cout] = w.shape as [number, number, number, number];
    const t = need(`features.${3 * i}.weight`);
    check(`features.${3 * i}.weight`, t.shape, [cout, cin, kh, kw]);
    const data = new Float32Array(kh * kw * cin * cout);
    for (let o = 0; o < cout; o++) for (let c = 0; c < cin; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      data[((y * kw + x) * cin + c) * cout + o] = t.data[((o * cin + c) * kh + y) * kw + x]!;
    }
    const bias = need(`features.${3 * i}.bias`);
    check(`features.${3 * i}.bias`, bias.shape, [cout]);
    out.push({ name: w.name, shape: w.shape, data });
    out.push({ name: template[template.indexOf(w) + 1]!.name, shape: [cout], data: bias.data });
    channelsOut = cout;
  });
  const [dense, output] = denses as [WeightSet[number], WeightSet[number]];
  const [inputs, units] = dense.shape as [number, number];
  const side = Math.round(Math.sqrt(inputs / channelsOut));
  const t = need('dense.weight');
  check('dense.weight', t.shape, [units, inputs]);
  const data = new Float32Array(inputs * units);
  for (let h = 0; h < side; h++) for (let x = 0; x < side; x++) for (let c = 0; c < channelsOut; c++) {
    const nhwc = (h * side + x) * channelsOut + c;
    const nchw = (c * side + h) * side + x;
    for (let u = 0; u < units; u++) data[nhwc * units + u] = t.data[u * inputs + nchw]!;
  }
  out.push({ name: dense.name, shape: dense.shape, data });
  out.push({ name: template[template.indexOf(dense) + 1]!.name, shape: [units], data: need('dense.bias').data });
  const [hidden, classes] = output.shape as [number, number];
  const o = need('out.weight');
  check('out.weight', o.shape, [classes, hidden]);
  const od = new Float32Array(hidden * classes);
  for (let k = 0; k < classes; k++) for (let u = 0; u < hidden; u++) od[u * classes + k] = o.data[k * hidden + u]!;
  out.push({ name: output.name, shape: output.shape, data: od });
  out.push({ name: template[template.indexOf(output) + 1]!.name, shape: [classes], data: need('out.bias').data });
  if (out.length !== template.length) throw new FacetError('internal', `Converted ${out.length} tensors, the model has ${template.length}.`);
  return out;
}

function checkSnapshot(db: Database, recipe: Recipe, datasetId: number): void {
  getDataset(db, datasetId);
  let snapshot;
  try {
    snapshot = loadSnapshot(db, recipe.snapshotId);
  } catch {
    snapshot = null;
  }
  if (!snapshot || snapshot.datasetId !== datasetId || snapshot.contentHash !== recipe.snapshotHash) {
    throw new FacetError('not-found', `This workspace has no snapshot ${recipe.snapshotId} of data set "${recipe.datasetName}" with the recipe's images and labels.`, {
      field: 'DIR',
      hint: 'Import the run into the workspace the recipe was exported from (--workspace).',
    });
  }
}

export async function importRun(db: Database, opts: ImportRunOptions): Promise<ImportRunResult> {
  const dir = path.resolve(opts.dir);
  const recipe = readRecipeJson(path.join(dir, RECIPE_FILE), RecipeSchema, 'a Facet training recipe (recipe.json)');
  const resultDir = fs.existsSync(path.join(dir, RESULT_DIR, 'result.json')) ? path.join(dir, RESULT_DIR) : dir;
  const result = readRecipeJson(path.join(resultDir, 'result.json'), ResultSchema, 'the result train.py writes (result.json)');
  if (result.recipe !== recipe.recipeId) {
    throw new FacetError('conflict', `The result in ${resultDir} was trained from recipe ${result.recipe}, not this folder's ${recipe.recipeId}.`, { field: 'DIR', hint: 'Keep each result with its own recipe folder.' });
  }
  const metrics = readRecipeJson(path.join(resultDir, result.metrics), MetricsFileSchema, 'the per-epoch metrics train.py writes');
  const reported = readRecipeJson(path.join(resultDir, result.test), TestFileSchema, 'the test evaluation train.py writes');
  const { tensors } = readSafetensors(path.join(resultDir, result.weights));
  const datasetId = opts.datasetId ?? recipe.datasetId;
  checkSnapshot(db, recipe, datasetId);
  const snapshot = loadSnapshot(db, recipe.snapshotId);
  const hp = recipe.hyperparameters;
  const k = snapshot.classes.length;

  // One result is one run: importing the same result again would only duplicate it.
  const resultKey = `${result.recipe}:${result.host}:${result.seconds}`;
  const earlier = db.prepare(`SELECT id FROM runs WHERE json_extract(origin, '$.result') = ? AND status = 'completed'`).get(resultKey) as { id: number } | undefined;
  if (earlier) {
    throw new FacetError('conflict', `This result is already run ${earlier.id}.`, { field: 'DIR', hint: `See it with \`facet eval ${earlier.id}\`; delete that run first to import it again.` });
  }

  const { modelJson, weights: template } = await initialWeights(hp, k);
  const weights = convertSeedCnnWeights(template, tensors);
  const origin = { framework: 'pytorch' as const, torch: result.torch, processes: result.processes, device: result.device, host: result.host };
  const name = `${recipe.name} · PyTorch ${result.processes > 1 ? `${result.processes} processes` : '1 process'} (${result.device})`;
  const runId = createRunRow(db, datasetId, snapshot.id, name, hp);
  writeTransaction(db, () => {
    db.prepare(`UPDATE runs SET status = 'running', origin = ?, started_at = ? WHERE id = ?`).run(JSON.stringify({ ...origin, importedFrom: dir, result: resultKey }), nowIso(), runId);
  });
  try {
    const best = metrics.epochs.find((e) => e.epoch === result.bestEpoch) ?? null;
    for (const e of metrics.epochs) {
      recordEpoch(db, runId, e, e.epoch === result.bestEpoch ? { epoch: e.epoch, valLoss: e.valLoss, valAccuracy: e.valAccuracy } : null);
    }
    const last = metrics.epochs[metrics.epochs.length - 1]!;
    const meta = { epoch: last.epoch, bestEpoch: result.bestEpoch, bestValLoss: best?.valLoss ?? null, bestValAccuracy: best?.valAccuracy ?? null, staleEpochs: last.epoch - result.bestEpoch };
    const dirOfRun = runDir(opts.workspaceDir, runId);
    saveCheckpoint(dirOfRun, 'best', meta, weights);
    saveCheckpoint(dirOfRun, 'last', meta, weights);

    // Facet's own evaluation of the converted weights on the snapshot's test split.
    const test = snapshot.items.filter((i) => i.split === 'test');
    let facetTest: ImportRunResult['test'] = null;
    const agreement: ImportRunResult['agreement'] = { images: 0, maxProbabilityDifference: 0, differentPredictions: 0, tolerance: IMPORT_TOLERANCE, checked: recipe.images === 'prepared', ok: true };
    if (test.length > 0) {
      const dataset = getDataset(db, datasetId);
      const cache = new PixelCache(opts.cacheDir, hp.imageSize, hp.colorMode);
      await cache.ensure(test.map((it) => ({ hash: it.hash, absPath: path.join(dataset.root, it.path) })));
      const trainer = await createStepTrainer({ modelJson, initialWeights: weights, optimizer: { name: hp.optimizer, learningRate: hp.learningRate }, threads: 1 });
      let probs: Float32Array;
      try {
        probs = await predictAll(trainer, new BatchStream(cache, test.map((t) => ({ hash: t.hash, label: t.classIndex })), { batchSize: 64, shuffle: false, seed: hp.seed }), k);
      } finally {
        await trainer.dispose();
      }
      const m = classificationMetrics(probs, test.map((t) => t.classIndex), snapshot.classes);
      saveEvaluation(db, runId, 'test', m, test.map((t, i) => {
        const row = Array.from(probs.subarray(i * k, (i + 1) * k));
        const predicted = argmax(probs, i * k, k);
        return { imageId: t.imageId, label: t.classIndex, predicted, confidence: row[predicted]!, probabilities: row };
      }));
      facetTest = { accuracy: m.accuracy, loss: m.loss };
      // The script names images by their file in the recipe; manifest rows map them to snapshot paths.
      const byPath = new Map(test.map((t, i) => [t.path, i]));
      const fileToPath = manifestPaths(dir, recipe);
      for (const p of reported.predictions) {
        const i = byPath.get(fileToPath.get(p.file) ?? '');
        if (i === undefined || p.probabilities.length !== k) continue;
        agreement.images++;
        let diff = 0;
        for (let c = 0; c < k; c++) diff = Math.max(diff, Math.abs(p.probabilities[c]! - probs[i * k + c]!));
        agreement.maxProbabilityDifference = Math.max(agreement.maxProbabilityDifference, diff);
        if (argmax(Float32Array.from(p.probabilities), 0, k) !== argmax(probs, i * k, k)) agreement.differentPredictions++;
      }
      agreement.ok = !agreement.checked || (agreement.images === test.length && agreement.maxProbabilityDifference <= IMPORT_TOLERANCE);
    }
    finishRun(db, runId, 'completed');
    db.prepare('UPDATE runs SET train_seconds = ? WHERE id = ?').run(result.seconds, runId);
    return { runId, datasetId, snapshotId: snapshot.id, test: facetTest, reported: { accuracy: reported.accuracy, loss: reported.loss }, agreement, origin };
  } catch (error) {
    finishRun(db, runId, 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/** manifest.csv's file → original path column (the files are Facet-made names, no quoting needed). */
function manifestPaths(dir: string, recipe: Recipe): Map<string, string> {
  const lines = fs.readFileSync(path.join(dir, recipe.manifest), 'utf8').split(/\r?\n/).filter(Boolean);
  const header = parseCsvLine(lines[0] ?? '');
  const fileAt = header.indexOf('file');
  const pathAt = header.indexOf('path');
  const map = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const cells = parseCsvLine(line);
    map.set(cells[fileAt]!, cells[pathAt]!);
  }
  return map;
}

function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}
