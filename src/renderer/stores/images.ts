// The labeller's images: the filtered list (fetched in pages), the selection and focus, and label
// edits. A label shows as changed only after labels/set resolves, i.e. once SQLite has it.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { ImageItem, SplitName } from '../../shared/domain.js';
import { describeChange } from '../../shared/edits.js';
import type { FaceFilter } from '../../shared/faces.js';
import type { ImagePrediction } from '../../shared/runs.js';
import type { ErrorPayload } from '../../shared/errors.js';
import { api } from '../api/index.js';
import { useClassesStore } from './classes.js';
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
  const selection = shallowRef(new Set<number>());
  const focus = ref(0);
  const anchor = ref(0);
  const error = ref<ErrorPayload | null>(null);
  const lastAction = ref<string>('');
  let generation = 0;

  const indexById = computed(() => {
    const map = new Map<number, number>();
    items.value.forEach((item, i) => map.set(item.id, i));
    return map;
  });

  const selectedIds = computed(() => [...selection.value]);
  const focused = computed(() => items.value[focus.value] ?? null);

  async function open(id: number): Promise<void> {
    if (datasetId.value !== id) {
      datasetId.value = id;
      filters.value = { ...NO_FILTERS };
      setSelection([]);
      focus.value = 0;
      anchor.value = 0;
    }
    await reload();
  }

  /**
   * Fetches the list for the current filters; keeps selection and focus where the rows still exist
   * (`keepSelection`: the whole selection, also the images the new filter hides).
   */
  async function reload(keepSelection = false): Promise<void> {
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
      const focusedId = items.value[focus.value]?.id;
      items.value = first.items;
      total.value = first.total;
      let offset = first.items.length;
      while (offset < first.total) {
        const page = await api().call('images/list', { ...query, offset, limit: PAGE });
        if (mine !== generation) return;
        items.value = items.value.concat(page.items);
        offset += page.items.length;
        if (page.items.length === 0) break;
      }
      const present = new Set(items.value.map((i) => i.id));
      if (!keepSelection) setSelection([...selection.value].filter((sid) => present.has(sid)));
      const at = focusedId !== undefined ? indexById.value.get(focusedId) : undefined;
      focus.value = at ?? Math.min(focus.value, Math.max(0, items.value.length - 1));
    } catch (e) {
      if (mine === generation) error.value = asPayload(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  async function loadPredictions(runId: number | null): Promise<void> {
    if (runId === predictionsOf) return;
    const rows: ImagePrediction[] = runId === null ? [] : await api().call('runs/predictions', { runId });
    predictions.value = new Map(rows.map((p) => [p.imageId, { predictedClass: p.predictedClass, confidence: p.confidence }]));
    predictionsOf = runId;
  }

  /** Opens a dataset with these filters set (from another view, e.g. a confusion-matrix cell). */
  function preset(id: number, next: Partial<ImageFilters>): void {
    datasetId.value = id;
    filters.value = { ...NO_FILTERS, ...next };
    setSelection([]);
    focus.value = 0;
    anchor.value = 0;
  }

  /** `keepSelection`: the selection survives the new filter (the class sidebar counts and moves it). */
  function setFilters(next: Partial<ImageFilters>, keepSelection = false): Promise<void> {
    filters.value = { ...filters.value, ...next };
    if (!keepSelection) setSelection([]);
    focus.value = 0;
    anchor.value = 0;
    return reload(keepSelection);
  }

  function setSelection(ids: number[]): void {
    selection.value = new Set(ids);
  }

  function rangeIds(a: number, b: number): number[] {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    return items.value.slice(lo, hi + 1).map((i) => i.id);
  }

  /** Click: select one; shift: the range from the anchor; ctrl/cmd: toggle one. */
  function click(index: number, mods: { shift: boolean; toggle: boolean }): void {
    const item = items.value[index];
    if (!item) return;
    if (mods.shift) {
      setSelection(mods.toggle ? [...selection.value, ...rangeIds(anchor.value, index)] : rangeIds(anchor.value, index));
    } else if (mods.toggle) {
      const next = new Set(selection.value);
      if (next.has(item.id)) next.delete(item.id);
      else next.add(item.id);
      selection.value = next;
      anchor.value = index;
    } else {
      setSelection([item.id]);
      anchor.value = index;
    }
    focus.value = index;
  }

  /** Arrow keys: move the focus (and the selection with it); with shift, extend from the anchor. */
  function move(delta: number, extend: boolean): void {
    if (items.value.length === 0) return;
    const next = Math.max(0, Math.min(items.value.length - 1, focus.value + delta));
    focus.value = next;
    if (extend) setSelection(rangeIds(anchor.value, next));
    else {
      anchor.value = next;
      setSelection([items.value[next]!.id]);
    }
  }

  function selectAll(): void {
    setSelection(items.value.map((i) => i.id));
  }

  /** The ids an action applies to: the selection, else the focused image. */
  function targets(): number[] {
    if (selection.value.size > 0) return [...selection.value];
    const f = items.value[focus.value];
    return f ? [f.id] : [];
  }

  /** Labels `ids` (by default the selection, else the focused image) with a class. */
  async function assign(classId: number, ids: number[] = targets()): Promise<boolean> {
    if (datasetId.value === null || ids.length === 0) return false;
    error.value = null;
    try {
      const change = await api().call('labels/set', { datasetId: datasetId.value, imageIds: ids, classId });
      const classes = useClassesStore();
      const name = classes.list.find((c) => c.id === classId)?.name ?? null;
      for (const id of change.imageIds) {
        const at = indexById.value.get(id);
        const item = at !== undefined ? items.value[at] : undefined;
        if (item) {
          item.classId = classId;
          item.className = name;
        }
      }
      triggerRef(items);
      lastAction.value = change.changed === 0 ? `Already ${name}` : `${change.changed} image${change.changed === 1 ? '' : 's'} → ${name}`;
      void classes.refresh();
      return true;
    } catch (e) {
      error.value = asPayload(e);
      return false;
    }
  }

  /** Shows labels given elsewhere (accepted suggestions, the map) without reloading the list. */
  function patchLabels(changes: { imageId: number; classId: number; className: string }[]): void {
    for (const c of changes) {
      const at = indexById.value.get(c.imageId);
      const item = at !== undefined ? items.value[at] : undefined;
      if (item) {
        item.classId = c.classId;
        item.className = c.className;
        item.heldOut = null;
      }
    }
    triggerRef(items);
  }

  async function history(direction: 'undo' | 'redo'): Promise<void> {
    if (datasetId.value === null) return;
    error.value = null;
    try {
      const change = await api().call(direction === 'undo' ? 'labels/undo' : 'labels/redo', { datasetId: datasetId.value });
      lastAction.value = change.editId === null ? `Nothing to ${direction}` : describeChange(direction, change);
      if (change.changed > 0 || change.classChange) await Promise.all([reload(), useClassesStore().refresh()]);
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  return {
    datasetId,
    items,
    total,
    loading,
    filters,
    predictions,
    preset,
    selection,
    selectedIds,
    focus,
    focused,
    error,
    lastAction,
    open,
    reload,
    setFilters,
    click,
    move,
    selectAll,
    setSelection,
    assign,
    patchLabels,
    history,
  };
});

