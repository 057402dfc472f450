import { beforeEach, describe, expect, it } from 'vitest';
import { useMapStore } from '../../../src/renderer/stores/map.js';
import type { DatasetMap, EmbeddingsStatus, MapSummary } from '../../../src/shared/labelling.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';

const embedded: EmbeddingsStatus = {
  datasetId: 1, images: 3, running: null, defaultBackbone: 'mobilenet',
  backbones: [{ name: 'mobilenet', label: 'MobileNetV2', dimensions: 1024, licence: 'MIT', embedded: 3 }],
};
const empty: DatasetMap = { datasetId: 1, backbone: null, computedAt: null, missing: 3, points: [] };
const laidOut: DatasetMap = {
  datasetId: 1, backbone: 'mobilenet', computedAt: '2026-12-06T12:00:00Z', missing: 0,
  points: [{ imageId: 1, path: 'a.jpg', hash: null, x: 0, y: 1, classId: null, label: null, suggested: null, suggestedClassId: null, confidence: null, heldOut: null }] as DatasetMap['points'],
};
const mapped = (status: MapSummary['status']): MapSummary => ({ datasetId: 1, backbone: 'mobilenet', points: 3, pcaDimensions: 50, seconds: 1, status });

let fake: FakeApi;
let current: DatasetMap;
beforeEach(() => {
  fake = installFakeApi();
  current = empty;
  fake.answer('map/get', () => current);
  fake.answer('embeddings/status', () => embedded);
});

describe('computing the map', () => {
  it('lays the map out with its progress, then shows the points', async () => {
    const map = useMapStore();
    await map.load(1);
    const computing = fake.hold('map/compute');
    const done = map.compute();
    await settle();
    expect(map.job).toEqual({ kind: 'mapping', progress: null });
    fake.emit('map/progress', { datasetId: 1, phase: 'umap', done: 40, total: 200 });
    expect(map.job).toEqual({ kind: 'mapping', progress: { datasetId: 1, phase: 'umap', done: 40, total: 200 } });

    current = laidOut;
    computing.resolve(mapped('completed'));
    await done;
    expect(map.job).toEqual({ kind: 'idle' });
    expect(map.points).toHaveLength(1);
  });

  it('cancels the layout through map/cancel and keeps the map it had', async () => {
    fake.answer('map/cancel', () => ({ cancelled: true }));
    const map = useMapStore();
    await map.load(1);
    const computing = fake.hold('map/compute');
    const done = map.compute();
    await settle();
    await map.cancel();
    expect(map.job).toEqual({ kind: 'cancelling' });
    expect(fake.calls.at(-1)).toEqual({ name: 'map/cancel', args: { datasetId: 1 } });
    computing.resolve(mapped('cancelled'));
    await done;
    expect(map.job).toEqual({ kind: 'idle' });
    expect(fake.calls.filter((c) => c.name === 'map/get')).toHaveLength(1);
  });
});
