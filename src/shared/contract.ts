// Every call between a UI and the core: its name, the zod schema of its arguments and its result
// type; and every event the core streams. The preload bridge, the IPC handlers, the HTTP routes
// and the renderer client are all derived from these two maps.
import { z } from 'zod';
import type {
  DatasetDeletion,
  ClassDef,
  Dataset,
  DemoSummary,
  ImagePage,
  ImportProgress,
  ImportSummary,
  LabelChange,
  SkippedFile,
  WorkspaceInfo,
} from './domain.js';
import { SKIP_CODES, SPLITS } from './domain.js';
import { SplitPercentSchema } from './splits.js';
import { HyperparametersSchema } from './hyperparameters.js';
import type { RunEstimate } from './estimate.js';
import type { EngineSummary, ImagePrediction, PredictOutcome, Run, RunComparison, RunDetail, RunFinished, TrainProgress, EpochMetrics } from './runs.js';
import { MODEL_FORMATS, type DatasetExportResult, type ModelExportResult } from './export.js';
import { FACE_DETECTORS, FACE_FILTERS, type FaceCounts, type FaceLeakReport, type FacesProgress, type FacesSummary, type IdentityGroups, type ImageFaces } from './faces.js';
import { HEALTH_ISSUE_TYPES, HealthThresholdsSchema, type HealthProgress, type HealthReport } from './health.js';
import { AuditSettingsSchema, LEAK_ACTIONS, type Audit, type AuditFinished, type AuditProgress, type AuditReport, type LeakResolution } from './quality.js';
import {
  BACKBONES,
  QUEUE_STRATEGIES,
  type AcceptResult,
  type DatasetMap,
  type EmbeddingsProgress,
  type EmbeddingsStatus,
  type EmbeddingsSummary,
  type HoldoutRule,
  type LabellingProgress,
  type LabellingQueue,
  type MapProgress,
  type MapSummary,
  type SuggestionPage,
  type SuggestionsByImage,
  type SuggestionsProgress,
  type SuggestionsStatus,
  type SuggestionsSummary,
} from './labelling.js';

/** A phantom value that carries a result type through `typeof`. */
function returns<T>(): T {
  return undefined as T;
}

const id = z.number().int().positive();
const className = z
  .string()
  .trim()
  .min(1, 'a class name cannot be empty')
  .max(100, 'a class name is at most 100 characters')
  .refine((s) => !/[/\\\0]/.test(s), 'a class name cannot contain / or \\');

/** Group key for group-aware splits: the first sub-folder under the class, or a regex on the file name. */
export const GroupBySchema = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => {
    if (s === 'subfolder') return true;
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, 'group-by must be "subfolder" or a valid regular expression such as ^(id\\d+)_');

export const ImportArgs = z.object({
  folder: z.string().min(1, 'give the folder to import'),
  name: z.string().trim().min(1).max(200).optional(),
  split: SplitPercentSchema.optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  groupBy: GroupBySchema.optional(),
  /** Import every image unlabelled whatever its sub-folder (images directly in the folder always are). */
  unlabelled: z.boolean().optional(),
});

const confidence = z.number().min(0, 'a confidence is between 0 and 1').max(1, 'a confidence is between 0 and 1');

/** Bulk acceptance: exactly these images, or every suggestion at or above a confidence (of one class). */
export const AcceptArgs = z
  .object({
    datasetId: id,
    imageIds: z.array(id).min(1).max(100_000).optional(),
    minConfidence: confidence.optional(),
    classId: id.optional(),
    /** Count only: nothing is labelled. */
    preview: z.boolean().optional(),
  })
  .refine((a) => a.imageIds !== undefined || a.minConfidence !== undefined, 'give the images to accept or a minimum confidence');

export const ImageQuery = z.object({
  datasetId: id,
  classId: id.optional(),
  split: z.enum(SPLITS).optional(),
  /** false: only unlabelled images (in no split); true: only labelled ones. */
  labelled: z.boolean().optional(),
  status: z.enum(['ok', 'unreadable', 'missing', 'all']).optional(),
  search: z.string().max(500).optional(),
  sort: z.enum(['path', 'class', 'confidence']).optional(),
  /** Exactly these images (e.g. one confusion-matrix cell). */
  imageIds: z.array(id).max(100_000).optional(),
  /** A run whose test predictions filter and sort the list (needed by the three below and sort 'confidence'). */
  runId: id.optional(),
  /** The snapshot label the run was scored against, and the class it predicted. */
  trueClass: z.string().min(1).max(100).optional(),
  predictedClass: z.string().min(1).max(100).optional(),
  /** Only images whose prediction differs from their current label. */
  disagree: z.boolean().optional(),
  /** Images by their face analysis: no face, one, several, analysed at all or not yet. */
  faces: z.enum(FACE_FILTERS).optional(),
  offset: z.number().int().min(0).optional(),
  /**
   * Sort 'path' only: the images after this path (the last one of the previous page). The next page
   * of a long list, without stepping over every image before it; offset then counts from here.
   */
  after: z.string().max(4096).optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
});

const faceThreshold = z.number().gt(0, 'a distance threshold must be more than 0').max(2, 'face descriptor distances are at most 2');

export const calls = {
  'workspace/info': { args: z.object({}), result: returns<WorkspaceInfo>() },
  'datasets/list': { args: z.object({}), result: returns<Dataset[]>() },
  'datasets/get': { args: z.object({ datasetId: id }), result: returns<Dataset>() },
  'datasets/import': { args: ImportArgs, result: returns<ImportSummary>() },
  'datasets/rescan': { args: z.object({ datasetId: id }), result: returns<ImportSummary>() },
  'datasets/skipped': { args: z.object({ datasetId: id }), result: returns<SkippedFile[]>() },
  /** Removes the dataset with its runs, audits and the caches it alone uses; never the image files. */
  'datasets/delete': { args: z.object({ datasetId: id, dryRun: z.boolean().optional() }), result: returns<DatasetDeletion>() },
  'images/list': { args: ImageQuery, result: returns<ImagePage>() },
  'labels/set': {
    /** source 'suggestion' when the user accepted what was suggested (one key in the labeller): history says so. */
    args: z.object({ datasetId: id, imageIds: z.array(id).min(1).max(100_000), classId: id, source: z.enum(['user', 'suggestion']).optional() }),
    result: returns<LabelChange>(),
  },
  'labels/undo': { args: z.object({ datasetId: id }), result: returns<LabelChange>() },
  'labels/redo': { args: z.object({ datasetId: id }), result: returns<LabelChange>() },
  'classes/list': { args: z.object({ datasetId: id }), result: returns<ClassDef[]>() },
  'classes/add': { args: z.object({ datasetId: id, name: className }), result: returns<ClassDef>() },
  'classes/rename': { args: z.object({ classId: id, name: className }), result: returns<ClassDef>() },
  'classes/merge': {
    args: z.object({ sourceClassId: id, targetClassId: id }),
    result: returns<ClassDef>(),
  },
  'classes/delete': {
    args: z.object({ classId: id, moveToClassId: id.optional() }),
    result: returns<{ deleted: number; moved: number }>(),
  },
  'demo/generate': {
    args: z.object({
      out: z.string().min(1).optional(),
      count: z.number().int().min(3).max(100_000).optional(),
      seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    }),
    result: returns<DemoSummary>(),
  },
  'runs/start': {
    args: z.object({ datasetId: id, hyperparameters: HyperparametersSchema.partial().optional(), name: z.string().trim().min(1).max(200).optional() }),
    result: returns<Run>(),
  },
  /** How long a run with these settings would take on this machine (a short measured calibration, cached per machine in the workspace). */
  'runs/estimate': {
    args: z.object({ datasetId: id, hyperparameters: HyperparametersSchema.partial().optional(), fresh: z.boolean().optional() }),
    result: returns<RunEstimate>(),
  },
  'runs/resume': { args: z.object({ runId: id }), result: returns<Run>() },
  'runs/cancel': { args: z.object({ runId: id }), result: returns<Run>() },
  'runs/list': { args: z.object({ datasetId: id.optional() }), result: returns<Run[]>() },
  'runs/get': { args: z.object({ runId: id }), result: returns<RunDetail>() },
  'runs/rename': { args: z.object({ runId: id, name: z.string().trim().min(1, 'a run name cannot be empty').max(200, 'a run name is at most 200 characters') }), result: returns<Run>() },
  'runs/delete': { args: z.object({ runId: id }), result: returns<{ deleted: number }>() },
  'runs/compare': { args: z.object({ runIds: z.array(id).min(2, 'pick at least two runs').max(12, 'compare at most 12 runs') }), result: returns<RunComparison>() },
  /** A run's test predictions with today's labels, most confident first. */
  'runs/predictions': {
    args: z.object({ runId: id, misclassified: z.boolean().optional(), trueClass: z.string().min(1).max(100).optional(), predictedClass: z.string().min(1).max(100).optional() }),
    result: returns<ImagePrediction[]>(),
  },
  'runs/predict': {
    args: z.object({ runId: id, paths: z.array(z.string().min(1)).min(1).max(10_000) }),
    result: returns<PredictOutcome>(),
  },
  'runs/export': {
    args: z.object({
      runId: id, format: z.enum(MODEL_FORMATS), out: z.string().min(1, 'give the folder to export to'), check: z.number().int().min(0).max(10_000).optional(),
      /** Write into a folder that is not empty (files with the same names are replaced). */
      force: z.boolean().optional(),
    }),
    result: returns<ModelExportResult>(),
  },
  'datasets/export': {
    args: z.object({ datasetId: id, snapshotId: id.optional(), out: z.string().min(1, 'give the folder to export to'), link: z.boolean().optional(), force: z.boolean().optional() }),
    result: returns<DatasetExportResult>(),
  },
  /** The absolute path a typed path means (`~` expanded), or the reason it is refused: shown before anything is written. */
  'paths/resolve': { args: z.object({ path: z.string().min(1, 'type a path').max(4096), field: z.string().max(40).optional() }), result: returns<{ path: string }>() },
  'engine/info': { args: z.object({}), result: returns<EngineSummary>() },
  /** Label quality (issue 10): K fold models give every image an out-of-sample prediction; confident learning ranks suspects. */
  'audit/start': { args: z.object({ datasetId: id, settings: AuditSettingsSchema.partial().optional() }), result: returns<Audit>() },
  'audit/cancel': { args: z.object({ auditId: id }), result: returns<Audit>() },
  /** Continues an interrupted or cancelled audit: stored fold predictions are kept, the other folds train. */
  'audit/resume': { args: z.object({ auditId: id }), result: returns<Audit>() },
  /** An audit's report (the latest of the dataset, or by id); suspects already fixed or kept are left out. */
  'audit/get': {
    args: z
      .object({ datasetId: id.optional(), auditId: id.optional(), limit: z.number().int().min(1).max(100_000).optional() })
      .refine((a) => a.datasetId !== undefined || a.auditId !== undefined, 'give the dataset (its latest audit) or the audit id'),
    result: returns<AuditReport>(),
  },
  /** Relabel suspects with their suggestion, or with classId when given (source 'suggestion', undoable). */
  'audit/accept': { args: z.object({ auditId: id, imageIds: z.array(id).min(1).max(100_000), classId: id.optional() }), result: returns<LabelChange>() },
  /** "The label is right": not suggested again while the image's label stays unchanged. */
  'audit/keep': { args: z.object({ auditId: id, imageIds: z.array(id).min(1).max(100_000) }), result: returns<{ kept: number }>() },
  /** A near-duplicate pair across splits: move imageId into otherImageId's split, or drop (exclude) imageId. */
  'audit/resolveLeak': { args: z.object({ imageId: id, otherImageId: id, action: z.enum(LEAK_ACTIONS), auditId: id.optional() }), result: returns<LeakResolution>() },
  /** Data health (issue 21): measure the pictures not measured yet, then report; joins the measuring an import or rescan started. */
  'health/check': { args: z.object({ datasetId: id }), result: returns<HealthReport>() },
  /**
   * The label-free issues under the dataset's thresholds, minus the pictures marked fine; counts per type.
   * While pictures are being measured (after an import), answers at once with `measuring` set.
   */
  'health/get': { args: z.object({ datasetId: id }), result: returns<HealthReport>() },
  /** Change thresholds (the rest keep their value); no picture is read again. */
  'health/setThresholds': { args: z.object({ datasetId: id, thresholds: HealthThresholdsSchema.partial() }), result: returns<HealthReport>() },
  /** Exclude images from training (or bring them back with excluded: false): one undoable edit. */
  'health/exclude': { args: z.object({ datasetId: id, imageIds: z.array(id).min(1).max(100_000), excluded: z.boolean().default(true) }), result: returns<LabelChange>() },
  /** "This picture is fine" for one issue type: left out of the report while the file is unchanged. */
  'health/keep': { args: z.object({ datasetId: id, imageIds: z.array(id).min(1).max(100_000), type: z.enum(HEALTH_ISSUE_TYPES) }), result: returns<{ kept: number }>() },
  /** Detect faces, landmarks and descriptors of every image not analysed yet (in its own process); resolves when done. */
  'faces/analyse': {
    args: z.object({ datasetId: id, detector: z.enum(FACE_DETECTORS).optional(), minScore: z.number().min(0.05).max(0.99).optional(), redo: z.boolean().optional() }),
    result: returns<FacesSummary>(),
  },
  'faces/cancel': { args: z.object({ datasetId: id }), result: returns<{ cancelled: boolean }>() },
  /** How many usable images have no face, one, several, or no analysis yet. */
  'faces/counts': { args: z.object({ datasetId: id }), result: returns<FaceCounts>() },
  /** One image's face boxes, landmarks and group key (for the large preview). */
  'faces/image': { args: z.object({ imageId: id }), result: returns<ImageFaces>() },
  /** Cluster face descriptors into identity groups (group keys face:N); resplit moves existing images too. */
  'faces/group': {
    args: z.object({ datasetId: id, threshold: faceThreshold.optional(), resplit: z.boolean().optional() }),
    result: returns<IdentityGroups>(),
  },
  /** Near-duplicate faces in different splits. */
  'faces/leaks': { args: z.object({ datasetId: id, threshold: faceThreshold.optional() }), result: returns<FaceLeakReport>() },
  /** Pretrained embeddings (issue 17): one vector per image and backbone, in its own process, resumable. */
  'embeddings/start': { args: z.object({ datasetId: id, backbone: z.enum(BACKBONES).optional() }), result: returns<EmbeddingsSummary>() },
  'embeddings/cancel': { args: z.object({ datasetId: id }), result: returns<{ cancelled: boolean }>() },
  'embeddings/status': { args: z.object({ datasetId: id }), result: returns<EmbeddingsStatus>() },
  /** Train the quick head on the labelled images and suggest a class for every unlabelled one (background; cancelable). */
  'suggestions/refresh': { args: z.object({ datasetId: id, backbone: z.enum(BACKBONES).optional() }), result: returns<SuggestionsSummary>() },
  'suggestions/cancel': { args: z.object({ datasetId: id }), result: returns<{ cancelled: boolean }>() },
  'suggestions/status': { args: z.object({ datasetId: id }), result: returns<SuggestionsStatus>() },
  'suggestions/list': {
    args: z.object({
      datasetId: id,
      minConfidence: confidence.optional(),
      classId: id.optional(),
      imageIds: z.array(id).max(100_000).optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(100_000).optional(),
    }),
    result: returns<SuggestionPage>(),
  },
  /** Every suggestion of the dataset's unlabelled images, compactly, for the labeller's grid. */
  'suggestions/byImage': { args: z.object({ datasetId: id }), result: returns<SuggestionsByImage>() },
  /** Suggestions become ordinary labels with source 'suggestion' (one undoable edit); preview only counts. */
  'suggestions/accept': { args: AcceptArgs, result: returns<AcceptResult>() },
  /** The next unlabelled images to label; skip lists images the user passed over this session. */
  'queue/next': {
    args: z.object({
      datasetId: id,
      count: z.number().int().min(1).max(500).optional(),
      strategy: z.enum(QUEUE_STRATEGIES).optional(),
      skip: z.array(id).max(100_000).optional(),
    }),
    result: returns<LabellingQueue>(),
  },
  'queue/progress': { args: z.object({ datasetId: id }), result: returns<LabellingProgress>() },
  /** Which unlabelled images are reserved for val / test once labelled, and why. */
  'splits/holdout': { args: z.object({ datasetId: id }), result: returns<HoldoutRule>() },
  /** UMAP of the embeddings (PCA first) in the background; stored. */
  'map/compute': { args: z.object({ datasetId: id, backbone: z.enum(BACKBONES).optional() }), result: returns<MapSummary>() },
  'map/cancel': { args: z.object({ datasetId: id }), result: returns<{ cancelled: boolean }>() },
  'map/get': { args: z.object({ datasetId: id }), result: returns<DatasetMap>() },
} as const;

/**
 * Calls only the desktop shell answers (native dialogs). They are not core calls: the Electron main
 * process handles them itself, and the browser client has none (the UI hides what needs them).
 */
export const shellCalls = {
  'dialog/openFolder': { args: z.object({}), result: returns<{ path: string | null }>() },
} as const;

export type ShellCallName = keyof typeof shellCalls;

export function isShellCallName(name: unknown): name is ShellCallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(shellCalls, name);
}

export const events = {
  'import/progress': returns<ImportProgress>(),
  'train/progress': returns<TrainProgress>(),
  'train/epoch': returns<{ runId: number; metrics: EpochMetrics }>(),
  'train/finished': returns<RunFinished>(),
  'faces/progress': returns<FacesProgress>(),
  'faces/finished': returns<FacesSummary>(),
  'audit/progress': returns<AuditProgress>(),
  'audit/finished': returns<AuditFinished>(),
  'embeddings/progress': returns<EmbeddingsProgress>(),
  'embeddings/finished': returns<EmbeddingsSummary>(),
  'suggestions/progress': returns<SuggestionsProgress>(),
  'suggestions/finished': returns<SuggestionsSummary>(),
  'map/progress': returns<MapProgress>(),
  'map/finished': returns<MapSummary>(),
  /** Measuring pictures for the health checks (started by each import and rescan, or by health/check). */
  'health/progress': returns<HealthProgress>(),
  /** Sent by the desktop shell (never the core) when the user picks File › Open folder…. */
  'shell/folderChosen': returns<{ path: string }>(),
} as const;

export type CallName = keyof typeof calls;
export type CallArgs<N extends CallName> = z.input<(typeof calls)[N]['args']>;
export type ParsedArgs<N extends CallName> = z.output<(typeof calls)[N]['args']>;
export type CallResult<N extends CallName> = (typeof calls)[N]['result'];
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = (typeof events)[E];

export const CALL_NAMES = Object.keys(calls) as CallName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/** The one object the renderer talks to; Electron's preload and the browser client both implement it. */
export interface FacetApi {
  call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export { SKIP_CODES };
