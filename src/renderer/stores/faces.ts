// Face analysis of datasets: the pass running (with its progress), what is analysed so far, identity
// grouping and face leaks. A pass keeps running while the user is on other views.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ErrorPayload } from '../../shared/errors.js';
import type { FaceCounts, FaceDetectorName, FaceLeakReport, FacesSummary, IdentityGroups } from '../../shared/faces.js';
import { api } from '../api/index.js';
import { useJobEvents } from '../composables/jobEvents.js';
import { asPayload } from './errors.js';

export const useFacesStore = defineStore('faces', () => {
  const summary = ref<Record<number, FacesSummary>>({});
  const counts = ref<Record<number, FaceCounts>>({});
  const groups = ref<Record<number, IdentityGroups>>({});
  const leaks = ref<Record<number, FaceLeakReport>>({});
  const error = ref<ErrorPayload | null>(null);

  /** The pass running, by dataset; one started elsewhere (another window, before a page reload) is followed too. */
  const job = useJobEvents(
    { analysing: 'faces/progress' },
    {
      key: (p) => p.datasetId,
      adopt: (p) => p.phase !== 'done',
      finished: 'faces/finished',
      onFinished: (s) => {
        summary.value = { ...summary.value, [s.datasetId]: s };
        void loadCounts(s.datasetId);
      },
    },
  );

  async function loadCounts(datasetId: number): Promise<void> {
    job.listen();
    try {
      counts.value = { ...counts.value, [datasetId]: await api().call('faces/counts', { datasetId }) };
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  async function analyse(datasetId: number, opts: { detector?: FaceDetectorName; redo?: boolean } = {}): Promise<void> {
    if (job.phase.value !== null) return;
    error.value = null;
    try {
      const s = await job.run('analysing', () => api().call('faces/analyse', { datasetId, ...opts }), { key: datasetId });
      summary.value = { ...summary.value, [datasetId]: s };
    } catch (e) {
      error.value = asPayload(e);
    } finally {
      job.end();
      await loadCounts(datasetId);
    }
  }

  async function cancel(): Promise<void> {
    const datasetId = job.key.value;
    if (datasetId === null) return;
    try {
      await job.cancel(() => api().call('faces/cancel', { datasetId }));
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  async function group(datasetId: number, opts: { threshold?: number; resplit?: boolean }): Promise<IdentityGroups | null> {
    error.value = null;
    try {
      const g = await api().call('faces/group', { datasetId, ...opts });
      groups.value = { ...groups.value, [datasetId]: g };
      return g;
    } catch (e) {
      error.value = asPayload(e);
      return null;
    }
  }

  async function findLeaks(datasetId: number): Promise<void> {
    error.value = null;
    try {
      const report = await api().call('faces/leaks', { datasetId });
      leaks.value = { ...leaks.value, [datasetId]: report };
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  return { running: job.key, progress: job.progress, cancelling: job.cancelling, summary, counts, groups, leaks, error, loadCounts, analyse, cancel, group, findLeaks };
});
