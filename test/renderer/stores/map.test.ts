import { beforeEach, describe, expect, it } from 'vitest';
import { useMapStore } from '../../../src/renderer/stores/map.js';
import type { DatasetMap, EmbeddingsStatus, MapSummary } from '../../../src/shared/labelling.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';

const embedded: EmbeddingsStatus = {
  datasetId: 1, images: 3, running: null, defaultBackbone: 'mobilenet',
  backbones: [{ name: 'mobilenet', label: 'MobileNetV2', dimensions: 1024, licence: 'MIT', embedded: 3 }],
};
const NONE = { imageId: [], path: [], hash: [], x: [], y: [], classId: [], suggestedClassId: [], confidence: [], split: [], heldOut: [] };
const empty: DatasetMap = { datasetId: 1, backbone: null, computedAt: null, missing: 3, classes: [], points: NONE };
const laidOut: DatasetMap = {
  datasetId: 1, backbone: 'mobilenet', computedAt: '2026-12-06T12:00:00Z', missing: 0, classes: [{ id: 7, name: 'cat' }],
  points: { imageId: [1], path: ['a.jpg'], hash: [null], x: [0], y: [1], classId: [null], suggestedClassId: [7], confidence: [0.8], split: [null], heldOut: [null] },
};
const mapped = (status: MapSummary['status']): MapSummary => ({ datasetId: 1, backbone: 'mobilenet', points: 3, pcaDimensions: 50, fitted: 3, seconds: 1, status });

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
    expect(map.count).toBe(1);
    expect(map.points.suggestedClassId).toEqual([7]);
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

describe('reading the map again', () => {
  const two = (classId: (number | null)[], computedAt = '2026-12-06T12:00:00Z'): DatasetMap => ({
    ...laidOut,
    computedAt,
    points: { imageId: [1, 2], path: ['a.jpg', 'b.jpg'], hash: [null, null], x: [0, 1], y: [1, 0], classId, suggestedClassId: [null, null], confidence: [null, null], split: [null, null], heldOut: [null, null] },
  });

  it('keeps the positions and the selection when only labels changed, and lays out anew when the map did', async () => {
    const map = useMapStore();
    current = two([null, null]);
    await map.load(1);
    const positions = map.positions;
    expect(Array.from(positions.x, (v) => Math.round(v * 100) / 100)).toEqual([-0.96, 0.96]);
    map.select([1]);

    current = two([7, null]);
    await map.refreshLabels();
    expect(map.positions).toBe(positions);
    expect(map.selection).toEqual([1]);
    expect(map.points.classId).toEqual([7, null]);

    current = two([7, null], '2026-12-07T09:00:00Z');
    await map.refreshLabels();
    expect(map.positions).not.toBe(positions);
    expect(map.selection).toEqual([]);
  });
});
