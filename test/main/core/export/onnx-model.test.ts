// The tfjs → ONNX converter on its own: layer mappings beyond the trained preset (odd sizes, 'same'
// padding, BatchNormalization, grayscale, a dense head on vectors), checked in onnxruntime; and the
// error for unmapped layers.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { layersModelToOnnx, ONNX_VECTOR_INPUT } from '../../../../src/main/core/export/index.js';
import { buildEmbeddingHead } from '../../../../src/main/core/training/embedding-preset.js';
import { loadEngine, type Tf } from '../../../../src/main/core/platform/engine/index.js';
import { buildSeedCnn } from '../../../../src/main/core/training/model.js';
import { FacetError } from '../../../../src/shared/errors.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadEngine());
});

function randomImages(n: number, size: number, channels: number, seed = 7): Float32Array {
  let s = seed;
  const out = new Float32Array(n * size * size * channels);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 256);
  return out;
}

/** Gives every weight (including BatchNormalization statistics) non-trivial seeded values. */
function randomiseWeights(model: tfjs.LayersModel): void {
  const weights = model.getWeights().map((w, i) => {
    const isVariance = model.weights[i]!.name.includes('moving_variance');
    return tf.tidy(() => (isVariance ? tf.randomUniform(w.shape, 0.5, 2, 'float32', i) : tf.randomNormal(w.shape, 0, 0.3, 'float32', i)));
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

async function maxDifference(model: tfjs.LayersModel, n: number): Promise<{ maxDiff: number; sameClass: boolean }> {
  const [, h, w, c] = model.inputs[0]!.shape as number[];
  const pixels = randomImages(n, h!, c!);
  const session = await ort.InferenceSession.create(layersModelToOnnx(model, { producerVersion: 'test' }));
  const onnxOut = (await session.run({ image: new ort.Tensor('float32', pixels, [n, h!, w!, c!]) })).probabilities!.data as Float32Array;
  await session.release();
  const tfOut = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [n, h!, w!, c!])) as tfjs.Tensor).dataSync());
  expect(onnxOut.length).toBe(tfOut.length);
  const k = tfOut.length / n;
  let maxDiff = 0;
  let sameClass = true;
  for (let i = 0; i < n; i++) {
    const a = Array.from(tfOut.slice(i * k, (i + 1) * k));
    const b = Array.from(onnxOut.slice(i * k, (i + 1) * k));
    a.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - b[j]!))));
    if (a.indexOf(Math.max(...a)) !== b.indexOf(Math.max(...b))) sameClass = false;
  }
  return { maxDiff, sameClass };
}

describe('layersModelToOnnx', () => {
  it('matches tfjs for the seed CNN with three blocks at an odd image size (flatten order NHWC)', async () => {
    const model = buildSeedCnn(tf, { imageSize: 37, channels: 3, numClasses: 4, filters: [4, 6, 8], denseUnits: 12, dropout: 0.3, seed: 3 });
    const { maxDiff, sameClass } = await maxDifference(model, 6);
    model.dispose();
    expect(maxDiff).toBeLessThan(1e-5);
    expect(sameClass).toBe(true);
  });

  it("matches tfjs for the seed CNN with 'same' padding at odd sizes, with explicit pads in the graph", async () => {
    const model = buildSeedCnn(tf, { imageSize: 29, channels: 3, numClasses: 4, filters: [4, 6, 8], denseUnits: 12, seed: 5, padding: 'same' });
    const bytes = new TextDecoder('latin1').decode(layersModelToOnnx(model, { producerVersion: 'test' }));
    const { maxDiff, sameClass } = await maxDifference(model, 5);
    model.dispose();
    expect(bytes).not.toContain('auto_pad');
    expect(maxDiff).toBeLessThan(1e-5);
    expect(sameClass).toBe(true);
  });

  it('matches tfjs for grayscale input, same padding, strides, BatchNormalization and separate activation layers', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.rescaling({ scale: 1 / 127.5, offset: -1, inputShape: [20, 20, 1] }),
        tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', strides: 2 }),
        tf.layers.batchNormalization({ axis: -1 }),
        tf.layers.reLU(),
        tf.layers.conv2d({ filters: 6, kernelSize: [3, 2], padding: 'valid', useBias: false, activation: 'tanh' }),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 7, useBias: false }),
        tf.layers.batchNormalization({ scale: false }),
        tf.layers.activation({ activation: 'sigmoid' }),
        tf.layers.dense({ units: 3 }),
        tf.layers.softmax(),
      ],
    });
    randomiseWeights(model);
    const { maxDiff, sameClass } = await maxDifference(model, 5);
    model.dispose();
    expect(maxDiff).toBeLessThan(1e-5);
    expect(sameClass).toBe(true);
  });

  it('converts a dense head on [batch, 128] vectors (the face-embedding preset: Dense, Dropout, Dense, BatchNormalization) with input face_descriptor', async () => {
    const hp = HyperparametersSchema.parse({ preset: 'face-embedding', denseUnits: 24, dropout: 0.4, seed: 9 });
    const head = buildEmbeddingHead(tf, hp, 5);
    const model = tf.sequential({ layers: [...head.layers, tf.layers.batchNormalization({ axis: -1 })] });
    randomiseWeights(model);
    const n = 7;
    const x = Float32Array.from({ length: n * 128 }, (_, i) => Math.sin(i * 12.9898) * 0.5);
    const session = await ort.InferenceSession.create(layersModelToOnnx(model, { producerVersion: 'test' }));
    expect(session.inputNames).toEqual([ONNX_VECTOR_INPUT]);
    const onnxOut = (await session.run({ [ONNX_VECTOR_INPUT]: new ort.Tensor('float32', x, [n, 128]) })).probabilities!.data as Float32Array;
    await session.release();
    const tfOut = tf.tidy(() => (model.predict(tf.tensor2d(x, [n, 128])) as tfjs.Tensor).dataSync());
    let diff = 0;
    tfOut.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - onnxOut[i]!))));
    expect(onnxOut.length).toBe(n * 5);
    expect(diff).toBeLessThan(1e-5);
    model.dispose();
  });

  it('names the layer and its type when a layer has no ONNX mapping', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 3], name: 'features' }),
        tf.layers.upSampling2d({ size: [2, 2], name: 'grow' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    let error: unknown;
    try {
      layersModelToOnnx(model, { producerVersion: 'test' });
    } catch (e) {
      error = e;
    }
    model.dispose();
    expect(error).toBeInstanceOf(FacetError);
    expect((error as FacetError).message).toBe('Layer "grow" (UpSampling2D) has no ONNX mapping.');
    expect((error as FacetError).hint).toMatch(/--format tfjs/);
  });

  it('refuses an activation it cannot map, naming it', () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 2, activation: 'elu', name: 'head' })] });
    expect(() => layersModelToOnnx(model, { producerVersion: 'test' })).toThrow('Layer "head" (Dense) has no ONNX mapping: activation "elu".');
    model.dispose();
  });
});
