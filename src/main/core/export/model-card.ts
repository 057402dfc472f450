// What travels with an exported model: labels.json, preprocessing.json and MODEL_CARD.md.
import type { ExportCheck, ModelFormat } from '../../../shared/export.js';
import type { FaceDetectorName } from '../../../shared/faces.js';
import { runCaveats, type RunDetail } from '../../../shared/runs.js';
import { EMBEDDING_NET } from '../faces/analyzer.js';
import { EMBEDDING_SIZE, type FaceAnalysisSettings } from '../training/embedding-preset.js';
import type { Snapshot } from '../training/snapshots.js';
import { transferCardInput, type TransferPreprocessing } from './transfer-export.js';
import { ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT, ONNX_VECTOR_INPUT } from './onnx-model.js';

export interface Preprocessing {
  width: number;
  height: number;
  colorMode: 'rgb' | 'grayscale';
  channels: 1 | 3;
  input: { layout: 'NHWC'; dtype: 'float32'; range: [number, number]; shape: (number | null)[] };
  rescale: { scale: number; offset: number; insideModel: true };
  resize: { mode: 'squash'; interpolation: 'bilinear'; keepAspectRatio: false };
  exifOrientation: 'applied';
  alpha: 'composited on white';
  colorSpace: string;
  /** Trained with crop to face: the model sees a photo's aligned face crop, not the whole picture. */
  faceCrop?: FaceCropPreprocessing;
}

export interface FaceCropPreprocessing {
  detector: FaceDetectorName;
  minScore: number;
  /** The box is grown by this share of its size on every side, then squared. */
  margin: number;
  steps: string;
}

export function preprocessingFor(run: RunDetail, faceSettings?: FaceAnalysisSettings): Preprocessing {
  const hp = run.hyperparameters;
  const channels = hp.colorMode === 'rgb' ? 3 : 1;
  const faceCrop: FaceCropPreprocessing | undefined =
    hp.cropToFace.enabled && faceSettings
      ? {
          ...faceSettings,
          margin: hp.cropToFace.margin,
          steps:
            `Detect faces (${EMBEDDING_NET.package}, ${faceSettings.detector} detector, minimum score ${faceSettings.minScore}) with 68-point landmarks; take the most confident face; ` +
            'rotate the upright picture about its centre so the line between the eye centres (points 36–41 and 42–47) is level, carrying the box along; ' +
            `grow the box by ${hp.cropToFace.margin} of its size on every side, make it square on its longer side, shift it inside the picture; crop. With no face found, use the whole picture.`,
        }
      : undefined;
  return {
    width: hp.imageSize,
    height: hp.imageSize,
    colorMode: hp.colorMode,
    channels,
    input: { layout: 'NHWC', dtype: 'float32', range: [0, 255], shape: [null, hp.imageSize, hp.imageSize, channels] },
    rescale: { scale: 1 / 255, offset: 0, insideModel: true },
    resize: { mode: 'squash', interpolation: 'bilinear', keepAspectRatio: false },
    exifOrientation: 'applied',
    alpha: 'composited on white',
    colorSpace: hp.colorMode === 'rgb' ? 'sRGB' : 'sRGB converted to grey (luminance)',
    ...(faceCrop ? { faceCrop } : {}),
  };
}

/**
 * preprocessing.json of a face-embedding head: its input is the descriptor of a photo, and this says
 * which net computes it and how (`facet predict --model DIR` follows it).
 */
export interface FaceDescriptorPreprocessing {
  kind: 'face-descriptor';
  input: { layout: 'NC'; dtype: 'float32'; shape: [null, number]; onnxName: string };
  embedding: { package: string; net: string; preprocessing: string };
  /** The face detector and minimum score the run's images were analysed with. */
  detector: FaceDetectorName;
  minScore: number;
  /** How the photo is decoded before detection (as `facet faces` does). */
  exifOrientation: 'applied';
  alpha: 'composited on white';
  colorSpace: 'sRGB';
  maxSide: number;
  /** What face analysis does before giving up on a face (tightly cropped faces fill the frame and the detectors miss them). */
  noFaceRetry: string;
  noFace: 'descriptor of the whole upright picture';
}

export function faceDescriptorPreprocessing(settings: FaceAnalysisSettings): FaceDescriptorPreprocessing {
  return {
    kind: 'face-descriptor',
    input: { layout: 'NC', dtype: 'float32', shape: [null, EMBEDDING_SIZE], onnxName: ONNX_VECTOR_INPUT },
    embedding: { package: EMBEDDING_NET.package, net: EMBEDDING_NET.net, preprocessing: EMBEDDING_NET.preprocessing },
    detector: settings.detector,
    minScore: settings.minScore,
    exifOrientation: 'applied',
    alpha: 'composited on white',
    colorSpace: 'sRGB',
    maxSide: 2048,
    noFaceRetry: 'detect again on the picture padded with a grey (128) border of half its longer side on every side; boxes mapped back to the picture',
    noFace: 'descriptor of the whole upright picture',
  };
}

export function splitCounts(snapshot: Snapshot): { class: string; train: number; val: number; test: number }[] {
  const rows = snapshot.classes.map((name) => ({ class: name, train: 0, val: 0, test: 0 }));
  for (const item of snapshot.items) rows[item.classIndex]![item.split]++;
  return rows;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(4));

function mdTable(headers: string[], rows: (string | number)[][]): string {
  const esc = (v: string | number) => String(v).replace(/\|/g, '\\|');
  return [`| ${headers.map(esc).join(' | ')} |`, `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export interface ModelCardInput {
  run: RunDetail;
  snapshot: Snapshot;
  /** Given for a face-embedding head: its input section describes the descriptor and the embedding net. */
  faceDescriptor?: FaceDescriptorPreprocessing;
  /** Given for a transfer head: its input section names the backbone and says why it is not inside. */
  transfer?: TransferPreprocessing;
  format: ModelFormat;
  files: string[];
  check: ExportCheck | null;
  checkSkipped?: string;
  appVersion: string;
  date: Date;
}

const LOAD_TFJS =
  "- Load it in a browser over http: `await tf.loadLayersModel('https://…/model.json')` (the shards must sit next to model.json). In Node with @tensorflow/tfjs-node use `tf.loadLayersModel('file://DIR/model.json')`; with plain @tensorflow/tfjs give tf.loadLayersModel an IOHandler that reads the files, or run `facet predict --model DIR IMAGE…`.";

function imageInput(run: RunDetail, format: ModelFormat): string[] {
  const hp = run.hyperparameters;
  const channels = hp.colorMode === 'rgb' ? 3 : 1;
  const lines = [
    `- Input: one image as float32 **NHWC** \`[batch, ${hp.imageSize}, ${hp.imageSize}, ${channels}]\`, raw pixel values 0–255 (${hp.colorMode}).`,
    '- The model rescales by 1/255 itself: do not normalise the pixels.',
    `- Resize: squash to ${hp.imageSize}×${hp.imageSize} (aspect ratio not kept), bilinear; EXIF orientation applied; transparency composited on white.`,
  ];
  if (hp.cropToFace.enabled) {
    lines.push(`- Trained on **face crops**: before the resize, crop each photo to its most confident face, aligned and with a margin of ${hp.cropToFace.margin} (the exact steps are in \`preprocessing.json\` → \`faceCrop\`; \`facet predict --model DIR\` does them for you).`);
  }
  if (format === 'onnx') {
    lines.push(`- ONNX input \`${ONNX_INPUT}\` keeps the NHWC layout of the tfjs model; a Transpose to NCHW inside the graph feeds the convolutions, and the tensor is transposed back to NHWC before Flatten. Output \`${ONNX_OUTPUT}\`: \`[batch, ${run.classes.length}]\` softmax probabilities in \`labels.json\` order.`);
  } else {
    lines.push(`- Output: \`[batch, ${run.classes.length}]\` softmax probabilities in \`labels.json\` order. (An ONNX export of this run takes the same NHWC input: the Transpose to NCHW is inside its graph.)`);
    lines.push(LOAD_TFJS);
  }
  return lines;
}

function faceDescriptorInput(p: FaceDescriptorPreprocessing, format: ModelFormat, numClasses: number): string[] {
  return [
    `- This model is the classifier **head** of a face-embedding run: its input is one ${EMBEDDING_SIZE}-d face descriptor per row, float32 \`[batch, ${EMBEDDING_SIZE}]\`${format === 'onnx' ? ` (ONNX input \`${p.input.onnxName}\`)` : ''}, not pixels.`,
    `- Embedding net: ${p.embedding.net}, from \`${p.embedding.package}\` (its weights ship in the package's model/ folder). The photos were analysed with the ${p.detector === 'ssd' ? 'ssdMobilenetv1' : 'tinyFaceDetector'} detector, minimum score ${p.minScore}.`,
    `- From a photo to the input: ${p.embedding.preprocessing}`,
    `- Photos longer than ${p.maxSide} px on a side are downscaled to it before detection; no other resizing (the nets resize internally). When no face is found, Facet tries once more: ${p.noFaceRetry}; only then the whole picture's descriptor is used.`,
    `- Output: \`[batch, ${numClasses}]\` softmax probabilities in \`labels.json\` order${format === 'onnx' ? ` (ONNX output \`${ONNX_OUTPUT}\`)` : ''}.`,
    ...(format === 'tfjs' ? [LOAD_TFJS.replace('IMAGE…`', 'PHOTO…` (it runs the face analysis first)')] : []),
  ];
}

export function renderModelCard(c: ModelCardInput): string {
  const { run, snapshot } = c;
  const hp = run.hyperparameters;
  const lines: string[] = [];
  lines.push(`# Model card: ${run.name}`, '');
  lines.push(`Exported by Facet Studio ${c.appVersion} on ${c.date.toISOString()} from run ${run.id} as **${c.format === 'onnx' ? `ONNX (opset ${ONNX_OPSET})` : 'TensorFlow.js layers model'}**.`, '');
  lines.push('## Files', '');
  for (const f of c.files) lines.push(`- \`${f}\``);
  lines.push('', '## Input and preprocessing', '');
  lines.push(
    ...(c.faceDescriptor
      ? faceDescriptorInput(c.faceDescriptor, c.format, run.classes.length)
      : c.transfer
        ? transferCardInput(c.transfer, c.format, run.classes.length)
        : imageInput(run, c.format)),
  );
  lines.push('- Full details: `preprocessing.json`.');
  lines.push('', '## Classes', '');
  lines.push(`Output order (\`labels.json\`): ${run.classes.map((k) => `\`${k}\``).join(', ')}.`, '');
  const counts = splitCounts(snapshot);
  lines.push(mdTable(['class', 'train', 'val', 'test'], [...counts.map((r) => [r.class, r.train, r.val, r.test]), ['**total**', run.images.train, run.images.val, run.images.test]]));
  lines.push('', '## Training data', '');
  lines.push(`- Dataset: ${run.datasetName} (id ${run.datasetId})`);
  lines.push(`- Snapshot: ${snapshot.id}, content hash \`${snapshot.contentHash}\` (labels, splits and file hashes the run trained on)`);
  lines.push('', '## Training', '');
  lines.push(`- Preset: ${hp.preset}; backend: ${run.backend ?? 'unknown'}; training time ${run.trainSeconds.toFixed(1)} s; epochs ${run.epochsDone} of ${hp.epochs}; best epoch ${run.bestEpoch ?? '–'} (its weights are exported)`);
  if (hp.preset === 'seed-cnn') {
    const blocks = hp.filters.map((f) => `Conv2D(${f}, 3×3, relu, padding '${hp.padding}') → MaxPool(2)`).join(' → ');
    lines.push(`- Network: Rescaling(1/255) → ${blocks} → Flatten → Dense(${hp.denseUnits}, relu)${hp.dropout > 0 ? ` → Dropout(${hp.dropout})` : ''} → Dense(${run.classes.length}, softmax). Padding '${hp.padding}': ${hp.padding === 'same' ? 'zero padding keeps each map\'s size (ONNX: explicit pads of 1 on every side of a 3×3 window)' : 'no padding, each 3×3 convolution trims a 1-pixel border'}.`);
  }
  if (hp.preset === 'transfer' && hp.augmentedViews > 0) {
    const a = hp.augmentation;
    const recipe = [a.flip ? 'horizontal flip' : '', a.rotation ? `rotation ±${Math.round(a.rotation * 360)}°` : '', a.zoom ? `zoom ±${Math.round(a.zoom * 100)}%` : '', a.contrast ? `contrast ×${1 - a.contrast}–${1 + a.contrast}` : ''].filter(Boolean).join(', ');
    lines.push(`- Trained on each training image's embedding and those of ${hp.augmentedViews} augmented view(s) of it (${recipe}), each embedded by the frozen backbone; at prediction time a photo is embedded as it is, with no augmentation.`);
  }
  for (const caveat of runCaveats(run)) lines.push(`- **Note:** ${caveat}.`);
  lines.push('- Hyperparameters:', '', '```json', JSON.stringify(hp, null, 2), '```');
  lines.push('', '## Evaluation on the test split', '');
  if (run.test) {
    lines.push(`- Test loss ${num(run.test.loss)}, accuracy ${pct(run.test.accuracy)} on ${run.test.images} images`, '');
    lines.push(mdTable(['class', 'precision', 'recall', 'f1', 'support'], run.test.perClass.map((p) => [p.class, pct(p.precision), pct(p.recall), pct(p.f1), p.support])));
  } else {
    lines.push('No test evaluation (the run has not completed, or the snapshot has no test split).');
  }
  lines.push('', '## Export check', '');
  if (c.check) {
    const k = c.check;
    lines.push(`Ran the exported file in ${k.runtime} and the trained tfjs model on ${c.faceDescriptor ? 'the stored face descriptors of ' : c.transfer ? `the stored ${c.transfer.backbone.name} embeddings of ` : ''}${k.images} images of the run: max |Δ probability| ${k.maxAbsDiff.toExponential(2)} (tolerance ${k.tolerance}), predicted class ${k.sameClasses ? 'identical on every image' : `different on ${k.mismatches.length} image(s)`} — **${k.passed ? 'passed' : 'FAILED'}**.`);
  } else {
    lines.push(`Not checked${c.checkSkipped ? `: ${c.checkSkipped}` : ''}.`);
  }
  lines.push('');
  return lines.join('\n');
}
