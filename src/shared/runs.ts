// Domain types of training: runs, their epochs, evaluations and the progress events they stream.
import type { ErrorPayload } from './errors.js';
import type { FaceBox } from './faces.js';
import type { Hyperparameters } from './hyperparameters.js';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** A run trained with the exported PyTorch recipe on another machine, then imported. */
export interface RunOrigin {
  framework: 'pytorch';
  torch: string;
  processes: number;
  device: string;
  host: string;
  importedFrom: string;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  imagesPerSecond: number;
}

export interface PerClassMetrics {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  id: number;
  runId: number;
  split: 'test' | 'val';
  loss: number;
  accuracy: number;
  /** confusion[true][predicted], rows and columns in `classes` order. */
  confusion: number[][];
  classes: string[];
  perClass: PerClassMetrics[];
  images: number;
  createdAt: string;
}

export interface Run {
  id: number;
  datasetId: number;
  datasetName: string;
  snapshotId: number;
  name: string;
  preset: string;
  hyperparameters: Hyperparameters;
  backend: BackendName | null;
  /** Why this backend, as the engine said it. */
  engineReason: string | null;
  /** Where a run trained elsewhere came from (`facet import-run`); null for runs trained here. */
  origin: RunOrigin | null;
  status: RunStatus;
  error: string | null;
  epochsDone: number;
  bestEpoch: number | null;
  bestValLoss: number | null;
  bestValAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  trainSeconds: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  classes: string[];
  images: { train: number; val: number; test: number };
}

/**
 * Wall-clock seconds of the run's latest start (or resume) until now while it is live, or until it
 * ended; null for runs trained elsewhere or never started. The live panel ticks with it, so it moves
 * between epochs, and stops when the run does.
 */
export function runElapsedSeconds(run: Pick<Run, 'status' | 'startedAt' | 'finishedAt' | 'origin'>, nowMs: number): number | null {
  if (run.origin || !run.startedAt) return null;
  const live = run.status === 'queued' || run.status === 'running';
  const end = live ? nowMs : run.finishedAt ? Date.parse(run.finishedAt) : null;
  if (end === null) return null;
  return Math.max(0, (end - Date.parse(run.startedAt)) / 1000);
}

export interface RunDetail extends Run {
  epochs: EpochMetrics[];
  test: Evaluation | null;
}

export interface TrainProgress {
  runId: number;
  phase: 'preparing' | 'training' | 'validating' | 'evaluating' | 'done';
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Running means over the epoch so far. */
  loss: number | null;
  accuracy: number | null;
  imagesPerSecond: number | null;
  etaSeconds: number | null;
  /**
   * Preparing: what the run is doing before its first batch — decoding images into the pixel cache,
   * embedding them with a pretrained backbone, embedding augmented views of the training images (once
   * per view), or building the model; absent while the process starts.
   */
  task?: 'decoding' | 'embedding' | 'views' | 'model';
  /** Decoding or embedding: images (or views) done so far / to do. */
  prepared?: number;
  toPrepare?: number;
}

export interface RunFinished {
  runId: number;
  status: RunStatus;
  error: string | null;  /** A failed job's error as thrown, with its code, field, file and hint (STYLE.md §6). */
  failure?: ErrorPayload;
}

export interface Prediction {
  path: string;
  class: string;
  confidence: number;
  probabilities: Record<string, number>;
  /** Face-embedding models only: which face's descriptor was classified. */
  face?: PredictionFace;
}

/**
 * What a face-embedding model classified in a photo: the most confident face, or, when the detector
 * found none, the whole upright picture (the same rule training used for the photo's stored descriptor).
 */
export interface PredictionFace {
  /** Faces the detector found in the photo. */
  found: number;
  /** The face classified (box in upright-image pixels, detector score); null when none was found. */
  used: { box: FaceBox; score: number } | null;
  /** Upright size of the photo the box refers to. */
  width: number;
  height: number;
}

export interface PredictOutcome {
  predictions: Prediction[];
  /** Files that could not be read, with the reason; never fatal for the others. */
  failed: { path: string; reason: string }[];
}

/** What `facet doctor` and the status bar show about the training engine. */
export interface EngineSummary {
  backend: BackendName;
  reason: string;
  tfjsVersion: string;
  threads: number;
  nativeHint?: string;
  warning?: string;
  node: string;
  platform: string;
  cpus: number;
}

/** One test image as a run's evaluation saw it, with its label today. */
export interface ImagePrediction {
  imageId: number;
  path: string;
  hash: string | null;
  /** The label in the run's snapshot: what the model was scored against. */
  trueClass: string;
  predictedClass: string;
  confidence: number;
  /** The image's label now; it differs from trueClass once someone relabels it. */
  currentClassId: number | null;
  currentClass: string | null;
}

/** How the labels of two runs' snapshots differ: images present in both whose class name changed. */
export interface LabelDiff {
  fromRunId: number;
  toRunId: number;
  /** Images in both snapshots with a different class name. */
  changed: number;
  /** Images only in the later snapshot / only in the earlier one. */
  added: number;
  removed: number;
  examples: { imageId: number; path: string; from: string; to: string }[];
}

/** Runs side by side: their details, and label changes of each run's snapshot against the first's. */
export interface RunComparison {
  runs: RunDetail[];
  labelChanges: LabelDiff[];
}

/** Where and with what a run trained, in a few words: "wasm", "tensorflow", "PyTorch 1.13 · 2 processes · cpu". */
export function trainedWith(r: Pick<Run, 'backend' | 'origin'>): string {
  if (r.origin) return `PyTorch ${r.origin.torch.replace(/a0.*$/, '')} · ${r.origin.processes} process${r.origin.processes === 1 ? '' : 'es'} · ${r.origin.device}`;
  return r.backend ?? '-';
}

/**
 * What makes a run's numbers mean less than they seem, in words, for the Runs list, the export dialog
 * and the model card: no validation images (the "best" epoch is then the last), no test images (no
 * test accuracy), a run stopped early (its weights are from its best epoch so far).
 */
export function runCaveats(run: Pick<Run, 'status' | 'epochsDone' | 'bestEpoch' | 'images' | 'hyperparameters'>): string[] {
  const out: string[] = [];
  if (run.images.val === 0) out.push('no validation images: nothing chose its best epoch or stopped it early');
  if (run.images.test === 0) out.push('no test images: its accuracy on unseen images is unknown');
  if (run.status === 'cancelled' || run.status === 'interrupted' || run.status === 'failed') {
    const stopped = `${run.status === 'cancelled' ? 'cancelled' : run.status === 'failed' ? 'failed' : 'interrupted'} after epoch ${run.epochsDone} of ${run.hyperparameters.epochs}`;
    out.push(run.bestEpoch !== null ? `${stopped}: its weights (and any export) are from epoch ${run.bestEpoch}` : `${stopped}, before any epoch finished: it has no weights yet`);
  }
  return out;
}
