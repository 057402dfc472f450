// The map of a dataset: its points (from map/get), computing it in the background (embeddings first
// when missing, then map/compute with progress, cancelable), and labelling a selection in one call.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { describeChange } from '../../shared/edits.js';
import type { ErrorPayload } from '../../shared/errors.js';
import type { DatasetMap, MapPoints } from '../../shared/labelling.js';
import { api } from '../api/index.js';
import { embedMissing } from '../composables/embedMissing.js';
import { useJobEvents, type JobState } from '../composables/jobEvents.js';
import { toClipSpace } from '../mapColours.js';
import { useClassesStore } from './classes.js';
import { asPayload } from './errors.js';
import { useLabellingStore } from './labelling.js';
import { useLabelsStore } from './labels.js';

/** Computing the map: embeddings first when missing, then the layout. */
const MAP_JOB = { embedding: 'embeddings/progress', mapping: 'map/progress' } as const;

export type MapJob = JobState<typeof MAP_JOB>;

const NO_POINTS: MapPoints = { imageId: [], path: [], hash: [], x: [], y: [], classId: [], suggestedClassId: [], confidence: [], split: [], heldOut: [] };

export const useMapStore = defineStore('map', () => {
  const datasetId = ref<number | null>(null);
  const info = ref<Omit<DatasetMap, 'points' | 'classes'> | null>(null);
  /** Plain columns in a shallow ref: 20,000 deep-reactive points would make every label slow. */
  const points = shallowRef<MapPoints>(NO_POINTS);
  const count = computed(() => points.value.imageId.length);
  /** Class names as the map was read (classes deleted since keep theirs). */
  const classNames = shallowRef<Map<number, string>>(new Map());
  /** Positions in WebGL's square; a new pair only when the map itself changes (not on a label). */
  const positions = shallowRef<{ x: Float32Array; y: Float32Array }>({ x: new Float32Array(0), y: new Float32Array(0) });
  /** Bumped on every label change so colours are computed again. */
  const version = ref(0);
  const selection = shallowRef<number[]>([]);
  const job = useJobEvents(MAP_JOB, { belongs: (p) => p.datasetId === datasetId.value });
  const loading = ref(false);
  const error = ref<ErrorPayload | null>(null);

  const selectedIds = computed(() => selection.value.map((i) => points.value.imageId[i]!));
  const indexById = computed(() => new Map(points.value.imageId.map((imageId, i) => [imageId, i])));

  /** Shows the dataset's map; opened again, the points already here show at once while it is read anew. */
  async function load(id: number): Promise<void> {
    job.listen();
    if (datasetId.value !== id) {
      datasetId.value = id;
      points.value = NO_POINTS;
      info.value = null;
    }
    // A new scatter starts with nothing selected.
    selection.value = [];
    loading.value = true;
    error.value = null;
    try {
      await fetchMap(id);
    } catch (e) {
      error.value = asPayload(e);
    } finally {
      loading.value = false;
    }
  }

  /** Labels and suggestions change without the map moving: refetch and keep the positions. */
  async function refreshLabels(): Promise<void> {
    const id = datasetId.value;
    if (id !== null) await fetchMap(id);
  }

  async function fetchMap(id: number): Promise<void> {
    const map = await api().call('map/get', { datasetId: id });
    if (id !== datasetId.value) return;
    const { points: columns, classes, ...rest } = map;
    const before = points.value.imageId;
    const sameLayout = info.value !== null && rest.computedAt === info.value.computedAt && columns.imageId.length === before.length && columns.imageId.every((imageId, i) => imageId === before[i]);
    info.value = rest;
    points.value = columns;
    classNames.value = new Map(classes.map((c) => [c.id, c.name]));
    if (!sameLayout) {
      positions.value = toClipSpace(columns.x, columns.y);
      selection.value = [];
    }
    version.value++;
  }

  /** Embeds what is missing, then computes the map; the view shows progress and stays usable. */
  async function compute(): Promise<void> {
    const id = datasetId.value;
    if (id === null || job.phase.value !== null) return;
    error.value = null;
    try {
      if (!(await embedMissing(job, id))) return;
      const summary = await job.run('mapping', () => api().call('map/compute', { datasetId: id }), { key: id });
      if (summary.status === 'completed') await load(id);
    } catch (e) {
      error.value = asPayload(e);
    } finally {
      job.end();
    }
  }

  async function cancel(): Promise<void> {
    const id = datasetId.value;
    if (id === null) return;
    try {
      await job.cancel((phase) => api().call(phase === 'embedding' ? 'embeddings/cancel' : 'map/cancel', { datasetId: id }));
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  function select(indices: number[]): void {
    selection.value = indices;
  }

  /** One labels/set call for the whole selection; the points change colour once SQLite has it. */
  async function assign(classId: number): Promise<boolean> {
    const id = datasetId.value;
    const ids = selectedIds.value;
    if (id === null || ids.length === 0) return false;
    error.value = null;
    try {
      const change = await api().call('labels/set', { datasetId: id, imageIds: ids, classId });
      const name = useClassesStore().list.find((c) => c.id === classId)?.name ?? '';
      const byId = indexById.value;
      const columns = points.value;
      for (const imageId of change.imageIds) {
        const i = byId.get(imageId);
        if (i === undefined) continue;
        columns.classId[i] = classId;
        columns.suggestedClassId[i] = null;
        columns.confidence[i] = null;
        columns.heldOut[i] = null;
      }
      version.value++;
      useLabelsStore().lastAction = `${change.changed.toLocaleString('en-US')} image${change.changed === 1 ? '' : 's'} → ${name} (on the map)`;
      // Splits are drawn by the core on a first label: fetch them (and fresh suggestions) behind the scenes.
      void refreshLabels();
      void useLabellingStore().afterLabels(change.changed);
      return true;
    } catch (e) {
      error.value = asPayload(e);
      return false;
    }
  }

  async function history(direction: 'undo' | 'redo'): Promise<void> {
    const id = datasetId.value;
    if (id === null) return;
    error.value = null;
    try {
      const change = await api().call(direction === 'undo' ? 'labels/undo' : 'labels/redo', { datasetId: id });
      useLabelsStore().lastAction = change.editId === null ? `Nothing to ${direction}` : describeChange(direction, change);
      if (change.changed > 0 || change.classChange) await Promise.all([refreshLabels(), useClassesStore().refresh()]);
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  return { datasetId, info, points, count, classNames, positions, version, selection, selectedIds, job: job.state, loading, error, load, refreshLabels, compute, cancel, select, assign, history };
});
