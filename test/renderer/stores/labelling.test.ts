import { beforeEach, describe, expect, it } from 'vitest';
import { useLabellingStore } from '../../../src/renderer/stores/labelling.js';
import type { EmbeddingsStatus, EmbeddingsSummary, LabellingQueue, SuggestionsStatus, SuggestionsSummary } from '../../../src/shared/labelling.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';

const status = (embedded: number): EmbeddingsStatus => ({
  datasetId: 1,
  images: 10,
  running: null,
  defaultBackbone: 'mobilenet',
  backbones: [{ name: 'mobilenet', label: 'MobileNetV2', dimensions: 1024, licence: 'MIT', embedded }],
});
const embedded = (s: EmbeddingsSummary['status']): EmbeddingsSummary => ({
  datasetId: 1, backbone: 'mobilenet', images: 10, embeddedImages: 10, newlyEmbedded: 6, dimensions: 1024, failed: [], backend: 'wasm', threads: 2, seconds: 1, status: s,
});
const refreshed: SuggestionsSummary = { datasetId: 1, backbone: 'mobilenet', labelled: 4, suggested: 6, validationAccuracy: null, calibrationImages: 0, temperature: 1, classes: 2, seconds: 1, status: 'completed' };
const suggestionsStatus: SuggestionsStatus = { datasetId: 1, running: false, last: null, labelsSinceRefresh: 0, labelled: 4, unlabelled: 6 };
const queue: LabellingQueue = {
  datasetId: 1, strategy: 'active', method: 'uncertainty-diverse', images: [], remaining: 6,
  progress: { datasetId: 1, labelled: 4, total: 10, unlabelled: 6, labelsPerMinute: null, recentSuggestionAccuracy: null, recentSuggestionSample: 0 },
};

let fake: FakeApi;
beforeEach(() => {
  fake = installFakeApi();
  fake.answer('suggestions/status', () => suggestionsStatus);
  fake.answer('queue/next', () => queue);
});

describe('the suggestions background job', () => {
  it('embeds what is missing first, shows its own dataset\'s progress, then refreshes and goes idle', async () => {
    fake.answer('embeddings/status', () => status(4));
    const embedding = fake.hold('embeddings/start');
    const suggesting = fake.hold('suggestions/refresh');
    const labelling = useLabellingStore();
    labelling.use(1);

    const done = labelling.refreshSuggestions();
    await settle();
    expect(labelling.job).toEqual({ kind: 'embedding', progress: null });
    fake.emit('embeddings/progress', { datasetId: 1, backbone: 'mobilenet', phase: 'embedding', done: 3, total: 6 });
    fake.emit('embeddings/progress', { datasetId: 2, backbone: 'mobilenet', phase: 'embedding', done: 5, total: 6 });
    expect(labelling.job).toMatchObject({ kind: 'embedding', progress: { datasetId: 1, done: 3 } });

    embedding.resolve(embedded('completed'));
    await settle();
    expect(labelling.job).toEqual({ kind: 'suggesting', progress: null });
    fake.emit('suggestions/progress', { datasetId: 1, phase: 'training', done: 2, total: 5 });
    expect(labelling.job).toEqual({ kind: 'suggesting', progress: { datasetId: 1, phase: 'training', done: 2, total: 5 } });

    suggesting.resolve(refreshed);
    await done;
    expect(labelling.job).toEqual({ kind: 'idle' });
    expect(labelling.jobError).toBeNull();
  });

  it('skips the embedding phase when every image has a vector', async () => {
    fake.answer('embeddings/status', () => status(10));
    fake.answer('suggestions/refresh', () => refreshed);
    const labelling = useLabellingStore();
    labelling.use(1);
    await labelling.refreshSuggestions();
    expect(fake.calls.map((c) => c.name)).not.toContain('embeddings/start');
    expect(fake.calls.map((c) => c.name)).toContain('suggestions/refresh');
  });

  it('fetches a new queue after a refresh only while the To label view shows one', async () => {
    fake.answer('embeddings/status', () => status(10));
    fake.answer('suggestions/refresh', () => refreshed);
    fake.answer('splits/holdout', () => ({ datasetId: 1, val: 0.1, test: 0.1 }) as never);
    const labelling = useLabellingStore();
    const queueCalls = () => fake.calls.filter((c) => c.name === 'queue/next').length;
    labelling.use(1); // the labeller grid
    await labelling.refreshSuggestions();
    expect(queueCalls()).toBe(0);

    await labelling.open(1); // the To label view
    expect(queueCalls()).toBe(1);
    await labelling.refreshSuggestions();
    expect(queueCalls()).toBe(2);

    labelling.leave();
    await labelling.refreshSuggestions();
    expect(queueCalls()).toBe(2);
  });

  it('cancels the phase running and stops there', async () => {
    fake.answer('embeddings/status', () => status(4));
    fake.answer('embeddings/cancel', () => ({ cancelled: true }));
    const embedding = fake.hold('embeddings/start');
    const labelling = useLabellingStore();
    labelling.use(1);

    const done = labelling.refreshSuggestions();
    await settle();
    await labelling.cancelJob();
    expect(labelling.job).toEqual({ kind: 'cancelling' });
    expect(fake.calls.at(-1)).toEqual({ name: 'embeddings/cancel', args: { datasetId: 1 } });

    embedding.resolve(embedded('cancelled'));
    await done;
    expect(labelling.job).toEqual({ kind: 'idle' });
    expect(fake.calls.map((c) => c.name)).not.toContain('suggestions/refresh');
  });

  it('keeps a failed refresh as the job\'s error and goes idle', async () => {
    fake.answer('embeddings/status', () => status(10));
    const suggesting = fake.hold('suggestions/refresh');
    const labelling = useLabellingStore();
    labelling.use(1);
    const done = labelling.refreshSuggestions();
    await settle();
    suggesting.reject(new Error('The engine stopped'));
    await done;
    expect(labelling.job).toEqual({ kind: 'idle' });
    expect(labelling.jobError?.message).toContain('The engine stopped');
  });
});

describe('suggestions in the labeller grid', () => {
  it('are read by image from the compact call, each with its class name, and accepted ones leave the grid', async () => {
    fake.answer('suggestions/byImage', () => ({ datasetId: 1, imageIds: [5, 9], classIds: [2, 3], confidences: [0.91, 0.4], classes: [{ id: 2, name: 'dog' }, { id: 3, name: 'fox' }] }));
    const labelling = useLabellingStore();
    await labelling.loadSuggestions(1);
    expect(labelling.suggestions.get(5)).toEqual({ imageId: 5, classId: 2, className: 'dog', confidence: 0.91 });
    expect(labelling.suggestions.get(9)).toMatchObject({ className: 'fox', confidence: 0.4 });
    expect(labelling.suggestions.size).toBe(2);

    fake.answer('suggestions/accept', () => ({ preview: false, count: 1, byClass: [], accepted: [{ imageId: 5, path: 'a/5.jpg', classId: 2, class: 'dog', confidence: 0.91 }], change: { editId: 3, changed: 1, imageIds: [5] } }));
    fake.answer('queue/progress', () => queue.progress);
    fake.answer('classes/list', () => []);
    await labelling.accept({ imageIds: [5] }, false);
    expect([...labelling.suggestions.keys()]).toEqual([9]);
  });
});
