// The labeller's image list: the rows of a dataset that match the filters, fetched in pages, and the
// predictions of the run shown on them. The selection (selection.ts) and label edits (labels.ts) work
// on these rows.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { ImageItem, SplitName } from '../../shared/domain.js';
import type { FaceFilter } from '../../shared/faces.js';
import type { ImagePrediction } from '../../shared/runs.js';
import type { ErrorPayload } from '../../shared/errors.js';
import { api } from '../api/index.js';
import { asPayload } from './errors.js';

export interface ImageFilters {
  classId: number | null;
  split: SplitName | null;
  status: 'ok' | 'unreadable' | 'missing' | 'all';
  sort: 'path' | 'class' | 'confidence';
  /** The run whose test predictions show on thumbnails (model columns). */
  runId: number | null;
  /** One confusion-matrix cell: the snapshot label and the predicted class. */
  trueClass: string | null;
  predictedClass: string | null;
  /** Only images whose prediction differs from their current label. */
  disagree: boolean;
  /** By face analysis: no face, one, several, not analysed yet. */
  faces: FaceFilter | null;
  /** A fixed set of images (e.g. an audit's suspects), with what to call it in the banner. */
  scope: { label: string; imageIds: number[] } | null;
}

export const NO_FILTERS: ImageFilters = { classId: null, split: null, status: 'ok', sort: 'path', runId: null, trueClass: null, predictedClass: null, disagree: false, faces: null, scope: null };

export interface ShownPrediction {
  predictedClass: string;
  confidence: number;
}

/**
 * A store that keeps state about the rows (the selection and focus). The list tells it when the rows
 * change, so it stays in step without the list importing it.
 */
export interface RowsFollower {
  /**
   * Another dataset or other filters: nothing about the old rows carries over — except the selection
   * when `keepSelection` (the class sidebar filters while it counts and moves a selection).
   */
  restart(keepSelection?: boolean): void;
  /** A reload's first page is about to replace the rows. */
  replacing(): void;
  /** Every page of that reload is in (`keepSelection`: also the selected images the new rows hide). */
  replaced(keepSelection?: boolean): void;
}

/** The first page paints the grid; the rest streams in behind it. */
const FIRST_PAGE = 400;
const PAGE = 5000;

export const useImagesStore = defineStore('images', () => {
  const datasetId = ref<number | null>(null);
  /** Plain objects in a shallow ref: 20,000 deep-reactive rows would make every scroll slow. */
  const items = shallowRef<ImageItem[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const filters = ref<ImageFilters>({ ...NO_FILTERS });
  /** Predictions of filters.runId by image id (test-split images only: a run predicts its test split). */
  const predictions = shallowRef(new Map<number, ShownPrediction>());
  let predictionsOf: number | null = null;
  /** The labeller's one error line: loading the list, or a label edit (labels.ts). */
  const error = ref<ErrorPayload | null>(null);
  const followers: RowsFollower[] = [];
  let generation = 0;

  /**
   * Bumped when rows come or go, not when a listed row changes in place (patch): the index below
   * follows it, so a label given never re-indexes 100,000 rows.
   */
  const rowsVersion = ref(0);
  /** The rows as setRows last set them, read without tracking `items` (which patch triggers). */
  let rows: ImageItem[] = [];
  const indexById = computed(() => {
    void rowsVersion.value;
    const map = new Map<number, number>();
    rows.forEach((item, i) => map.set(item.id, i));
    return map;
  });

  function follow(follower: RowsFollower): void {
    followers.push(follower);
  }

  function restart(keepSelection = false): void {
    for (const f of followers) f.restart(keepSelection);
  }

  /** `afterFirstPage`: work that can wait until the grid shows (called once, even when the load fails). */
  async function open(id: number, afterFirstPage?: () => void): Promise<void> {
    if (datasetId.value !== id) {
      datasetId.value = id;
      filters.value = { ...NO_FILTERS };
      restart();
    }
    await reload(false, afterFirstPage);
  }

  function setRows(next: ImageItem[]): void {
    rows = next;
    items.value = next;
    rowsVersion.value++;
  }

  /** Fetches the list for the current filters; the followers keep what they can of the old rows. */
  async function reload(keepSelection = false, afterFirstPage?: () => void): Promise<void> {
    let shown = false;
    const firstPageShown = () => {
      if (shown) return;
      shown = true;
      afterFirstPage?.();
    };
    if (datasetId.value === null) return;
    const mine = ++generation;
    const f = filters.value;
    const query = {
      datasetId: datasetId.value,
      status: f.status,
      ...(f.classId !== null ? { classId: f.classId } : {}),
      ...(f.split !== null ? { split: f.split } : {}),
      ...(f.faces !== null ? { faces: f.faces } : {}),
      ...(f.scope !== null ? { imageIds: f.scope.imageIds } : {}),
      sort: f.sort,
      ...(f.runId !== null ? { runId: f.runId, disagree: f.disagree } : {}),
      ...(f.runId !== null && f.trueClass !== null ? { trueClass: f.trueClass } : {}),
      ...(f.runId !== null && f.predictedClass !== null ? { predictedClass: f.predictedClass } : {}),
    };
    loading.value = true;
    error.value = null;
    try {
      await loadPredictions(f.runId);
      if (mine !== generation) return;
      const first = await api().call('images/list', { ...query, offset: 0, limit: FIRST_PAGE });
      if (mine !== generation) return;
      for (const fl of followers) fl.replacing();
      setRows(first.items);
      total.value = first.total;
      firstPageShown();
      let offset = first.items.length;
      while (offset < first.total) {
        // Sorted by name, a page continues after the last path (the core seeks to it in an index);
        // other sorts step over the rows before the offset.
        const last = items.value.at(-1);
        const page = await api().call('images/list', f.sort === 'path' && last ? { ...query, after: last.path, limit: PAGE } : { ...query, offset, limit: PAGE });
        if (mine !== generation) return;
        setRows(items.value.concat(page.items));
        offset += page.items.length;
        if (page.items.length === 0) break;
      }
      for (const fl of followers) fl.replaced(keepSelection);
    } catch (e) {
      if (mine === generation) error.value = asPayload(e);
    } finally {
      if (mine === generation) loading.value = false;
      firstPageShown();
    }
  }

  async function loadPredictions(runId: number | null): Promise<void> {
    if (runId === predictionsOf) return;
    const rows: ImagePrediction[] = runId === null ? [] : await api().call('runs/predictions', { runId });
    predictions.value = new Map(rows.map((p) => [p.imageId, { predictedClass: p.predictedClass, confidence: p.confidence }]));
    predictionsOf = runId;
  }

  /** Changes listed rows in place (a label given), without reloading the list or re-indexing it. */
  function patch(rows: { imageId: number; set: Partial<ImageItem> }[]): void {
    const index = indexById.value;
    for (const row of rows) {
      const at = index.get(row.imageId);
      const item = at !== undefined ? items.value[at] : undefined;
      if (item) Object.assign(item, row.set);
    }
    triggerRef(items);
  }

  /**
   * Whether a label change can add rows to the list, take rows out or move them (a class or split
   * filter, prediction ≠ label, sorted by class). When not, the rows a change touched are all the
   * list needs to fetch again.
   */
  const shapedByLabels = computed(() => {
    const f = filters.value;
    return f.classId !== null || f.split !== null || f.disagree || f.sort === 'class';
  });

  /** Fetches these images again and updates the listed ones in place (an undo, a redo). */
  async function refreshRows(imageIds: number[]): Promise<void> {
    const id = datasetId.value;
    const listed = imageIds.filter((i) => indexById.value.has(i));
    if (id === null || listed.length === 0) return;
    const page = await api().call('images/list', { datasetId: id, imageIds: listed, status: 'all', limit: listed.length });
    if (id !== datasetId.value) return;
    patch(page.items.map((item) => ({ imageId: item.id, set: item })));
  }

  /** Opens a dataset with these filters set (from another view, e.g. a confusion-matrix cell). */
  function preset(id: number, next: Partial<ImageFilters>): void {
    datasetId.value = id;
    filters.value = { ...NO_FILTERS, ...next };
    restart();
  }

  /** `keepSelection`: the selection survives the new filter (the class sidebar counts and moves it). */
  function setFilters(next: Partial<ImageFilters>, keepSelection = false): Promise<void> {
    filters.value = { ...filters.value, ...next };
    restart(keepSelection);
    return reload(keepSelection);
  }

  return { datasetId, items, total, loading, filters, predictions, indexById, shapedByLabels, error, follow, open, reload, refreshRows, preset, setFilters, patch };
});
