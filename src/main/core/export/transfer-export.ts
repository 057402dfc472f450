// What an exported transfer head needs besides its weights: preprocessing.json naming the backbone
// (package, version, input size, scaling, which layer gives the vector), the model card's input
// section, and the stored embeddings the export check runs on.
import type { ModelFormat } from '../../../shared/export.js';
import type { TransferBackbone } from '../../../shared/hyperparameters.js';
import type { Run } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { BACKBONE_SPECS, backbonePackage } from '../embeddings/backbones.js';
import { vectorsByHash } from '../embeddings/embedding-store.js';
import { loadSnapshot } from '../training/snapshots.js';
import type { CheckInputs } from './check.js';
import { ONNX_OUTPUT, ONNX_VECTOR_INPUT } from './onnx-model.js';

const SCALING: Record<TransferBackbone, { range: [number, number]; feature: string }> = {
  mobilenet: { range: [0, 1], feature: 'MobilenetV2/Logits/AvgPool (global average pool), the graph node ending in predict/MobilenetV2/Logits/AvgPool' },
  centernet: { range: [0, 255], feature: 'tower_0/extern1/hard_swish/mul_1 feature map, averaged over height and width' },
};

/** Why the export is the head alone: said in the model card and in preprocessing.json. */
export const WHY_HEAD_ONLY =
  "The backbone is a TensorFlow.js graph model (converted from a TF SavedModel), not a layers model: tfjs cannot save a graph model and a layers model as one model.json, and Facet's ONNX writer converts Sequential layers only, not the backbone's graph ops (fused convolutions, hard-swish, …). Its weights also ship in the npm package named above under that package's licence, so the export names the exact package and version instead of copying it.";

export interface TransferPreprocessing {
  kind: 'image-embedding';
  input: { layout: 'NC'; dtype: 'float32'; shape: [null, number]; onnxName: string };
  backbone: {
    name: TransferBackbone;
    label: string;
    package: string;
    version: string;
    licence: string;
    inputSize: number;
    /** Pixel values the backbone is fed: [0, 1] is raw / 255. */
    range: [number, number];
    feature: string;
  };
  resize: { mode: 'squash'; interpolation: 'lanczos3'; keepAspectRatio: false; width: number; height: number };
  exifOrientation: 'applied';
  alpha: 'composited on white';
  colorSpace: 'sRGB';
  headOnly: string;
}

export function transferPreprocessing(name: TransferBackbone): TransferPreprocessing {
  const spec = BACKBONE_SPECS[name];
  const pkg = backbonePackage(name);
  return {
    kind: 'image-embedding',
    input: { layout: 'NC', dtype: 'float32', shape: [null, spec.dimensions], onnxName: ONNX_VECTOR_INPUT },
    backbone: { name, label: spec.label, package: pkg.package, version: pkg.version, licence: spec.licence, inputSize: spec.inputSize, range: SCALING[name].range, feature: SCALING[name].feature },
    resize: { mode: 'squash', interpolation: 'lanczos3', keepAspectRatio: false, width: spec.inputSize, height: spec.inputSize },
    exifOrientation: 'applied',
    alpha: 'composited on white',
    colorSpace: 'sRGB',
    headOnly: WHY_HEAD_ONLY,
  };
}

export function transferCardInput(p: TransferPreprocessing, format: ModelFormat, numClasses: number): string[] {
  const b = p.backbone;
  const dims = p.input.shape[1];
  return [
    `- This model is the classifier **head** of a transfer run: its input is one ${dims}-d image embedding per row, float32 \`[batch, ${dims}]\`${format === 'onnx' ? ` (ONNX input \`${p.input.onnxName}\`)` : ''}, not pixels.`,
    `- Backbone: ${b.label} — npm package \`${b.package}@${b.version}\` (${b.licence}). Its weights are not in these files.`,
    `- From a photo to the input: apply EXIF orientation, composite transparency on white, sRGB, squash to ${b.inputSize}×${b.inputSize} (aspect ratio not kept, lanczos3 as sharp resizes by default), feed the RGB pixels scaled to [${b.range.join(', ')}]${b.range[1] === 1 ? ' (value / 255)' : ' (raw values)'} to the backbone and take ${b.feature}.`,
    `- Why the backbone is not inside the file: ${WHY_HEAD_ONLY}`,
    `- Output: \`[batch, ${numClasses}]\` softmax probabilities in \`labels.json\` order${format === 'onnx' ? ` (ONNX output \`${ONNX_OUTPUT}\`)` : ''}.`,
    ...(format === 'tfjs' ? ['- `facet predict --model DIR PHOTO…` runs the backbone (from the installed package) and this head on photos.'] : []),
  ];
}

/** Stored embeddings of the run's images (test split first), for the export check. */
export function sampleTransferEmbeddings(db: Database, run: Run, backbone: TransferBackbone, count: number): CheckInputs {
  const items = loadSnapshot(db, run.snapshotId).items.slice().sort((a, b) => Number(b.split === 'test') - Number(a.split === 'test'));
  const dims = BACKBONE_SPECS[backbone].dimensions;
  const byHash = vectorsByHash(db, backbone, items.map((i) => i.hash));
  const picked = items.filter((i) => byHash.has(i.hash)).slice(0, count);
  const values = new Float32Array(picked.length * dims);
  picked.forEach((item, i) => values.set(byHash.get(item.hash)!, i * dims));
  return { paths: picked.map((i) => i.path), values, shape: [picked.length, dims] };
}
