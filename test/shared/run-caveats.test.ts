// runCaveats: what makes a run's numbers mean less than they seem.
import { describe, expect, it } from 'vitest';
import { HyperparametersSchema } from '../../src/shared/hyperparameters.js';
import { runCaveats } from '../../src/shared/runs.js';

const hp = HyperparametersSchema.parse({ epochs: 10 });
const base = { status: 'completed' as const, epochsDone: 10, bestEpoch: 8, images: { train: 80, val: 10, test: 10 }, hyperparameters: hp };

describe('runCaveats', () => {
  it('says nothing about a complete run with all three splits', () => {
    expect(runCaveats(base)).toEqual([]);
  });
  it('names the missing val and test splits', () => {
    expect(runCaveats({ ...base, images: { train: 30, val: 0, test: 0 } })).toEqual([
      'no validation images: nothing chose its best epoch or stopped it early',
      'no test images: its accuracy on unseen images is unknown',
    ]);
  });
  it('says which epoch a cancelled run’s weights are from', () => {
    expect(runCaveats({ ...base, status: 'cancelled', epochsDone: 4, bestEpoch: 3 })).toEqual(['cancelled after epoch 4 of 10: its weights (and any export) are from epoch 3']);
    expect(runCaveats({ ...base, status: 'cancelled', epochsDone: 0, bestEpoch: null })).toEqual(['cancelled after epoch 0 of 10, before any epoch finished: it has no weights yet']);
  });
});
