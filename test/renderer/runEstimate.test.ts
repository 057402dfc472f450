// The Train view's estimate: the image-size note it shows, and the composable asking runs/estimate
// only for the settings that stopped changing, keeping the answer to the latest ones.
import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import { imageSizeNote, useRunEstimate } from '../../src/renderer/runEstimate.js';
import type { RunEstimate } from '../../src/shared/estimate.js';
import { DEFAULT_HYPERPARAMETERS, type Hyperparameters } from '../../src/shared/hyperparameters.js';

const estimate = (over: Partial<RunEstimate>): RunEstimate => ({
  seconds: 7800, imageSize: 256, epochs: 50, trainImages: 4000, valImages: 500, trainImagesPerSecond: 30,
  measured: 'cached', faster: null, text: '~2 h 10 min at 256 px on this machine', ...over,
});

describe('imageSizeNote', () => {
  it('shows the estimate, and the faster size as a change of the image-size field', () => {
    expect(imageSizeNote(estimate({}), false)).toEqual({ text: 'Training: ~2 h 10 min at 256 px on this machine.' });
    const long = imageSizeNote(estimate({ faster: { imageSize: 64, seconds: 540 }, text: '~2 h 10 min at 256 px on this machine; 64 px would take ~9 min' }), false);
    expect(long?.action).toEqual({ label: 'Use 64 px', path: 'imageSize', value: '64' });
    expect(imageSizeNote(null, true)?.text).toMatch(/Estimating/);
    expect(imageSizeNote(estimate({ seconds: null }), false)).toBeNull();
  });
});

describe('useRunEstimate', () => {
  it('asks once the settings settle and keeps only the answer to the latest settings', async () => {
    const asked: number[] = [];
    const answers: ((e: RunEstimate) => void)[] = [];
    const ask = (datasetId: number, hyperparameters: Hyperparameters) => {
      expect(datasetId).toBe(1);
      asked.push(hyperparameters.imageSize);
      return new Promise<RunEstimate>((resolve) => answers.push(resolve));
    };
    const hp = ref<Hyperparameters | null>({ ...DEFAULT_HYPERPARAMETERS, imageSize: 128 });
    const { estimate: got, estimating } = useRunEstimate(ask, () => 1, () => hp.value, 20);
    await new Promise((r) => setTimeout(r, 40));
    hp.value = { ...DEFAULT_HYPERPARAMETERS, imageSize: 64 };
    await nextTick();
    hp.value = { ...DEFAULT_HYPERPARAMETERS, imageSize: 96 }; // typed quickly: 64 is never asked
    await nextTick();
    await new Promise((r) => setTimeout(r, 40));
    expect(asked).toEqual([128, 96]);
    answers[1]!(estimate({ imageSize: 96 }));
    answers[0]!(estimate({ imageSize: 128 })); // a late answer to older settings is dropped
    await new Promise((r) => setTimeout(r, 0));
    expect(got.value?.imageSize).toBe(96);
    expect(estimating.value).toBe(false);
    hp.value = null; // invalid settings: no estimate shown
    await nextTick();
    expect(got.value).toBeNull();
  });
});
