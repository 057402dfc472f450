// Face analysis of datasets: the pass running (with its progress), what is analysed so far, identity
// grouping and face leaks. A pass keeps running while the user is on other views.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ErrorPayload } from '../../shared/errors.js';
import type { FaceDetectorName, FaceFilter, FaceLeakReport, FacesProgress, FacesSummary, IdentityGroups } from '../../shared/faces.js';
import { api } from '../api/index.js';
import { asPayload } from './errors.js';

/** How many usable images of a dataset are in each face bucket (from images/list totals). */
export interface FaceCounts {
  images: number;
  analysed: number;
  noFace: number;
  oneFace: number;
  multiFace: number;
}

export const useFacesStore = defineStore('faces', () => {
  const running = ref<number | null>(null);
  const progress = ref<FacesProgress | null>(null);
  const cancelling = ref(false);
  const summary = ref<Record<number, FacesSummary>>({});
  const counts = ref<Record<number, FaceCounts>>({});
  const groups = ref<Record<number, IdentityGroups>>({});
  const leaks = ref<Record<number, FaceLeakReport>>({});
  const error = ref<ErrorPayload | null>(null);

  /** True when the pass shown was started elsewhere (before a page reload, or by another window). */
  let adopted = false;
  let listening = false;
  function listen(): void {
    if (listening) return;
    listening = true;
    api().on('faces/progress', (p) => {
      if (running.value === null && p.phase !== 'done') {
        running.value = p.datasetId;
        adopted = true;
      }
      if (p.datasetId === running.value) progress.value = p;
    });
    api().on('faces/finished', (s) => {
      if (!adopted || s.datasetId !== running.value) return;
      adopted = false;
      summary.value = { ...summary.value, [s.datasetId]: s };
      running.value = null;
      progress.value = null;
      cancelling.value = false;
      void loadCounts(s.datasetId);
    });
  }

  async function loadCounts(datasetId: number): Promise<void> {
    listen();
    const total = async (faces?: FaceFilter) => (await api().call('images/list', { datasetId, status: 'ok', limit: 1, ...(faces ? { faces } : {}) })).total;
    try {
      const [images, analysed, noFace, oneFace, multiFace] = await Promise.all([total(), total('analysed'), total('no-face'), total('one-face'), total('multi-face')]);
      counts.value = { ...counts.value, [datasetId]: { images, analysed, noFace, oneFace, multiFace } };
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  async function analyse(datasetId: number, opts: { detector?: FaceDetectorName; redo?: boolean } = {}): Promise<void> {
    if (running.value !== null) return;
    listen();
    running.value = datasetId;
    adopted = false;
    progress.value = null;
    cancelling.value = false;
    error.value = null;
    try {
      const s = await api().call('faces/analyse', { datasetId, ...opts });
      summary.value = { ...summary.value, [datasetId]: s };
    } catch (e) {
      error.value = asPayload(e);
    } finally {
      running.value = null;
      progress.value = null;
      cancelling.value = false;
      await loadCounts(datasetId);
    }
  }

  async function cancel(): Promise<void> {
    if (running.value === null) return;
    cancelling.value = true;
    try {
      await api().call('faces/cancel', { datasetId: running.value });
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

  return { running, progress, cancelling, summary, counts, groups, leaks, error, loadCounts, analyse, cancel, group, findLeaks };
});
