import { beforeEach, describe, expect, it } from 'vitest';
import { useDatasetsStore } from '../../../src/renderer/stores/datasets.js';
import type { ImportProgress, ImportSummary } from '../../../src/shared/domain.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';

const summary = { datasetId: 3, name: 'faces' } as ImportSummary;
const reading: ImportProgress = { datasetId: null, phase: 'reading', done: 5, total: 20 };

let fake: FakeApi;
beforeEach(() => {
  fake = installFakeApi();
  fake.answer('datasets/list', () => []);
  fake.answer('datasets/skipped', () => []);
});

describe('imports in the studio', () => {
  it('shows the import\'s progress while it runs and nothing after', async () => {
    const datasets = useDatasetsStore();
    await datasets.load();
    const importing = fake.hold('datasets/import');
    const done = datasets.importFolder(' /photos ');
    await settle();
    expect(datasets.busy).toBe('import');
    fake.emit('import/progress', reading);
    expect(datasets.progress).toEqual(reading);

    importing.resolve(summary);
    expect(await done).toEqual(summary);
    expect(datasets.busy).toBeNull();
    expect(datasets.progress).toBeNull();
    expect(datasets.summaries[3]).toEqual(summary);
  });

  it('generates the demo, then imports it, one at a time', async () => {
    const datasets = useDatasetsStore();
    await datasets.load();
    const generating = fake.hold('demo/generate');
    const importing = fake.hold('datasets/import');
    const done = datasets.createDemo();
    await settle();
    expect(datasets.busy).toBe('demo');
    expect(await datasets.rescan(1)).toBeNull(); // busy: not started

    generating.resolve({ out: '/tmp/demo' } as never);
    await settle();
    expect(datasets.busy).toBe('import');
    importing.resolve(summary);
    await done;
    expect(datasets.busy).toBeNull();
  });

  it('keeps a failed import\'s error for the view', async () => {
    const datasets = useDatasetsStore();
    await datasets.load();
    const importing = fake.hold('datasets/import');
    const done = datasets.importFolder('/nowhere');
    await settle();
    importing.reject(new Error('The folder /nowhere does not exist'));
    expect(await done).toBeNull();
    expect(datasets.busy).toBeNull();
    expect(datasets.error?.message).toContain('/nowhere');
  });
});
