// `facet predict --model DIR`: an exported tfjs model (model.json, labels.json, preprocessing.json)
// run on images with no workspace at all. The head of a face-embedding run analyses each photo's
// faces first (face-api, shipped with Facet), as preprocessing.json says; so does a model trained on
// face crops, which then sees each photo's face crop.
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError } from '../../../shared/errors.js';
import { FACE_DETECTORS } from '../../../shared/faces.js';
import type { PredictionFace, PredictOutcome, Prediction } from '../../../shared/runs.js';
import { createFaceAnalyzer } from '../faces/analyzer.js';
import { predictPhotos } from '../training/embedding-preset.js';
import { loadEngine } from '../platform/engine/index.js';
import { predictionOf } from '../training/metrics.js';
import { decodeForModel } from '../platform/engine/pixel-cache.js';
import { resolveUserPath } from '../platform/files/user-path.js';
import { expandImagePaths, faceCropInput } from '../training/predict.js';
import type { FaceDescriptorPreprocessing, Preprocessing } from './model-card.js';
import { fileModelHandler } from './tfjs-files.js';
import { reasonInWords } from '../../../shared/user-words.js';
import { loadBackbone } from '../embeddings/backbones.js';
import { predictTransferPhotos } from '../training/transfer-preset.js';
import { TRANSFER_BACKBONES } from '../../../shared/hyperparameters.js';
import type { TransferPreprocessing } from './transfer-export.js';

async function readJson<T>(dir: string, name: string): Promise<T> {
  const file = path.join(dir, name);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new FacetError('not-found', `Cannot read ${name} of the exported model (${reasonInWords(error)}).`, {
      file,
      hint: 'Give the folder written by `facet export RUN --format tfjs --out DIR`.',
    });
  }
}

export async function predictWithModelDir(dir: string, inputs: string[]): Promise<PredictOutcome> {
  // The CLI's own command (no core): relative paths mean the shell's folder.
  const cwd = { relativeTo: process.cwd() };
  const modelDir = resolveUserPath(dir, '--model', cwd);
  inputs = inputs.map((p) => resolveUserPath(p, 'PATHS', cwd));
  const classes = await readJson<string[]>(modelDir, 'labels.json');
  const pre = await readJson<Preprocessing | FaceDescriptorPreprocessing | TransferPreprocessing>(modelDir, 'preprocessing.json');
  const malformed = () => new FacetError('invalid-argument', 'labels.json or preprocessing.json of the exported model is malformed.', { file: modelDir, hint: 'Export the model again.' });
  if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string') || pre === null || typeof pre !== 'object') throw malformed();
  const faces = 'kind' in pre && pre.kind === 'face-descriptor';
  const transfer = 'kind' in pre && pre.kind === 'image-embedding';
  if (transfer ? !(TRANSFER_BACKBONES as readonly string[]).includes(pre.backbone?.name) : faces ? !FACE_DETECTORS.includes(pre.detector) || typeof pre.minScore !== 'number' : !isImagePreprocessing(pre)) throw malformed();
  const { tf } = await loadEngine();
  const model = await tf.loadLayersModel(fileModelHandler(tf, modelDir));
  const k = classes.length;
  const outputs = model.outputs[0]?.shape.at(-1);
  if (outputs !== k) {
    model.dispose();
    throw new FacetError('invalid-argument', `The model has ${outputs} outputs but labels.json lists ${k} classes.`, { file: modelDir, hint: 'Export the model again.' });
  }
  const { files, failed } = await expandImagePaths(inputs);
  try {
    if (transfer) {
      // The head of a transfer run: the backbone named in preprocessing.json (from the installed package) embeds each photo.
      const backbone = await loadBackbone(pre.backbone.name);
      try {
        return { predictions: await predictTransferPhotos(tf, model, classes, backbone, files, failed), failed };
      } finally {
        backbone.dispose();
      }
    }
    if (faces) {
      // The head of a face-embedding run: analyse each photo as its training photos were, then classify the descriptor.
      const analyzer = await createFaceAnalyzer({ detector: pre.detector, minScore: pre.minScore });
      return { predictions: await predictPhotos(tf, model, classes, analyzer, files, failed), failed };
    }
    const image = pre as Preprocessing;
    // Trained on face crops: crop each photo as preprocessing.json's faceCrop says.
    const crop = image.faceCrop;
    const analyzer = crop ? await createFaceAnalyzer({ detector: crop.detector, minScore: crop.minScore }) : null;
    const predictions: Prediction[] = [];
    for (const file of files) {
      let pixels: Buffer;
      let face: PredictionFace | undefined;
      try {
        if (analyzer && crop) ({ pixels, face } = await faceCropInput(analyzer, file, image.width, image.colorMode, crop.margin));
        else pixels = await decodeForModel(file, image.width, image.colorMode);
      } catch (error) {
        failed.push({ path: file, reason: `not a readable image: ${reasonInWords(error)}` });
        continue;
      }
      const y = tf.tidy(() => model.predict(tf.tensor4d(Float32Array.from(pixels), [1, image.height, image.width, image.channels])) as tfjs.Tensor);
      const probs = Float32Array.from(await y.data());
      y.dispose();
      predictions.push(predictionOf(file, classes, probs, face));
    }
    return { predictions, failed };
  } finally {
    model.dispose();
  }
}

function isImagePreprocessing(pre: object): pre is Preprocessing {
  const p = pre as Partial<Preprocessing>;
  return Number.isInteger(p.width) && (p.colorMode === 'rgb' || p.colorMode === 'grayscale');
}
