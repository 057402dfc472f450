// Datasets: the list, the one being looked at, imports and rescans with their progress.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Dataset, ImportSummary, SkippedFile } from '../../shared/domain.js';
import type { ErrorPayload } from '../../shared/errors.js';
import { api } from '../api/index.js';
import { useJobEvents } from '../composables/jobEvents.js';
import { asPayload } from './errors.js';

/** The demo's file names start with the person id; keeping people in one split avoids leaks. */
export const DEMO_GROUP_BY = '^(id\\d+)_';

export const useDatasetsStore = defineStore('datasets', () => {
  const list = ref<Dataset[]>([]);
  const loaded = ref(false);
  const selectedId = ref<number | null>(null);
  /** An import, a rescan or the demo (generated, then imported), with the import's progress. */
  const job = useJobEvents({ import: 'import/progress', rescan: 'import/progress', demo: 'import/progress' });
  const error = ref<ErrorPayload | null>(null);
  /** The latest import / rescan summary of each dataset (it alone knows duplicates and empty folders). */
  const summaries = ref<Record<number, ImportSummary>>({});
  const skipped = ref<SkippedFile[]>([]);

  const selected = computed(() => list.value.find((d) => d.id === selectedId.value) ?? null);

  let unsubscribe: (() => void) | null = null;
  function listen(): void {
    if (unsubscribe) return;
    job.listen();
    // File › Open folder… in the desktop menu.
    unsubscribe = api().on('shell/folderChosen', (p) => void importFolder(p.path));
  }

  async function load(): Promise<void> {
    listen();
    list.value = await api().call('datasets/list', {});
    loaded.value = true;
    if (selectedId.value === null || !list.value.some((d) => d.id === selectedId.value)) {
      selectedId.value = list.value.at(-1)?.id ?? null;
    }
    await loadSkipped();
  }

  async function select(id: number): Promise<void> {
    selectedId.value = id;
    await loadSkipped();
  }

  async function loadSkipped(): Promise<void> {
    skipped.value = selectedId.value === null ? [] : await api().call('datasets/skipped', { datasetId: selectedId.value });
  }

  async function run(kind: 'import' | 'rescan' | 'demo', work: () => Promise<ImportSummary>): Promise<ImportSummary | null> {
    if (job.phase.value) return null;
    error.value = null;
    try {
      const summary = await job.run(kind, work);
      summaries.value = { ...summaries.value, [summary.datasetId]: summary };
      selectedId.value = summary.datasetId;
      await load();
      return summary;
    } catch (e) {
      error.value = asPayload(e);
      return null;
    } finally {
      job.end();
    }
  }

  const importFolder = (folder: string, name?: string) =>
    run('import', () => api().call('datasets/import', { folder: folder.trim(), ...(name?.trim() ? { name: name.trim() } : {}) }));

  const rescan = (datasetId: number) => run('rescan', () => api().call('datasets/rescan', { datasetId }));

  const createDemo = () =>
    run('demo', async () => {
      const demo = await api().call('demo/generate', { count: 300 });
      return job.run('import', () => api().call('datasets/import', { folder: demo.out, name: 'demo faces', groupBy: DEMO_GROUP_BY }));
    });

  /** Deletes a dataset (runs, audits, its own caches; never the image files); returns the error, if any. */
  async function remove(datasetId: number): Promise<ErrorPayload | null> {
    try {
      await api().call('datasets/delete', { datasetId });
    } catch (e) {
      return asPayload(e);
    }
    const { [datasetId]: _gone, ...rest } = summaries.value;
    summaries.value = rest;
    if (selectedId.value === datasetId) selectedId.value = null;
    await load();
    return null;
  }

  return { list, loaded, selectedId, selected, progress: job.progress, busy: job.phase, error, summaries, skipped, load, select, importFolder, rescan, createDemo, remove };
});
