// The Train view's estimate: the image-size note it shows, and the composable asking runs/estimate
// only for the settings that stopped changing, keeping the answer to the latest ones.
import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import { estimateNotes, imageSizeNote, transferNote, useRunEstimate } from '../../src/renderer/runEstimate.js';
import type { RunEstimate } from '../../src/shared/estimate.js';
import { DEFAULT_HYPERPARAMETERS, type Hyperparameters } from '../../src/shared/hyperparameters.js';

const estimate = (over: Partial<RunEstimate>): RunEstimate => ({
  seconds: 7800, imageSize: 256, epochs: 50, trainImages: 4000, valImages: 500, trainImagesPerSecond: 30,
  measured: 'cached', faster: null, text: '~2 h 10 min at 256 px on this machine', embedding: null, trainingSeconds: null, ...over,
});

/** A transfer estimate: 600 images to embed with mobilenet, then the head. */
const transfer = (over: Partial<RunEstimate> = {}): RunEstimate => estimate({
  seconds: 40, epochs: 30, trainImages: 480, valImages: 60, trainImagesPerSecond: 5200, measured: 'now', trainingSeconds: 6,
  text: '~40 s: 600 images to embed with mobilenet on this machine, then ~5 s of training',
  embedding: { backbone: 'mobilenet', images: 600, views: 0, seconds: 34, imagesPerSecond: 21.1, threads: 2, source: 'pass', measured: 'cached' },
  ...over,
});

describe('imageSizeNote', () => {
  it('shows the estimate, and the faster size as a change of the image-size field', () => {
    expect(imageSizeNote(estimate({}), false)).toEqual({
      text: 'Training: ~2 h 10 min at 256 px on this machine.',
      title: '50 epochs of 4000 images, 30 img/s, this machine\'s measured speed',
    });
    const long = imageSizeNote(estimate({ faster: { imageSize: 64, seconds: 540 }, text: '~2 h 10 min at 256 px on this machine; 64 px would take ~9 min' }), false);
    expect(long?.action).toEqual({ label: 'Use 64 px', path: 'imageSize', value: '64' });
    expect(imageSizeNote(null, true)?.text).toMatch(/Estimating/);
    expect(imageSizeNote(estimate({ seconds: null }), false)).toBeNull();
  });
});

describe('transferNote and estimateNotes', () => {
  it('puts the transfer estimate under the backbone, with what it rests on on hover', () => {
    const note = transferNote(transfer(), false)!;
    expect(note.text).toBe('This run takes ~40 s: 600 images to embed with mobilenet on this machine, then ~5 s of training.');
    expect(note.title).toBe('mobilenet embeds 21.1 images/s on 2 threads, the last embedding pass here; the head trains 30 epochs at 5,200 vectors/s, measured just now');
    expect(transferNote(null, true)?.text).toMatch(/Estimating the embedding and training time/);
    expect(transferNote(estimate({}), false)).toBeNull(); // a seed-cnn answer arriving late shows nothing here
    expect(estimateNotes('transfer', transfer(), false)).toEqual({ backbone: note });
    expect(Object.keys(estimateNotes('seed-cnn', estimate({}), false))).toEqual(['imageSize']);
    expect(estimateNotes('face-embedding', null, false)).toEqual({});
  });

  it('when every vector exists, says so and names no embedding speed', () => {
    const ready = transfer({
      text: '~5 s, embeddings are ready', seconds: 6,
      embedding: { backbone: 'mobilenet', images: 0, views: 0, seconds: 0, imagesPerSecond: null, threads: null, source: null, measured: 'not needed' },
    });
    expect(transferNote(ready, false)).toEqual({ text: 'This run takes ~5 s, embeddings are ready.', title: 'the head trains 30 epochs at 5,200 vectors/s, measured just now' });
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

  it('asks for transfer runs too, not for the face head, and again when the refresh key changes', async () => {
    const asked: string[] = [];
    const ask = async (_d: number, hyperparameters: Hyperparameters) => {
      asked.push(hyperparameters.preset);
      return transfer();
    };
    const hp = ref<Hyperparameters | null>({ ...DEFAULT_HYPERPARAMETERS, preset: 'transfer' });
    const runsEnded = ref('running');
    const { estimate: got } = useRunEstimate(ask, () => 1, () => hp.value, 5, () => runsEnded.value);
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toEqual(['transfer']);
    expect(got.value?.embedding?.images).toBe(600);
    runsEnded.value = 'completed'; // a run ended: it may have embedded the images counted
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toEqual(['transfer', 'transfer']);
    hp.value = { ...DEFAULT_HYPERPARAMETERS, preset: 'face-embedding' };
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toHaveLength(2);
    expect(got.value).toBeNull();
  });
});

