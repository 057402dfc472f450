import { beforeEach, describe, expect, it, vi } from 'vitest';
import { percentDone, useJobEvents } from '../../../src/renderer/composables/jobEvents.js';
import type { EmbeddingsProgress, MapProgress } from '../../../src/shared/labelling.js';
import { facesProgress as analysing, facesSummary } from '../faceFixtures.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';

const embedding = (datasetId: number, done: number, total = 10): EmbeddingsProgress => ({ datasetId, backbone: 'mobilenet', phase: 'embedding', done, total });
const mapping = (datasetId: number, done: number): MapProgress => ({ datasetId, phase: 'umap', done, total: 200 });

let fake: FakeApi;
beforeEach(() => {
  fake = installFakeApi();
});

describe('useJobEvents', () => {
  it('shows each phase with the latest progress of its own event, and idle again once the job ends', async () => {
    const job = useJobEvents({ embedding: 'embeddings/progress', mapping: 'map/progress' }, { key: (p) => p.datasetId });
    expect(job.state.value).toEqual({ kind: 'idle' });

    let answer!: (status: 'completed') => void;
    const embedded = job.run('embedding', () => new Promise<{ status: 'completed' }>((r) => (answer = (status) => r({ status }))), { key: 1 });
    expect(job.state.value).toEqual({ kind: 'embedding', progress: null });
    fake.emit('embeddings/progress', embedding(1, 3));
    fake.emit('embeddings/progress', embedding(2, 9)); // another dataset's job
    fake.emit('map/progress', mapping(1, 50)); // not the phase running
    expect(job.state.value).toEqual({ kind: 'embedding', progress: embedding(1, 3) });
    answer('completed');
    expect(await embedded).toEqual({ status: 'completed' });

    void job.run('mapping', () => new Promise(() => undefined), { key: 1 });
    expect(job.state.value).toEqual({ kind: 'mapping', progress: null });
    fake.emit('embeddings/progress', embedding(1, 10));
    fake.emit('map/progress', mapping(1, 120));
    expect(job.state.value).toEqual({ kind: 'mapping', progress: mapping(1, 120) });

    job.end();
    expect(job.state.value).toEqual({ kind: 'idle' });
    expect(job.key.value).toBeNull();
    fake.emit('map/progress', mapping(1, 150));
    expect(job.progress.value).toBeNull();
  });

  it('starts a phase with the progress already known (a pass found running)', () => {
    const job = useJobEvents({ embedding: 'embeddings/progress' });
    void job.run('embedding', () => new Promise(() => undefined), { progress: embedding(1, 4) });
    expect(job.state.value).toEqual({ kind: 'embedding', progress: embedding(1, 4) });
  });

  it('follows the events a `belongs` rule picks, whatever their key', () => {
    let shown = 1;
    const job = useJobEvents({ embedding: 'embeddings/progress' }, { belongs: (p) => p.datasetId === shown });
    void job.run('embedding', () => new Promise(() => undefined), { key: 1 });
    shown = 2;
    fake.emit('embeddings/progress', embedding(1, 5));
    expect(job.progress.value).toBeNull();
    fake.emit('embeddings/progress', embedding(2, 6));
    expect(job.progress.value).toEqual(embedding(2, 6));
  });

  it('cancels through the running phase\'s call once, and says cancelling until the job ends', async () => {
    const job = useJobEvents({ embedding: 'embeddings/progress', mapping: 'map/progress' });
    const cancel = vi.fn(() => Promise.resolve());
    await job.cancel(cancel);
    expect(cancel).not.toHaveBeenCalled(); // nothing runs

    void job.run('mapping', () => new Promise(() => undefined));
    fake.emit('map/progress', mapping(1, 10));
    await job.cancel(cancel);
    await job.cancel(cancel);
    expect(cancel.mock.calls).toEqual([['mapping']]);
    expect(job.state.value).toEqual({ kind: 'cancelling' });
    // The pass goes on reporting until it stops at its next check.
    fake.emit('map/progress', mapping(1, 11));
    expect(job.progress.value).toEqual(mapping(1, 11));
    expect(job.cancelling.value).toBe(true);

    job.end();
    expect(job.state.value).toEqual({ kind: 'idle' });
    expect(job.cancelling.value).toBe(false);
  });

  it('ends a followed job with its finished event of the same key only', () => {
    const finished = vi.fn();
    const job = useJobEvents({ analysing: 'faces/progress' }, { key: (p) => p.datasetId, finished: 'faces/finished', onFinished: finished });
    job.follow('analysing', 7);
    fake.emit('faces/progress', analysing(7, 2));
    fake.emit('faces/finished', facesSummary(8));
    expect(job.state.value).toEqual({ kind: 'analysing', progress: analysing(7, 2) });
    expect(finished).not.toHaveBeenCalled();

    fake.emit('faces/finished', facesSummary(7));
    expect(job.state.value).toEqual({ kind: 'idle' });
    expect(finished).toHaveBeenCalledWith(facesSummary(7));
  });

  it('leaves a job started by a call that waits for its end to that call, not to the finished event', () => {
    const finished = vi.fn();
    const job = useJobEvents({ analysing: 'faces/progress' }, { key: (p) => p.datasetId, finished: 'faces/finished', onFinished: finished });
    void job.run('analysing', () => new Promise(() => undefined), { key: 7 });
    fake.emit('faces/finished', facesSummary(7));
    expect(job.state.value).toEqual({ kind: 'analysing', progress: null });
    expect(finished).not.toHaveBeenCalled();
  });

  it('follows the same job again with its progress, another job from the start', () => {
    const job = useJobEvents({ analysing: 'faces/progress' }, { key: (p) => p.datasetId });
    job.follow('analysing', 7);
    fake.emit('faces/progress', analysing(7, 3));
    job.follow('analysing', 7);
    expect(job.progress.value).toEqual(analysing(7, 3));
    job.follow('analysing', 8);
    expect(job.progress.value).toBeNull();
  });

  it('adopts a job started elsewhere from its progress, and lets it go with its finished event', async () => {
    const finished = vi.fn();
    const job = useJobEvents(
      { analysing: 'faces/progress' },
      { key: (p) => p.datasetId, adopt: (p) => p.phase !== 'done', finished: 'faces/finished', onFinished: finished },
    );
    job.listen();
    fake.emit('faces/progress', analysing(3, 4, 'done')); // the tail of a pass: nothing to follow
    expect(job.state.value).toEqual({ kind: 'idle' });

    fake.emit('faces/progress', analysing(3, 1));
    expect(job.key.value).toBe(3);
    expect(job.state.value).toEqual({ kind: 'analysing', progress: analysing(3, 1) });
    fake.emit('faces/progress', analysing(4, 1)); // a second pass elsewhere is not this one
    expect(job.progress.value).toEqual(analysing(3, 1));

    fake.emit('faces/finished', facesSummary(3));
    await settle();
    expect(job.state.value).toEqual({ kind: 'idle' });
    expect(finished).toHaveBeenCalledOnce();
  });

  it('subscribes to each event once, however often a job starts', () => {
    const job = useJobEvents({ import: 'import/progress', rescan: 'import/progress' }, { finished: 'faces/finished' });
    expect(fake.listeners('import/progress')).toBe(0);
    job.listen();
    void job.run('import', () => new Promise(() => undefined));
    job.end();
    void job.run('rescan', () => new Promise(() => undefined));
    expect(fake.listeners('import/progress')).toBe(1);
    expect(fake.listeners('faces/finished')).toBe(1);
  });
});

describe('percentDone', () => {
  it('is the share done in whole percent, and nothing before a total is known', () => {
    expect(percentDone({ done: 1, total: 3 })).toBe(33);
    expect(percentDone({ done: 3, total: 3 })).toBe(100);
    expect(percentDone({ done: 0, total: 0 })).toBeNull();
    expect(percentDone({})).toBeNull();
    expect(percentDone(null)).toBeNull();
  });
});
