// The work of one audit, run inside its own process: K small models trained on K−1 folds each, so
// every image is predicted by the model that never saw it (out-of-sample probabilities, which
// confident learning needs), plus dHashes for near-duplicates. Reuses the training engine: the pixel
// cache, the batch stream and the step trainer.
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { HyperparametersSchema } from '../../../shared/hyperparameters.js';
import type { AuditProgress, AuditSettings, Leak } from '../../../shared/quality.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { createStepTrainer } from '../platform/engine/index.js';
import type { StepTrainer } from '../platform/engine/types.js';
import { PixelCache } from '../platform/engine/pixel-cache.js';
import { BatchStream, type Sample } from '../training/pipeline.js';
import { CancelledError, initialWeights, predictAll } from '../training/trainer.js';
import {
  auditClasses,
  finishAudit,
  getAudit,
  loadAuditItems,
  loadAuditProbabilities,
  markAuditRunning,
  saveAuditFindings,
  saveFoldProbabilities,
  type AuditItem,
} from './audit-store.js';
import { dHash } from './dhash.js';
import { saveEmbeddingProbabilities } from './audit-embeddings.js';
import { classImbalance, conflictingDuplicates, crossSplitCandidates, pixelCorrelation, type AuditedImage, type LeakCandidate } from './findings.js';

export interface AuditRunOptions {
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
}

export interface AuditOutcome {
  status: 'completed' | 'cancelled';
  seconds: number;
}

/** The seed CNN with the audit's small settings, as hyperparameters the model builder understands. */
export function foldHyperparameters(s: AuditSettings, fold: number) {
  return HyperparametersSchema.parse({
    imageSize: s.imageSize,
    colorMode: s.colorMode,
    batchSize: s.batchSize,
    epochs: s.epochs,
    learningRate: s.learningRate,
    filters: s.filters,
    denseUnits: s.denseUnits,
    seed: (s.seed + fold * 7919) % 2 ** 31,
    augmentation: { flip: s.flip, rotation: 0, zoom: 0, contrast: 0 },
  });
}

const toSamples = (items: AuditItem[]): Sample[] => items.map((it) => ({ hash: it.hash, label: it.classIndex }));

export async function runAudit(db: Database, auditId: number, opts: AuditRunOptions): Promise<AuditOutcome> {
  const started = performance.now();
  const audit = getAudit(db, auditId);
  // A resumed audit keeps the time its earlier attempts recorded (a killed process records none).
  const earlierSeconds = audit.seconds ?? 0;
  const s = audit.settings;
  const classes = auditClasses(db, auditId);
  const k = classes.length;
  const dataset = getDataset(db, audit.datasetId);
  const items = loadAuditItems(db, auditId);
  const base = { auditId, folds: s.folds, epochs: s.epochs, fold: 0, epoch: 0, batch: 0, batches: 0, loss: null, accuracy: null };
  const emit = opts.onProgress ?? (() => {});
  const check = () => {
    if (opts.signal?.aborted) throw new CancelledError();
  };

  try {
    db.prepare(`UPDATE audits SET status = 'running', pid = ? WHERE id = ?`).run(process.pid, auditId);
    const cache = new PixelCache(opts.cacheDir, s.imageSize, s.colorMode);
    await cache.ensure(
      items.map((it) => ({ hash: it.hash, absPath: path.join(dataset.root, it.path) })),
      (done, total) => emit({ ...base, phase: 'preparing', done, total }),
    );
    check();

    const dhashes = await ensureDHashes(db, dataset.root, items, (done, total) => emit({ ...base, phase: 'hashing', done, total }), opts.signal);
    const refs: AuditedImage[] = items.map((it) => ({
      imageId: it.imageId,
      path: it.path,
      hash: it.hash,
      split: it.split,
      label: classes[it.classIndex]!.name,
      dhash: dhashes.get(it.hash) ?? null,
    }));
    saveAuditFindings(db, auditId, {
      duplicates: conflictingDuplicates(refs),
      leaks: await confirmLeaks(cache, crossSplitCandidates(refs, s.nearDuplicateDistance), s.nearDuplicateCorrelation),
      imbalance: classImbalance(
        classes.map((c, i) => ({ class: c.name, count: items.filter((it) => it.classIndex === i).length })),
        s.rareClassShare,
      ),
    });

    // Resuming: a fold whose held-out images all have stored probabilities is done. Each fold is
    // seeded, so the folds trained now give what they would have given in one go.
    const predicted = loadAuditProbabilities(db, auditId);
    let marked = false;
    for (let fold = 0; fold < s.folds; fold++) {
      check();
      const train = items.filter((it) => it.fold !== fold);
      const held = items.filter((it) => it.fold === fold);
      if (held.length === 0 || held.every((it) => predicted.has(it.imageId))) continue;
      const hp = foldHyperparameters(s, fold);
      const { modelJson, weights } = await initialWeights(hp, k);
      const trainer = await createStepTrainer({ modelJson, initialWeights: weights, optimizer: { name: 'adam', learningRate: s.learningRate }, threads: s.threads });
      try {
        if (!marked) markAuditRunning(db, auditId, process.pid, trainer.info.backend, trainer.info);
        marked = true;
        await trainFold(trainer, cache, train, hp, fold, base, emit, check);
        emit({ ...base, phase: 'predicting', fold: fold + 1, epoch: s.epochs });
        const heldStream = new BatchStream(cache, toSamples(held), { batchSize: Math.max(64, s.batchSize), shuffle: false, seed: hp.seed });
        const probs = await predictAll(trainer, heldStream, k, opts.signal);
        saveFoldProbabilities(
          db,
          auditId,
          held.map((it, i) => ({ imageId: it.imageId, probabilities: Array.from(probs.subarray(i * k, (i + 1) * k)) })),
        );
      } finally {
        await trainer.dispose();
      }
    }
    check();
    // A second opinion from pretrained embeddings, where every image has one (seconds of work).
    saveEmbeddingProbabilities(db, auditId);
    const seconds = earlierSeconds + (performance.now() - started) / 1000;
    finishAudit(db, auditId, 'completed', null, seconds);
    emit({ ...base, phase: 'done', fold: s.folds, epoch: s.epochs });
    return { status: 'completed', seconds };
  } catch (error) {
    const seconds = earlierSeconds + (performance.now() - started) / 1000;
    if (error instanceof CancelledError) {
      finishAudit(db, auditId, 'cancelled', null, seconds);
      return { status: 'cancelled', seconds };
    }
    finishAudit(db, auditId, 'failed', error instanceof Error ? error.message : String(error), seconds);
    throw error;
  }
}

async function trainFold(
  trainer: StepTrainer,
  cache: PixelCache,
  train: AuditItem[],
  hp: ReturnType<typeof foldHyperparameters>,
  fold: number,
  base: Omit<AuditProgress, 'phase'>,
  emit: (p: AuditProgress) => void,
  check: () => void,
): Promise<void> {
  const stream = new BatchStream(cache, toSamples(train), { batchSize: hp.batchSize, shuffle: true, seed: hp.seed, augmentation: hp.augmentation });
  const batches = stream.batchesPerEpoch;
  let lastEmit = 0;
  for (let epoch = 1; epoch <= hp.epochs; epoch++) {
    let seen = 0;
    let lossSum = 0;
    let correct = 0;
    for await (const batch of stream.epoch(epoch)) {
      check();
      const r = await trainer.trainBatch(batch.x, batch.y, batch.n);
      seen += batch.n;
      lossSum += r.loss * batch.n;
      correct += r.accuracy * batch.n;
      const now = performance.now();
      if (now - lastEmit > 250 || batch.index + 1 === batches) {
        lastEmit = now;
        emit({ ...base, phase: 'training', fold: fold + 1, epoch, batch: batch.index + 1, batches, loss: lossSum / seen, accuracy: correct / seen });
      }
    }
  }
}

/** The candidates whose pixels (from the pixel cache) correlate at least `minCorrelation`; at most `limit`. */
async function confirmLeaks(cache: PixelCache, candidates: LeakCandidate[], minCorrelation: number, limit = 1000): Promise<Leak[]> {
  const pixels = new Map<string, Uint8Array>();
  const read = async (hash: string) => {
    let px = pixels.get(hash);
    if (!px) {
      px = new Uint8Array(cache.bytesPerImage);
      await cache.read(hash, px);
      pixels.set(hash, px);
    }
    return px;
  };
  const leaks: Leak[] = [];
  for (const c of candidates) {
    const correlation = c.exact ? 1 : pixelCorrelation(await read(c.a.hash), await read(c.b.hash));
    if (correlation >= minCorrelation) leaks.push({ ...c, correlation: Math.round(correlation * 1e4) / 1e4 });
    if (leaks.length >= limit) break;
  }
  return leaks;
}

/** dHash of every image not hashed before (cached by content hash in image_dhashes). Unreadable files get none. */
async function ensureDHashes(
  db: Database,
  root: string,
  items: AuditItem[],
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  const get = db.prepare('SELECT dhash FROM image_dhashes WHERE hash = ?');
  const missing: AuditItem[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.hash)) continue;
    seen.add(it.hash);
    const row = get.get(it.hash) as { dhash: string } | undefined;
    if (row) known.set(it.hash, row.dhash);
    else missing.push(it);
  }
  const limit = pLimit(Math.max(2, os.availableParallelism()));
  let done = 0;
  onProgress(0, missing.length);
  const computed: [string, string][] = [];
  await Promise.all(
    missing.map((it) =>
      limit(async () => {
        if (signal?.aborted) return;
        try {
          computed.push([it.hash, await dHash(path.join(root, it.path))]);
        } catch {
          // The file changed or vanished since the import: no near-duplicate check for it.
        }
        onProgress(++done, missing.length);
      }),
    ),
  );
  if (signal?.aborted) throw new CancelledError();
  const ins = db.prepare('INSERT OR REPLACE INTO image_dhashes (hash, dhash) VALUES (?, ?)');
  db.transaction(() => computed.forEach(([h, d]) => ins.run(h, d)))();
  for (const [h, d] of computed) known.set(h, d);
  return known;
}
