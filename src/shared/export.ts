// Results of exporting a trained model (TensorFlow.js or ONNX) and of exporting a dataset as class folders.
import type { SplitCounts } from './domain.js';
import type { PresetName } from './hyperparameters.js';

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
  /** Image models: the input size and colour mode. A face-embedding head ignores them (its input is a face descriptor). */
  imageSize: number;
  colorMode: 'rgb' | 'grayscale';
  /**
   * Layout of the exported model's input: NHWC [batch, height, width, channels], raw 0..255, for image
   * models; NC [batch, 128] (a face descriptor per row) for the head of a face-embedding run.
   */
  inputLayout: 'NHWC' | 'NC';
  /** null when the check was turned off or could not run (see checkSkipped). */
  check: ExportCheck | null;
  checkSkipped?: string;
  /** The run's preset: 'seed-cnn' (an image model) or 'face-embedding' (a head on face descriptors). */
  preset: PresetName;
  /** What the model takes: images, or face descriptors computed by the embedding net named here. */
  input: ModelInput;
}

export type ModelInput =
  | { kind: 'image'; shape: (number | null)[] }
  | {
      kind: 'face-descriptor';
      shape: (number | null)[];
      /** The net that turns a photo into the descriptor, and how (see preprocessing.json). */
      embeddingNet: { package: string; net: string; preprocessing: string };
      detector: string;
      minScore: number;
    }
  | {
      /** The head of a transfer run: a pretrained backbone's embedding of a photo per row. */
      kind: 'image-embedding';
      shape: (number | null)[];
      backbone: { name: string; package: string; version: string; inputSize: number };
    };

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
