// The transfer preset: a dense head (vector-head.ts) trained through the one epoch loop on the frozen
// embeddings of a pretrained backbone (embeddings/backbones.ts), stored per content hash. Images of
// the snapshot without a vector are embedded first, inside the run's job, by the same embedding pass
// as `facet embed`, reported as the run's 'preparing' phase; so are the augmented views of the training
// images when the run asks for them (augmented-views.ts). The backbone is never trained.
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError } from '../../../shared/errors.js';
import type { Hyperparameters, TransferBackbone } from '../../../shared/hyperparameters.js';
import type { Prediction } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import type { Tf, WeightSet } from '../platform/engine/types.js';
import { BACKBONE_SPECS, type Backbone } from '../embeddings/backbones.js';
import { decodeSquare, embedDataset } from '../embeddings/embed.js';
import { vectorsByHash } from '../embeddings/embedding-store.js';
import { embedViews, viewMatrix } from './augmented-views.js';
import { predictionOf } from './metrics.js';
import type { SnapshotItem } from './snapshots.js';
import { trainWithLoop, CancelledError, type LoopSetup, type TrainOptions, type TrainOutcome } from './epoch-loop.js';
import { buildVectorHead, predictVectors, prepareVectorHead, setModelWeights } from './vector-head.js';

export const transferDims = (backbone: TransferBackbone): number => BACKBONE_SPECS[backbone].dimensions;

/** Input(backbone dims) → Dense(denseUnits, relu) → Dropout → Dense(classes, softmax). */
export function buildTransferHead(tf: Tf, hp: Hyperparameters, numClasses: number): tfjs.Sequential {
  return buildVectorHead(tf, hp, transferDims(hp.backbone), numClasses, `transfer_${hp.backbone}_head`);
}

/** The head of a run with its trained weights. */
export function transferHeadWithWeights(tf: Tf, hp: Hyperparameters, numClasses: number, weights: WeightSet): tfjs.Sequential {
  const model = buildTransferHead(tf, hp, numClasses);
  const fits = weights.length === model.weights.length && weights.every((w, i) => w.shape.join('x') === model.weights[i]!.shape.join('x'));
  if (!fits) {
    model.dispose();
    throw new FacetError('internal', `The checkpoint does not fit the ${hp.backbone} transfer head.`, { field: 'run' });
  }
  setModelWeights(tf, model, weights);
  return model;
}

/** Stored vectors of the items, n·dims in item order; throws naming an image without one. */
export function transferMatrix(db: Database, backbone: TransferBackbone, items: SnapshotItem[]): Float32Array {
  const dims = transferDims(backbone);
  const byHash = vectorsByHash(db, backbone, items.map((i) => i.hash));
  const missing = items.filter((i) => !byHash.has(i.hash));
  if (missing.length > 0) {
    throw new FacetError('conflict', `${missing.length} of the run's ${items.length} images have no ${backbone} embedding (e.g. ${missing[0]!.path}): they could not be decoded or left the dataset.`, {
      field: 'backbone',
      hint: `Run \`facet embed DATASET --backbone ${backbone}\` to see which images fail, fix or exclude them, then train again.`,
    });
  }
  const x = new Float32Array(items.length * dims);
  items.forEach((it, i) => x.set(byHash.get(it.hash)!, i * dims));
  return x;
}

export async function trainTransferRun(db: Database, runId: number, opts: TrainOptions): Promise<TrainOutcome> {
  return trainWithLoop(db, runId, opts, async (setup) => {
    const { hp, snapshot, train, emit } = setup;
    const backbone = hp.backbone;
    const stored = vectorsByHash(db, backbone, snapshot.items.map((i) => i.hash));
    if (snapshot.items.some((i) => !stored.has(i.hash))) {
      // The dataset's embedding pass: skips images already embedded, saves batch by batch (a cancelled run keeps them).
      emit({ phase: 'preparing', epoch: 0, task: 'embedding', prepared: 0, toPrepare: 0 });
      const summary = await embedDataset(db, snapshot.datasetId, {
        backbone,
        signal: opts.signal,
        threads: opts.threads,
        workspaceDir: opts.workspaceDir,
        onProgress: (p) => emit({ phase: 'preparing', epoch: 0, task: 'embedding', prepared: p.done, toPrepare: p.total }),
      });
      if (summary.status === 'cancelled') throw new CancelledError();
    }
    const vectors = { train: transferMatrix(db, backbone, train), val: transferMatrix(db, backbone, setup.val), test: transferMatrix(db, backbone, setup.test) };
    const extraTrain = hp.augmentedViews > 0 ? await trainingViews(db, setup, opts) : undefined;
    const spec = BACKBONE_SPECS[backbone];
    return prepareVectorHead(setup, {
      dims: spec.dimensions,
      name: `transfer_${backbone}_head`,
      vectors,
      extraTrain,
      engine: { preset: 'transfer', backbone, backboneLabel: spec.label, augmentedViews: hp.augmentedViews, trainingVectors: train.length + (extraTrain?.labels.length ?? 0) },
    });
  });
}

/**
 * The augmented views of the training images only (val and test are measured on the pictures as
 * they are): embedded where not stored yet, inside the run's job, then read back as extra rows.
 */
async function trainingViews(db: Database, { hp, snapshot, train, emit }: LoopSetup, { signal, threads }: TrainOptions): Promise<{ vectors: Float32Array; labels: number[] }> {
  const root = getDataset(db, snapshot.datasetId).root;
  emit({ phase: 'preparing', epoch: 0, prepared: 0, toPrepare: 0, task: 'views' });
  const pass = await embedViews(db, train.map((t) => ({ hash: t.hash, path: t.path, absPath: path.join(root, t.path) })), {
    backbone: hp.backbone,
    augmentation: hp.augmentation,
    views: hp.augmentedViews,
    signal,
    threads,
    onProgress: (done, total) => emit({ phase: 'preparing', epoch: 0, prepared: done, toPrepare: total, task: 'views' }),
  });
  if (pass.status === 'cancelled') throw new CancelledError();
  return viewMatrix(db, hp.backbone, hp.augmentation, hp.augmentedViews, train);
}

/** Classifies photos: each is decoded as the embedding pass decodes, embedded by the backbone, then the head runs. */
export async function predictTransferPhotos(
  tf: Tf,
  head: tfjs.LayersModel,
  classes: string[],
  backbone: Backbone,
  files: string[],
  failed: { path: string; reason: string }[],
): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  const dims = backbone.spec.dimensions;
  for (const file of files) {
    let pixels: Buffer;
    try {
      pixels = await decodeSquare(file, backbone.spec.inputSize);
    } catch (error) {
      failed.push({ path: file, reason: `not a readable image: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    const [vector] = await backbone.embed(pixels, 1);
    predictions.push(predictionOf(file, classes, predictVectors(tf, head, vector!, 1, dims)));
  }
  return predictions;
}
