// Results of exporting a trained model (TensorFlow.js or ONNX) and of exporting a dataset as class folders.
import type { SplitCounts } from './domain.js';

export const MODEL_FORMATS = ['tfjs', 'onnx'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/** The exported file run side by side with the trained tfjs model on real images of the run. */
export interface ExportCheck {
  /** onnxruntime-node for ONNX; tfjs (reloading the written files) for the tfjs format. */
  runtime: string;
  images: number;
  /** Largest |p_export − p_tfjs| over every image and class. */
  maxAbsDiff: number;
  /** True when the predicted class is the same for every image. */
  sameClasses: boolean;
  /** Images whose predicted class differs (paths relative to the dataset root). */
  mismatches: string[];
  /** maxAbsDiff < tolerance and sameClasses. */
  passed: boolean;
  tolerance: number;
}

export interface ModelExportResult {
  runId: number;
  format: ModelFormat;
  out: string;
  /** Every file written, relative to `out`. */
  files: string[];
  classes: string[];
  imageSize: number;
  colorMode: 'rgb' | 'grayscale';
  /** Layout of the exported model's input: always NHWC [batch, height, width, channels], raw 0..255. */
  inputLayout: 'NHWC';
  /** null when the check was turned off or could not run (see checkSkipped). */
  check: ExportCheck | null;
  checkSkipped?: string;
}

export interface DatasetExportResult {
  datasetId: number;
  /** The snapshot exported, or null for the dataset's current labels and splits. */
  snapshotId: number | null;
  out: string;
  manifest: string;
  images: number;
  classes: { name: string; count: number; splits: SplitCounts }[];
  splits: SplitCounts;
  /** Files hard-linked (with --link) and copied. */
  linked: number;
  copied: number;
  /** Why --link fell back to copies, when it did. */
  linkFallback?: string;
  /** Labelled images left out: no split, or the file is gone. */
  failed: { path: string; reason: string }[];
}
