import { beforeEach, describe, expect, it } from 'vitest';
import { useFacesStore } from '../../../src/renderer/stores/faces.js';
import { facesProgress as progress, facesSummary as summary } from '../faceFixtures.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';

let fake: FakeApi;
beforeEach(() => {
  fake = installFakeApi();
  fake.answer('faces/counts', () => ({ images: 4, analysed: 3, noFace: 1, oneFace: 1, multiFace: 1 }));
});

describe('face analysis in the studio', () => {
  it('follows a pass started elsewhere from its progress, and takes its summary from faces/finished', async () => {
    const faces = useFacesStore();
    await faces.loadCounts(1);
    fake.emit('faces/progress', progress(2, 1));
    expect(faces.running).toBe(2);
    expect(faces.progress).toEqual(progress(2, 1));

    fake.emit('faces/finished', summary(2));
    await settle();
    expect(faces.running).toBeNull();
    expect(faces.progress).toBeNull();
    expect(faces.summary[2]).toEqual(summary(2));
    expect(faces.counts[2]).toMatchObject({ images: 4 });
  });

  it('ends a pass started here when its call answers, and cancels it by its dataset', async () => {
    fake.answer('faces/cancel', () => ({ cancelled: true }) as never);
    const analysing = fake.hold('faces/analyse');
    const faces = useFacesStore();
    const done = faces.analyse(1);
    await settle();
    expect(faces.running).toBe(1);
    fake.emit('faces/progress', progress(1, 2));
    await faces.cancel();
    expect(faces.cancelling).toBe(true);
    expect(faces.progress).toEqual(progress(1, 2));
    expect(fake.calls.at(-1)).toEqual({ name: 'faces/cancel', args: { datasetId: 1 } });

    fake.emit('faces/finished', summary(1)); // the call's answer ends it, not the event
    expect(faces.running).toBe(1);
    analysing.resolve(summary(1, 'cancelled'));
    await done;
    expect(faces.running).toBeNull();
    expect(faces.cancelling).toBe(false);
    expect(faces.summary[1]?.status).toBe('cancelled');
  });
});
