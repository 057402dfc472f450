// The live training panel's line: one phase at a time with only that phase's numbers.
import { describe, expect, it } from 'vitest';
import { describeTrainProgress } from '../../src/renderer/trainPhase.js';
import type { TrainProgress } from '../../src/shared/runs.js';

const base: TrainProgress = { runId: 1, phase: 'preparing', epoch: 0, epochs: 3, batch: 0, batches: 0, loss: null, accuracy: null, imagesPerSecond: null, etaSeconds: null };
const run = { epochsDone: 0, epochs: 3 };

describe('describeTrainProgress', () => {
  it('says what the preparation is doing, with its image count and never an epoch', () => {
    expect(describeTrainProgress({ ...base }, run)).toEqual({ title: 'Starting the training process…', detail: null, fraction: null });
    expect(describeTrainProgress({ ...base, task: 'decoding', prepared: 12, toPrepare: 48 }, run)).toEqual({ title: 'Decoding images into the cache', detail: '12 / 48 images', fraction: 0.25 });
    expect(describeTrainProgress({ ...base, task: 'decoding', prepared: 0, toPrepare: 0 }, run).title).toBe('Checking the image cache');
    expect(describeTrainProgress({ ...base, task: 'embedding', prepared: 5, toPrepare: 10 }, run)).toMatchObject({ title: 'Embedding images with the pretrained backbone', detail: '5 / 10 images' });
    // Decoding finished, the model being built: no longer "Decoding 48 / 48".
    expect(describeTrainProgress({ ...base, task: 'model' }, run)).toEqual({ title: 'Building the model', detail: null, fraction: null });
  });

  it('shows epoch and batch only while training, the epoch while validating', () => {
    const training = describeTrainProgress({ ...base, phase: 'training', epoch: 1, batch: 3, batches: 4 }, run);
    expect(training).toEqual({ title: 'Training', detail: 'epoch 1 / 3 · batch 3 / 4', fraction: 0.25 });
    expect(describeTrainProgress({ ...base, phase: 'validating', epoch: 2 }, run)).toEqual({ title: 'Validating', detail: 'epoch 2 / 3', fraction: 2 / 3 });
    expect(describeTrainProgress({ ...base, phase: 'evaluating', epoch: 3 }, run)).toEqual({ title: 'Evaluating on the test split', detail: null, fraction: 1 });
  });

  it('before any event, shows the epochs done so far', () => {
    expect(describeTrainProgress(null, { epochsDone: 1, epochs: 4 })).toEqual({ title: 'Starting the training process…', detail: null, fraction: 0.25 });
  });
});
