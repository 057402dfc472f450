// The seed report's CNN (the default preset), built from whichever tfjs module the engine loaded.
import type * as tfjs from '@tensorflow/tfjs';

/** Convolution padding: 'valid' (the seed's and Keras' default) shrinks each map by 2; 'same' keeps its size. */
export type ConvPadding = 'valid' | 'same';

export interface SeedCnnOptions {
  imageSize: number;
  channels: 1 | 3;
  numClasses: number;
  /** One Conv2D(3×3, relu) + MaxPool(2) block per entry. Default [16, 32, 64]. */
  filters?: number[];
  denseUnits?: number;
  dropout?: number;
  /** Seed of the initial weights: the same seed gives the same weights. */
  seed?: number;
  /** Default 'valid'. */
  padding?: ConvPadding;
}

/**
 * Input (raw 0..255) → Rescaling(1/255) → [Conv2D(f, 3, relu, padding) → MaxPool(2)]… → Flatten →
 * Dense(denseUnits, relu) → [Dropout] → Dense(numClasses, softmax). Not compiled.
 */
export function buildSeedCnn(tf: typeof tfjs, opts: SeedCnnOptions): tfjs.LayersModel {
  const filters = opts.filters ?? [16, 32, 64];
  const denseUnits = opts.denseUnits ?? 128;
  const dropout = opts.dropout ?? 0;
  const seed = opts.seed ?? 42;
  const padding = opts.padding ?? 'valid';
  // Every initialiser gets its own seed derived from the model seed, so layers do not share draws.
  let next = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 1000 + next++ });

  const layers: tfjs.layers.Layer[] = [
    tf.layers.rescaling({ scale: 1 / 255, inputShape: [opts.imageSize, opts.imageSize, opts.channels] }),
  ];
  for (const f of filters) {
    layers.push(tf.layers.conv2d({
      filters: f, kernelSize: 3, activation: 'relu', padding, kernelInitializer: init(),
    }));
    layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
  }
  layers.push(tf.layers.flatten());
  layers.push(tf.layers.dense({ units: denseUnits, activation: 'relu', kernelInitializer: init() }));
  // No seed here: tfjs' dropout draws the same mask on every call when given one.
  if (dropout > 0) layers.push(tf.layers.dropout({ rate: dropout }));
  layers.push(tf.layers.dense({ units: opts.numClasses, activation: 'softmax', kernelInitializer: init() }));
  return tf.sequential({ name: 'seed_cnn', layers });
}
