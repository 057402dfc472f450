// Hyperparameters of a training run, with the seed report's values as defaults (docs/report.md):
// 256×256 RGB, batch 32, 50 epochs, Adam lr 0.001, flip + rotation.
// Each field's .describe() is its help text: `facet train` derives one flag per field from this schema
// (src/main/cli/hyperparameter-flags.ts), so a field added here, described, is a flag too.
import { z } from 'zod';
import { DEFAULT_BACKBONE } from './labelling.js';

/**
 * seed-cnn: the seed report's CNN on pixels. face-embedding: a dense head on frozen 128-d face
 * descriptors (needs `facet faces`). transfer: a dense head on a pretrained backbone's stored image
 * embeddings (computed inside the run when missing).
 */
export const PRESETS = ['seed-cnn', 'face-embedding', 'transfer'] as const;
export type PresetName = (typeof PRESETS)[number];

/** The pixel backbones a transfer head can train on (src/main/core/embeddings/backbones.ts). */
export const TRANSFER_BACKBONES = ['mobilenet', 'centernet'] as const;
export type TransferBackbone = (typeof TRANSFER_BACKBONES)[number];
const DEFAULT_TRANSFER_BACKBONE: TransferBackbone = (TRANSFER_BACKBONES as readonly string[]).includes(DEFAULT_BACKBONE) ? (DEFAULT_BACKBONE as TransferBackbone) : 'mobilenet';

/** Each view is one more backbone pass per training image, stored: a ceiling on what a run may ask for. */
export const MAX_AUGMENTED_VIEWS = 8;

export const AugmentationSchema = z.object({
  flip: z.boolean().describe('random horizontal flip').default(true),
  /** Random rotation as a fraction of a full turn, like Keras RandomRotation(factor): 0.1 = ±36°. */
  rotation: z.number().min(0, 'rotation must be 0 or more').max(0.5, 'rotation is a fraction of a turn: at most 0.5').describe('random rotation, fraction of a turn (0.1 = ±36°)').default(0.1),
  /** Random zoom as a fraction, like Keras RandomZoom: 0.1 = ±10%. 0 turns it off. */
  zoom: z.number().min(0).max(0.5, 'zoom is at most 0.5 (±50%)').describe('random zoom fraction (0: off)').default(0),
  /** Random contrast factor, like Keras RandomContrast: 0.2 = ×[0.8, 1.2]. 0 turns it off. */
  contrast: z.number().min(0).max(1, 'contrast is at most 1').describe('random contrast factor (0: off)').default(0),
});
export type Augmentation = z.infer<typeof AugmentationSchema>;

/** Train on the most confident face's box, widened by `margin` × its size on each side (needs `facet faces`). */
export const CropToFaceSchema = z.object({
  enabled: z.boolean().default(false),
  margin: z.number().min(0, 'the face margin must be 0 or more').max(1, 'the face margin is at most 1 (a box three times the face)').describe('margin around the face, a fraction of its size').default(0.2),
}).describe('train on the face box (needs `facet faces` first)');
export type CropToFace = z.infer<typeof CropToFaceSchema>;

export const HyperparametersSchema = z.object({
  preset: z.enum(PRESETS).describe('model preset (face-embedding needs `facet faces` first; transfer trains a head on pretrained embeddings)').default('seed-cnn'),
  backbone: z.enum(TRANSFER_BACKBONES).describe('pretrained backbone of the transfer preset').default(DEFAULT_TRANSFER_BACKBONE),
  imageSize: z
    .number()
    .int('image size must be a whole number of pixels')
    .min(16, 'image size must be at least 16 (three 3×3 conv + pool blocks need room)')
    .max(512, 'image size is at most 512 on a CPU; 256 is the seed default')
    .describe('square input size in pixels')
    .default(256),
  colorMode: z.enum(['rgb', 'grayscale']).describe('colour mode').default('rgb'),
  batchSize: z.number().int('batch size must be a whole number').min(1, 'batch size must be at least 1').max(1024, 'batch size is at most 1024').describe('batch size').default(32),
  epochs: z.number().int('epochs must be a whole number').min(1, 'train for at least 1 epoch').max(1000, 'epochs is at most 1000').describe('passes over the training split').default(50),
  optimizer: z.enum(['adam', 'sgd', 'rmsprop']).describe('gradient-descent optimizer').default('adam'),
  learningRate: z.number().gt(0, 'learning rate must be more than 0').max(1, 'learning rate must be at most 1').describe('learning rate').default(0.001),
  /** One Conv2D(3×3, relu) + MaxPool(2) block per entry. */
  filters: z.array(z.number().int().min(1).max(512)).min(1, 'give at least one conv block').max(6, 'at most 6 conv blocks').describe('filters per conv block, comma-separated').default([16, 32, 64]),
  /**
   * Convolution padding: 'valid' (the seed's and Keras' default: each 3×3 conv trims a 1-pixel
   * border) or 'same' (zero-padded, keeps the size; ~40% more work, often a few points more accurate).
   */
  padding: z.enum(['valid', 'same']).describe("convolution padding: valid (the seed's, Keras' default) or same").default('valid'),
  denseUnits: z.number().int().min(1).max(4096).describe('units of the hidden dense layer').default(128),
  dropout: z.number().min(0).max(0.9, 'dropout must be below 0.9').describe('dropout before the output layer').default(0),
  /** Stop when val_loss has not improved for this many epochs; 0 = never stop early. */
  patience: z.number().int().min(0).max(1000).describe('stop after N epochs without val_loss improvement (0: off)').default(0),
  seed: z.number().int().min(0).max(2 ** 31 - 1).describe('seed of weights, shuffling and augmentation').default(42),
  augmentation: AugmentationSchema.default({ flip: true, rotation: 0.1, zoom: 0, contrast: 0 }),
  /**
   * transfer only: augmented copies of each training image (the augmentation settings above), each
   * embedded once by the frozen backbone and stored, trained on with the originals. 0 = off.
   */
  augmentedViews: z
    .number()
    .int('augmented views must be a whole number')
    .min(0, 'augmented views must be 0 or more')
    .max(MAX_AUGMENTED_VIEWS, `at most ${MAX_AUGMENTED_VIEWS} augmented views per image (each is one more backbone pass per training image)`)
    .describe('transfer: augmented views per training image, each embedded once (0: off)')
    .default(0),
  cropToFace: CropToFaceSchema.default({ enabled: false, margin: 0.2 }),
});
export type Hyperparameters = z.infer<typeof HyperparametersSchema>;
export type HyperparametersInput = z.input<typeof HyperparametersSchema>;

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = HyperparametersSchema.parse({});

/** The smallest image size the conv stack accepts: each block is a 3×3 conv ('valid' trims 2) then a 2×2 pool. */
export function minImageSize(blocks: number, padding: 'valid' | 'same' = 'valid'): number {
  let size = 1;
  for (let i = 0; i < blocks; i++) size = size * 2 + (padding === 'valid' ? 2 : 0);
  return size;
}

export const CheckedHyperparametersSchema = HyperparametersSchema.superRefine((hp, ctx) => {
  const min = minImageSize(hp.filters.length, hp.padding);
  if (hp.imageSize < min) {
    ctx.addIssue({
      code: 'custom',
      path: ['imageSize'],
      message: `image size ${hp.imageSize} is too small for ${hp.filters.length} conv blocks: use at least ${min}` +
        (hp.padding === 'valid' ? ` (or 'same' padding, from ${minImageSize(hp.filters.length, 'same')})` : ` with 'same' padding`),
    });
  }
  const a = hp.augmentation;
  if (hp.preset === 'transfer' && hp.augmentedViews > 0 && !a.flip && a.rotation === 0 && a.zoom === 0 && a.contrast === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['augmentedViews'],
      message: 'augmented views would be copies of the originals: turn on flip, rotation, zoom or contrast, or set augmented views to 0',
    });
  }
});

/** What the model reads: "64px" (crop to face: "64px face crops"), or "face descriptors" for a head on them. */
export function inputLabel(hp: Hyperparameters): string {
  if (hp.preset === 'face-embedding') return 'face descriptors';
  if (hp.preset === 'transfer') return `${hp.backbone} embeddings${hp.augmentedViews > 0 ? ` + ${hp.augmentedViews} augmented views` : ''}`;
  return hp.cropToFace.enabled ? `${hp.imageSize}px face crops` : `${hp.imageSize}px`;
}

/** The few settings that tell runs apart, in one line (run tables, default run names). */
export function keyHyperparameters(hp: Hyperparameters): string {
  const model = hp.preset !== 'seed-cnn' ? `dense ${hp.denseUnits}` : `[${hp.filters.join(',')}]`;
  return `${inputLabel(hp)} · ${hp.epochs} ep · bs ${hp.batchSize} · lr ${hp.learningRate} · ${model}`;
}
