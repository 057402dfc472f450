import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildSeedCnn } from '../../../../src/main/core/training/model.js';

describe('buildSeedCnn', () => {
  it('builds the seed report\'s layer stack with Keras shapes', () => {
    const model = buildSeedCnn(tf, { imageSize: 64, channels: 3, numClasses: 3 });
    expect(model.layers.map((l) => l.getClassName())).toEqual([
      'Rescaling', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D',
      'Flatten', 'Dense', 'Dense',
    ]);
    // 64 → conv 62 → pool 31 → conv 29 → pool 14 → conv 12 → pool 6: 6·6·64 = 2304 features.
    expect(model.layers[7]!.outputShape).toEqual([null, 2304]);
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    expect(model.countParams()).toBe(448 + 4640 + 18496 + (2304 * 128 + 128) + (128 * 3 + 3));
    model.dispose();
  });

  it("keeps the maps' size with 'same' padding (Keras' zero padding, ~40% more work than 'valid')", () => {
    const model = buildSeedCnn(tf, { imageSize: 64, channels: 3, numClasses: 3, padding: 'same' });
    // 64 → conv 64 → pool 32 → conv 32 → pool 16 → conv 16 → pool 8: 8·8·64 = 4096 features.
    expect(model.layers[7]!.outputShape).toEqual([null, 4096]);
    expect((model.layers[1]!.getConfig() as { padding: string }).padding).toBe('same');
    expect(model.countParams()).toBe(448 + 4640 + 18496 + (4096 * 128 + 128) + (128 * 3 + 3));
    model.dispose();
  });

  it('adds dropout only when asked and honours filters and dense units', () => {
    const model = buildSeedCnn(tf, { imageSize: 28, channels: 1, numClasses: 10, filters: [8], denseUnits: 16, dropout: 0.5 });
    expect(model.layers.map((l) => l.getClassName())).toEqual([
      'Rescaling', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Dense',
    ]);
    expect(model.inputs[0]!.shape).toEqual([null, 28, 28, 1]);
    model.dispose();
  });

  it('draws a new dropout mask on every training step', () => {
    const model = buildSeedCnn(tf, { imageSize: 8, channels: 1, numClasses: 2, filters: [2], denseUnits: 64, dropout: 0.5 });
    const dropout = model.layers.find((l) => l.getClassName() === 'Dropout')!;
    const masks = [0, 1].map(() => tf.tidy(() => Array.from(
      (dropout.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor).dataSync())));
    expect(masks[0]).not.toEqual(masks[1]);
    model.dispose();
  });

  it('gives the same initial weights for the same seed and different ones for another seed', () => {
    const weights = (seed: number) => {
      const model = buildSeedCnn(tf, { imageSize: 16, channels: 3, numClasses: 2, filters: [4], denseUnits: 8, seed });
      const data = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return data;
    };
    expect(weights(7)).toEqual(weights(7));
    expect(weights(7)).not.toEqual(weights(8));
  });

  it('rescales raw 0..255 pixels inside the model', () => {
    const model = buildSeedCnn(tf, { imageSize: 8, channels: 1, numClasses: 2, filters: [2], denseUnits: 4 });
    const rescaled = tf.tidy(() => (model.layers[0]!.apply(tf.fill([1, 8, 8, 1], 255)) as tf.Tensor).max().dataSync()[0]);
    expect(rescaled).toBeCloseTo(1, 6);
    model.dispose();
  });
});
