// A tfjs layers model on disk in the standard format (model.json + group1-shardNofM.bin), as the
// tfjs converter writes it: browsers load it with tf.loadLayersModel('http…/model.json'), Node with
// plain @tensorflow/tfjs loads it through fileModelHandler (tfjs-node's file:// is not available here).
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError } from '../../../shared/errors.js';
import type { Tf } from '../platform/engine/index.js';
import { writeFileAtomic } from '../platform/files/atomic.js';
import { reasonInWords } from '../../../shared/user-words.js';

export const MODEL_JSON = 'model.json';
/** The tfjs converter's shard size: small enough for browser caches and CDNs. */
const SHARD_BYTES = 4 * 1024 * 1024;

/** Serialises the model in memory: model.json text and the weight shards, by file name. */
export async function serializeLayersModel(tf: Tf, model: tfjs.LayersModel): Promise<Map<string, Uint8Array>> {
  let artifacts: tfjs.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const saved = artifacts as tfjs.io.ModelArtifacts | null;
  if (!saved?.weightSpecs || saved.weightData === undefined) throw new Error('tfjs returned no weights while saving the model');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData));
  const count = Math.max(1, Math.ceil(weights.byteLength / SHARD_BYTES));
  const files = new Map<string, Uint8Array>();
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `group1-shard${i + 1}of${count}.bin`;
    paths.push(name);
    files.set(name, weights.subarray(i * SHARD_BYTES, Math.min(weights.byteLength, (i + 1) * SHARD_BYTES)));
  }
  const modelJson: tfjs.io.ModelJSON = {
    format: 'layers-model',
    generatedBy: saved.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: 'Facet Studio',
    modelTopology: saved.modelTopology as object,
    weightsManifest: [{ paths, weights: saved.weightSpecs }],
  };
  // Map keeps insertion order: shards first, model.json last, so a reader never sees a model.json whose shards are missing.
  files.set(MODEL_JSON, new TextEncoder().encode(`${JSON.stringify(modelJson)}\n`));
  return files;
}

export async function writeLayersModel(dir: string, files: Map<string, Uint8Array>): Promise<string[]> {
  for (const [name, data] of files) await writeFileAtomic(path.join(dir, name), data);
  return [...files.keys()];
}

/** An IOHandler that loads model.json and its shards from a folder, for tf.loadLayersModel in Node. */
export function fileModelHandler(tf: Tf, dir: string): tfjs.io.IOHandler {
  return {
    load: async () => {
      const jsonPath = path.join(dir, MODEL_JSON);
      let modelJson: tfjs.io.ModelJSON;
      try {
        modelJson = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tfjs.io.ModelJSON;
      } catch (error) {
        throw new FacetError('not-found', `Cannot read the exported model: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no model.json' : reasonInWords(error)}.`, {
          file: jsonPath,
          hint: 'Give the folder written by `facet export RUN --format tfjs --out DIR`.',
        });
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tfjs.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            // Shard names come from the file: keep them inside the model folder.
            const file = path.join(dir, path.basename(p));
            const data = await fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
              throw new FacetError('not-found', `A weight file of the model is missing or unreadable (${reasonInWords(error)}).`, { file, hint: 'Export the model again.' });
            });
            buffers.push(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}
