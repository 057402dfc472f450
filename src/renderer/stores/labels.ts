// Label edits in the labeller: the selection (else the focused image) to a class, undo / redo, and
// labels given elsewhere shown in the list without reloading it. A label shows as changed only after
// labels/set resolves, i.e. once SQLite has it.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { describeChange } from '../../shared/edits.js';
import { api } from '../api/index.js';
import { useClassesStore } from './classes.js';
import { asPayload } from './errors.js';
import { useImagesStore } from './images.js';
import { useSelectionStore } from './selection.js';

export const useLabelsStore = defineStore('labels', () => {
  const images = useImagesStore();
  const selection = useSelectionStore();
  /** The last label action in words, for the status bar (the To label view and the map write it too). */
  const lastAction = ref<string>('');

  /** Labels `ids` (by default the selection, else the focused image) with a class. */
  async function assign(classId: number, ids: number[] = selection.targets()): Promise<boolean> {
    const datasetId = images.datasetId;
    if (datasetId === null || ids.length === 0) return false;
    images.error = null;
    try {
      const change = await api().call('labels/set', { datasetId, imageIds: ids, classId });
      const classes = useClassesStore();
      const name = classes.list.find((c) => c.id === classId)?.name ?? null;
      images.patch(change.imageIds.map((imageId) => ({ imageId, set: { classId, className: name } })));
      lastAction.value = change.changed === 0 ? `Already ${name}` : `${change.changed} image${change.changed === 1 ? '' : 's'} → ${name}`;
      void classes.refresh();
      return true;
    } catch (e) {
      images.error = asPayload(e);
      return false;
    }
  }

  /** Shows labels given elsewhere (accepted suggestions, the map) without reloading the list. */
  function patchLabels(changes: { imageId: number; classId: number; className: string }[]): void {
    images.patch(changes.map((c) => ({ imageId: c.imageId, set: { classId: c.classId, className: c.className, heldOut: null } })));
  }

  async function history(direction: 'undo' | 'redo'): Promise<void> {
    const datasetId = images.datasetId;
    if (datasetId === null) return;
    images.error = null;
    try {
      const change = await api().call(direction === 'undo' ? 'labels/undo' : 'labels/redo', { datasetId });
      lastAction.value = change.editId === null ? `Nothing to ${direction}` : describeChange(direction, change);
      if (change.changed === 0 && !change.classChange) return;
      // Only the images the edit touched changed: fetch those, not the whole list again (100,000
      // rows take seconds) — unless classes changed or the filters make labels decide what is listed.
      const rows = change.classChange || images.shapedByLabels ? images.reload() : images.refreshRows(change.imageIds);
      await Promise.all([rows, useClassesStore().refresh()]);
    } catch (e) {
      images.error = asPayload(e);
    }
  }

  return { lastAction, assign, patchLabels, history };
});
