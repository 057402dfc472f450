import { describe, expect, it } from 'vitest';
import { CheckedHyperparametersSchema, DEFAULT_HYPERPARAMETERS, HyperparametersSchema, minImageSize } from '../../src/shared/hyperparameters.js';

describe('hyperparameters', () => {
  it("defaults to the seed report's values", () => {
    expect(DEFAULT_HYPERPARAMETERS).toMatchObject({
      preset: 'seed-cnn',
      imageSize: 256,
      colorMode: 'rgb',
      batchSize: 32,
      epochs: 50,
      optimizer: 'adam',
      learningRate: 0.001,
      filters: [16, 32, 64],
      denseUnits: 128,
      seed: 42,
      augmentation: { flip: true, rotation: 0.1 },
    });
  });

  it('names the field and the fix for bad values', () => {
    const r = CheckedHyperparametersSchema.safeParse({ learningRate: -1, batchSize: 0 });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('learningRate: learning rate must be more than 0');
    expect(messages).toContain('batchSize: batch size must be at least 1');
  });

  it('refuses an image size too small for the conv blocks, saying the minimum', () => {
    expect(minImageSize(3)).toBe(22);
    const r = CheckedHyperparametersSchema.safeParse({ imageSize: 16, filters: [8, 8, 8] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/at least 22/);
    expect(CheckedHyperparametersSchema.safeParse({ imageSize: 22 }).success).toBe(true);
  });

  it("defaults to 'valid' padding; 'same' keeps the maps' size, so smaller images fit", () => {
    expect(DEFAULT_HYPERPARAMETERS.padding).toBe('valid');
    expect(minImageSize(3, 'same')).toBe(8);
    expect(CheckedHyperparametersSchema.safeParse({ imageSize: 16, padding: 'same' }).success).toBe(true);
    const r = CheckedHyperparametersSchema.safeParse({ imageSize: 16, padding: 'valid' });
    expect(r.error!.issues[0]!.message).toBe("image size 16 is too small for 3 conv blocks: use at least 22 (or 'same' padding, from 8)");
    expect(HyperparametersSchema.safeParse({ padding: 'full' }).success).toBe(false);
  });
});
