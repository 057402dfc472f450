// Domain types of labelling from scratch (issue 17): pretrained embeddings, suggestions with a
// calibrated confidence, the active-learning queue, the 2-D map and the held-out rule.
import type { LabelChange, SplitName } from './domain.js';

/**
 * Pretrained backbones shipped inside npm packages (nothing downloads):
 * - mobilenet: nsfwjs 4.4.0 (MIT), MobileNetV2 ×1.4 ImageNet weights fine-tuned on another task; 1792-d.
 * - centernet: @vladmandic/human 3.3.6 (MIT), MobileNetV3 COCO detector's feature tower; 480-d.
 * - face: face-api descriptors already computed by the face analysis (identity tasks); 128-d.
 */
export const BACKBONES = ['mobilenet', 'centernet', 'face'] as const;
export type BackboneName = (typeof BACKBONES)[number];
export const DEFAULT_BACKBONE: BackboneName = 'mobilenet';

export const QUEUE_STRATEGIES = ['active', 'random'] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export interface BackboneInfo {
  name: BackboneName;
  /** In the user's words, e.g. "MobileNetV2 (ImageNet), from nsfwjs". */
  label: string;
  dimensions: number;
  licence: string;
  /** Usable images of the dataset that have a vector of this backbone. */
  embedded: number;
}

export interface EmbeddingsProgress {
  datasetId: number;
  backbone: BackboneName;
  phase: 'loading' | 'embedding' | 'done';
  done: number;
  total: number;
  path?: string;
}

export interface EmbeddingsSummary {
  datasetId: number;
  backbone: BackboneName;
  /** Usable images of the dataset, and how many have a vector of this backbone now. */
  images: number;
  embeddedImages: number;
  /** Embedded in this pass (the others were already, by content hash). */
  newlyEmbedded: number;
  dimensions: number;
  failed: { path: string; reason: string }[];
  backend: string;
  /** Threads that ran the backbone (0: nothing was left to embed). */
  threads: number;
  seconds: number;
  status: 'completed' | 'cancelled';
}

export interface EmbeddingsStatus {
  datasetId: number;
  images: number;
  running: { backbone: BackboneName; progress: EmbeddingsProgress | null } | null;
  defaultBackbone: BackboneName;
  backbones: BackboneInfo[];
}

export interface SuggestionsProgress {
  datasetId: number;
  phase: 'loading' | 'training' | 'calibrating' | 'predicting' | 'done';
  done: number;
  total: number;
}

export interface SuggestionsSummary {
  datasetId: number;
  backbone: BackboneName;
  /** Labelled images the head learnt from (train split and unassigned labelled; never val/test). */
  labelled: number;
  /** Unlabelled images that now carry a suggestion. */
  suggested: number;
  /** Accuracy of the head on held-out labelled images (val + test), null with too few of them. */
  validationAccuracy: number | null;
  /** Held-out labelled images the confidence was calibrated on. */
  calibrationImages: number;
  /** Temperature of the softmax after calibration (1 = uncalibrated). */
  temperature: number;
  classes: number;
  seconds: number;
  status: 'completed' | 'cancelled' | 'skipped';
  /** Why nothing was suggested (status skipped), in the user's words. */
  note?: string;
}

export interface SuggestionsStatus {
  datasetId: number;
  running: boolean;
  last: (SuggestionsSummary & { refreshedAt: string }) | null;
  /** Labels set since the last refresh: the UI refreshes in the background past a few. */
  labelsSinceRefresh: number;
  labelled: number;
  unlabelled: number;
}

export interface Suggestion {
  imageId: number;
  path: string;
  hash: string | null;
  classId: number;
  className: string;
  confidence: number;
}

/**
 * Every suggestion of a dataset's unlabelled images, as the labeller's grid shows them: one entry per
 * image in parallel columns, each class name once (a tenth of the bytes of a list of Suggestions).
 */
export interface SuggestionsByImage {
  datasetId: number;
  imageIds: number[];
  classIds: number[];
  confidences: number[];
  classes: { id: number; name: string }[];
}

export interface SuggestionPage {
  total: number;
  offset: number;
  items: Suggestion[];
}

export interface AcceptedSuggestion {
  imageId: number;
  path: string;
  classId: number;
  class: string;
  confidence: number;
}

export interface AcceptResult {
  /** True for a dry run: nothing was labelled, `count` says how many would be. */
  preview: boolean;
  count: number;
  byClass: { classId: number; className: string; count: number }[];
  accepted: AcceptedSuggestion[];
  /** The edit (source 'suggestion', undoable); null on preview or when nothing matched. */
  change: LabelChange | null;
}

export interface QueueImage {
  imageId: number;
  path: string;
  hash: string | null;
  suggested: string | null;
  suggestedClassId: number | null;
  confidence: number | null;
  /** The split this image will join once labelled when it is reserved for evaluation, else null. */
  heldOut: 'val' | 'test' | null;
}

export interface LabellingProgress {
  datasetId: number;
  /** Usable images with a label, and all usable images. */
  labelled: number;
  total: number;
  unlabelled: number;
  /** User and suggestion labels in the last 10 minutes of labelling, per minute; null before any. */
  labelsPerMinute: number | null;
  /** Of the last labels given to images that carried a suggestion, the share that agreed with it. */
  recentSuggestionAccuracy: number | null;
  recentSuggestionSample: number;
}

export interface LabellingQueue {
  datasetId: number;
  strategy: QueueStrategy;
  /**
   * What 'active' did: uncertainty with diversity once the labels are enough, else a diverse spread of
   * typical images (TypiClust) of the clusters with the fewest labels.
   */
  method: 'uncertainty-diverse' | 'diverse-spread' | 'random';
  images: QueueImage[];
  /** Unlabelled usable images left (including those returned). */
  remaining: number;
  progress: LabellingProgress;
}

/**
 * Which images are reserved for evaluation. A fixed, seeded random share of the unlabelled images
 * is drawn when they are imported; when one of them gets its first label it goes to val or test,
 * every other image to train. So val and test stay an unbiased sample of the collection whatever
 * order people label in (the active queue picks hard images; if those filled the test split, the
 * test score would lie).
 */
export interface HoldoutRule {
  datasetId: number;
  /** Shares of the unlabelled pool reserved for val and test (the dataset's split percentages). */
  share: { val: number; test: number };
  /** Images reserved (labelled or not) and how many of them have a label now. */
  reserved: { val: number; test: number };
  reservedLabelled: { val: number; test: number };
  seed: number;
  /** One sentence for the UI. */
  explanation: string;
}

export interface MapProgress {
  datasetId: number;
  /**
   * neighbours: UMAP's nearest-neighbour graph, before its layout epochs. placing: above 20,000 images
   * UMAP is fitted on a sample of 20,000 and each other image is placed among its nearest fitted ones.
   */
  phase: 'loading' | 'pca' | 'neighbours' | 'umap' | 'placing' | 'saving' | 'done';
  /** UMAP epochs done / planned; placing: images placed / to place (other phases: 0 / 1 then 1 / 1). */
  done: number;
  total: number;
}

export interface MapSummary {
  datasetId: number;
  backbone: BackboneName;
  points: number;
  /** Dimensions after PCA (the embedding's own when PCA was not needed). */
  pcaDimensions: number;
  /** Images UMAP was fitted on: all of them up to 20,000; above, a sample, the others placed by their nearest. */
  fitted: number;
  seconds: number;
  status: 'completed' | 'cancelled';
}

/** One point of the map as a row: what `facet map --json` prints for each image. */
export interface MapPoint {
  imageId: number;
  path: string;
  hash: string | null;
  /** In [0, 1] on both axes. */
  x: number;
  y: number;
  label: string | null;
  classId: number | null;
  suggested: string | null;
  suggestedClassId: number | null;
  confidence: number | null;
  split: SplitName | null;
  heldOut: 'val' | 'test' | null;
}

/**
 * The map's points as columns: point i is at index i of every array. (20,000 points as one object
 * each were 6 MB of JSON repeating every key; as columns they are half that and much quicker to
 * write, send and turn into the studio's typed arrays.)
 */
export interface MapPoints {
  imageId: number[];
  path: string[];
  hash: (string | null)[];
  /** In [0, 1] on both axes. */
  x: number[];
  y: number[];
  classId: (number | null)[];
  /** Suggestion, its confidence and held-out split: only for unlabelled images, else null. */
  suggestedClassId: (number | null)[];
  confidence: (number | null)[];
  split: (SplitName | null)[];
  heldOut: ('val' | 'test' | null)[];
}

export interface DatasetMap {
  datasetId: number;
  backbone: BackboneName | null;
  computedAt: string | null;
  /** Usable images without a point (added or embedded since the map was computed). */
  missing: number;
  /** Names of the classes the points refer to by id. */
  classes: { id: number; name: string }[];
  points: MapPoints;
}

/** The map's points as rows, with class names. */
export function mapRows(map: Pick<DatasetMap, 'points' | 'classes'>): MapPoint[] {
  const names = new Map(map.classes.map((c) => [c.id, c.name]));
  const p = map.points;
  const name = (id: number | null) => (id === null ? null : (names.get(id) ?? null));
  return p.imageId.map((imageId, i) => ({
    imageId,
    path: p.path[i]!,
    hash: p.hash[i] ?? null,
    x: p.x[i]!,
    y: p.y[i]!,
    label: name(p.classId[i] ?? null),
    classId: p.classId[i] ?? null,
    suggested: name(p.suggestedClassId[i] ?? null),
    suggestedClassId: p.suggestedClassId[i] ?? null,
    confidence: p.confidence[i] ?? null,
    split: p.split[i] ?? null,
    heldOut: p.heldOut[i] ?? null,
  }));
}
