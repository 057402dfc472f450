// Pretrained image backbones shipped inside npm packages, loaded from node_modules through the file
// system (a tfjs io handler over the package's own files: nothing downloads), each cut at a pooled
// feature layer to give one vector per image.
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { BackboneName } from '../../../shared/labelling.js';
import { loadEngine } from '../platform/engine/index.js';
import type { EnginePreference, Tf } from '../platform/engine/types.js';

const require = createRequire(import.meta.url);

/** A package's folder (these packages do not export their package.json, so walk up from their main file). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name.split('/').pop()) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the ${name} package`);
    dir = up;
  }
  return dir;
}

const BACKBONE_PACKAGES = { mobilenet: 'nsfwjs', centernet: '@vladmandic/human' } as const;

/** The npm package a pixel backbone's weights ship in, with its installed version (model cards name it). */
export function backbonePackage(name: PixelBackboneName): { package: string; version: string } {
  const pkg = BACKBONE_PACKAGES[name];
  const { version } = JSON.parse(readFileSync(path.join(packageDir(pkg), 'package.json'), 'utf8')) as { version: string };
  return { package: pkg, version };
}

/** The backbones computed from pixels ('face' reuses the face analysis' descriptors). */
export type PixelBackboneName = Exclude<BackboneName, 'face'>;

export interface BackboneSpec {
  name: BackboneName;
  label: string;
  dimensions: number;
  licence: string;
  /** Side of the square input, in pixels. */
  inputSize: number;
}

export const BACKBONE_SPECS: Record<BackboneName, BackboneSpec> = {
  mobilenet: {
    name: 'mobilenet',
    label: 'MobileNetV2 ×1.4 (ImageNet, fine-tuned), from nsfwjs 4.4.0',
    dimensions: 1792,
    licence: 'MIT (nsfwjs); MobileNetV2 weights Apache-2.0 (TensorFlow Hub)',
    inputSize: 224,
  },
  centernet: {
    name: 'centernet',
    label: 'CenterNet MobileNetV3 (COCO objects), from @vladmandic/human 3.3.6',
    dimensions: 480,
    licence: 'MIT (@vladmandic/human)',
    inputSize: 224,
  },
  face: {
    name: 'face',
    label: 'Face descriptors (face-api ResNet-34), from the face analysis',
    dimensions: 128,
    licence: 'MIT (@vladmandic/face-api)',
    inputSize: 150,
  },
};

export interface Backbone {
  readonly spec: BackboneSpec;
  readonly backend: string;
  /** Calls of `embed` it computes at once (worker threads of backbone-pool.ts; 1 in this thread). */
  readonly threads: number;
  /** pixels: n × size × size × 3 RGB bytes; returns n vectors. */
  embed(pixels: Uint8Array, n: number): Promise<Float32Array[]>;
  dispose(): void | Promise<void>;
}

/** n vectors of `dims` from one n·dims array. */
export function splitVectors(data: Float32Array, n: number): Float32Array[] {
  const dims = data.length / n;
  return Array.from({ length: n }, (_, i) => data.slice(i * dims, (i + 1) * dims));
}

interface ModelJson {
  modelTopology: { node: { name: string; op: string; attr?: Record<string, unknown> }[] };
  weightsManifest: { paths: string[]; weights: tfjs.io.WeightsManifestEntry[] }[];
  signature?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
}

const MOBILENET_NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/Logits/AvgPool';
const CENTERNET_NODE = 'tower_0/extern1/hard_swish/mul_1';

/** nsfwjs ships its graph model as CommonJS modules: the JSON, and weight shards as base64 strings. */
function nsfwjsMidModel(): { json: ModelJson; weights: ArrayBuffer } {
  const dir = path.join(packageDir('nsfwjs'), 'dist', 'models', 'mobilenet_v2_mid');
  const json = require(path.join(dir, 'model.min.js')) as ModelJson;
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => Buffer.from(require(path.join(dir, `${p}.min.js`)) as string, 'base64'));
  const all = Buffer.concat(shards);
  return { json, weights: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

async function humanCenternet(): Promise<{ json: ModelJson; weights: ArrayBuffer }> {
  const dir = path.join(packageDir('@vladmandic/human'), 'models');
  const json = JSON.parse(await fs.readFile(path.join(dir, 'centernet.json'), 'utf8')) as ModelJson;
  // The detector is exported for a fixed 1×512×512 input; any batch and size work with the shape freed.
  for (const node of json.modelTopology.node) {
    if (node.op === 'Placeholder') node.attr = { ...node.attr, shape: { shape: { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }] } } };
  }
  const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, p))));
  const all = Buffer.concat(parts);
  return { json, weights: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

async function loadGraph(tf: Tf, source: { json: ModelJson; weights: ArrayBuffer }): Promise<tfjs.GraphModel> {
  const handler = tf.io.fromMemory({
    modelTopology: source.json.modelTopology as unknown as tfjs.io.ModelArtifacts['modelTopology'],
    weightSpecs: source.json.weightsManifest.flatMap((g) => g.weights),
    weightData: source.weights,
    format: source.json.format,
    generatedBy: source.json.generatedBy,
    convertedBy: source.json.convertedBy ?? undefined,
    ...(source.json.signature ? { signature: source.json.signature as object } : {}),
  });
  return tf.loadGraphModel(handler);
}

/** A backbone loaded in this thread: `embedFlat` gives the n vectors as one n·dims array. */
export interface LocalBackbone extends Backbone {
  embedFlat(pixels: Uint8Array, n: number): Promise<Float32Array>;
}

/** Loads a pixel backbone in this thread on the engine loadEngine() picks (tfjs-node, else wasm), or on `prefer`. */
export async function loadBackbone(name: PixelBackboneName, prefer: EnginePreference = 'auto'): Promise<LocalBackbone> {
  const { tf, info } = await loadEngine({ prefer });
  const spec = BACKBONE_SPECS[name];
  const model = await loadGraph(tf, name === 'mobilenet' ? nsfwjsMidModel() : await humanCenternet());
  const size = spec.inputSize;
  const embedFlat = async (pixels: Uint8Array, n: number): Promise<Float32Array> => {
    const out = tf.tidy(() => {
      const input = tf.tensor4d(pixels, [n, size, size, 3], 'int32').toFloat();
      if (name === 'mobilenet') {
        // MobileNetV2 from TF Hub takes [0, 1]; its global average pool is the embedding.
        return (model.execute(input.div(255), MOBILENET_NODE) as tfjs.Tensor).reshape([n, spec.dimensions]);
      }
      // CenterNet (as @vladmandic/human feeds it) takes [0, 255]; the feature map averaged over space.
      const map = model.execute(input, CENTERNET_NODE) as tfjs.Tensor4D;
      return map.mean([1, 2]);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  return {
    spec,
    backend: info.backend,
    threads: 1,
    embedFlat,
    embed: async (pixels, n) => splitVectors(await embedFlat(pixels, n), n),
    dispose: () => model.dispose(),
  };
}
