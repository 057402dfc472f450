// The classes of the open dataset, in the sidebar's order (keys 1–9 follow it).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ClassDef } from '../../shared/domain.js';
import type { ErrorPayload } from '../../shared/errors.js';
import { api } from '../api/index.js';
import { asPayload } from './errors.js';

export const useClassesStore = defineStore('classes', () => {
  const list = ref<ClassDef[]>([]);
  const datasetId = ref<number | null>(null);
  const error = ref<ErrorPayload | null>(null);

  async function load(id: number): Promise<void> {
    datasetId.value = id;
    list.value = await api().call('classes/list', { datasetId: id });
  }

  async function refresh(): Promise<void> {
    if (datasetId.value !== null) await load(datasetId.value);
  }

  /** Runs one class action; on failure keeps the message for the dialog and returns false. */
  async function act(work: () => Promise<unknown>): Promise<boolean> {
    error.value = null;
    try {
      await work();
      await refresh();
      return true;
    } catch (e) {
      error.value = asPayload(e);
      return false;
    }
  }

  const add = (name: string) => act(() => api().call('classes/add', { datasetId: datasetId.value!, name }));
  const rename = (classId: number, name: string) => act(() => api().call('classes/rename', { classId, name }));
  const merge = (sourceClassId: number, targetClassId: number) => act(() => api().call('classes/merge', { sourceClassId, targetClassId }));
  const remove = (classId: number, moveToClassId?: number) =>
    act(() => api().call('classes/delete', { classId, ...(moveToClassId !== undefined ? { moveToClassId } : {}) }));

  return { list, datasetId, error, load, refresh, add, rename, merge, remove };
});
