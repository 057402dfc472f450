// The face-embedding preset: a small dense head (Dense → Dropout → softmax, vector-head.ts) trained on
// the frozen 128-d face-api descriptors stored by face analysis, through the one epoch loop. Same run
// rows, epochs, checkpoints, test evaluation and predictions as the CNN presets; it trains in seconds.
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError } from '../../../shared/errors.js';
import type { FaceDetectorName } from '../../../shared/faces.js';
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import type { Prediction, PredictionFace } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { decodeUpright, EMBEDDING_NET, type FaceAnalyzer } from '../faces/analyzer.js';
import { embeddingsByHash } from '../faces/face-store.js';
import type { Tf, WeightSet } from '../platform/engine/types.js';
import { predictionOf } from './metrics.js';
import type { SnapshotItem } from './snapshots.js';
import { trainWithLoop, type TrainOptions, type TrainOutcome } from './epoch-loop.js';
import { reasonInWords } from '../../../shared/user-words.js';
import { buildVectorHead, predictVectors, prepareVectorHead, setModelWeights } from './vector-head.js';

export { DEFAULT_HEAD_DROPOUT, headDropout } from './vector-head.js';

export const EMBEDDING_SIZE = 128;

/** Input(128) → Dense(denseUnits, relu) → Dropout → Dense(classes, softmax). */
export function buildEmbeddingHead(tf: Tf, hp: Hyperparameters, numClasses: number): tfjs.Sequential {
  return buildVectorHead(tf, hp, EMBEDDING_SIZE, numClasses, 'face_embedding_head');
}

/** Why a checkpoint's weights do not fit the model, or null when they do (same count and shapes, in model.weights order). */
function checkpointMismatch(model: tfjs.LayersModel, weights: WeightSet): string | null {
  if (weights.length !== model.weights.length) return `${weights.length} weight tensors, the head has ${model.weights.length}`;
  const i = weights.findIndex((w, j) => w.shape.join('x') !== model.weights[j]!.shape.join('x'));
  return i < 0 ? null : `weight ${weights[i]!.name} has shape [${weights[i]!.shape}], the head expects [${model.weights[i]!.shape}]`;
}

/** The head of a run with its trained weights. */
export function embeddingHeadWithWeights(tf: Tf, hp: Hyperparameters, numClasses: number, weights: WeightSet): tfjs.Sequential {
  const model = buildEmbeddingHead(tf, hp, numClasses);
  const mismatch = checkpointMismatch(model, weights);
  if (mismatch) {
    model.dispose();
    throw new FacetError('internal', `The checkpoint does not fit the face-embedding head: ${mismatch}.`, { field: 'run' });
  }
  setModelWeights(tf, model, weights);
  return model;
}

/** Embeddings of the snapshot's images, n·128 in item order; throws when an image has none. */
function embeddingMatrix(db: Database, items: SnapshotItem[]): Float32Array {
  const byHash = embeddingsByHash(db, items.map((i) => i.hash));
  const missing = items.filter((i) => !byHash.has(i.hash));
  if (missing.length > 0) {
    throw new FacetError('conflict', `${missing.length} of the run's ${items.length} images have no face analysis (e.g. ${missing[0]!.path}).`, {
      field: 'preset',
      hint: 'Run `facet faces DATASET` first, then start the face-embedding run again.',
    });
  }
  const x = new Float32Array(items.length * EMBEDDING_SIZE);
  items.forEach((it, i) => x.set(byHash.get(it.hash)!, i * EMBEDDING_SIZE));
  return x;
}

function predict(tf: Tf, model: tfjs.LayersModel, x: Float32Array, n: number): Float32Array {
  return predictVectors(tf, model, x, n, EMBEDDING_SIZE);
}

export async function trainEmbeddingRun(db: Database, runId: number, opts: TrainOptions): Promise<TrainOutcome> {
  return trainWithLoop(db, runId, opts, (setup) =>
    prepareVectorHead(setup, {
      dims: EMBEDDING_SIZE,
      name: 'face_embedding_head',
      vectors: { train: embeddingMatrix(db, setup.train), val: embeddingMatrix(db, setup.val), test: embeddingMatrix(db, setup.test) },
      engine: { preset: 'face-embedding', embeddingNet: EMBEDDING_NET.net },
    }),
  );
}

export interface FaceAnalysisSettings {
  detector: FaceDetectorName;
  minScore: number;
}

/**
 * The detector and minimum score the run's images were analysed with (the most frequent among
 * their stored analyses), so a new photo is analysed the way the training photos were; ssd at 0.5,
 * the analyser's defaults, when none is recorded.
 */
export function faceAnalysisSettings(db: Database, hashes: string[]): FaceAnalysisSettings {
  const stmt = db.prepare('SELECT detector, min_score AS minScore FROM face_analyses WHERE hash = ?');
  const counts = new Map<string, { settings: FaceAnalysisSettings; n: number }>();
  for (const hash of new Set(hashes)) {
    const row = stmt.get(hash) as FaceAnalysisSettings | undefined;
    if (!row) continue;
    const key = `${row.detector}:${row.minScore}`;
    const entry = counts.get(key) ?? { settings: { detector: row.detector, minScore: row.minScore }, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  return top?.settings ?? { detector: 'ssd', minScore: 0.5 };
}

/**
 * The descriptor training would have used for this photo (face-store's embeddingsByHash: the most
 * confident face's, else the whole upright picture's), from the same decode and analysis as
 * `facet faces`, with which face it came from.
 */
export async function photoDescriptor(analyzer: FaceAnalyzer, file: string): Promise<{ descriptor: Float32Array; face: PredictionFace }> {
  const analysis = await analyzer.analyse(await decodeUpright(file));
  const top = analysis.faces[0];
  const descriptor = top?.embedding ?? analysis.wholeEmbedding;
  if (!descriptor || descriptor.length !== EMBEDDING_SIZE) throw new Error('the face analyser returned no descriptor');
  return {
    descriptor,
    face: { found: analysis.faces.length, used: top ? { box: top.box, score: top.score } : null, width: analysis.width, height: analysis.height },
  };
}

/**
 * Classifies photos with a face-embedding head: each photo is analysed, and the head runs on its
 * descriptor. A photo that cannot be read or analysed goes to `failed`, never stopping the others.
 */
export async function predictPhotos(
  tf: Tf,
  head: tfjs.LayersModel,
  classes: string[],
  analyzer: FaceAnalyzer,
  files: string[],
  failed: { path: string; reason: string }[],
): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  for (const file of files) {
    let found: Awaited<ReturnType<typeof photoDescriptor>>;
    try {
      found = await photoDescriptor(analyzer, file);
    } catch (error) {
      failed.push({ path: file, reason: `not a readable image: ${reasonInWords(error)}` });
      continue;
    }
    predictions.push(predictionOf(file, classes, predict(tf, head, found.descriptor, 1), found.face));
  }
  return predictions;
}
