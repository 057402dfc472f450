// Data health of the open dataset: the label-free issues (blurry, dark, near-duplicate groups, …) and
// what the user does about them in place: exclude from training (an undoable edit), keep ("this
// picture is fine"), relabel, undo.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LabelChange } from '../../shared/domain.js';
import { describeChange } from '../../shared/edits.js';
import type { ErrorPayload } from '../../shared/errors.js';
import type { HealthIssue, HealthIssueType, HealthReport, HealthThresholds } from '../../shared/health.js';
import { api } from '../api/index.js';
import { asPayload } from './errors.js';

export const useHealthStore = defineStore('health', () => {
  const datasetId = ref<number | null>(null);
  const report = ref<HealthReport | null>(null);
  const checking = ref(false);
  const error = ref<ErrorPayload | null>(null);
  /** The last action in words ("Excluded 4 images", "Undid excluding 4 images"), for the status line. */
  const lastAction = ref<string | null>(null);

  /** Issues by type; near-duplicates by group. */
  const byType = computed(() => {
    const out = new Map<HealthIssueType, HealthIssue[]>();
    for (const issue of report.value?.issues ?? []) out.set(issue.type, [...(out.get(issue.type) ?? []), issue]);
    return out;
  });

  async function load(id: number): Promise<void> {
    datasetId.value = id;
    error.value = null;
    try {
      report.value = await api().call('health/get', { datasetId: id });
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  async function act(work: () => Promise<unknown>): Promise<boolean> {
    error.value = null;
    try {
      await work();
      if (datasetId.value !== null) report.value = await api().call('health/get', { datasetId: datasetId.value });
      return true;
    } catch (e) {
      error.value = asPayload(e);
      return false;
    }
  }

  /** Measures pictures not measured yet (older imports), then reports. */
  async function check(): Promise<void> {
    checking.value = true;
    error.value = null;
    try {
      report.value = await api().call('health/check', { datasetId: datasetId.value! });
    } catch (e) {
      error.value = asPayload(e);
    } finally {
      checking.value = false;
    }
  }

  const said = (change: LabelChange, words: string) => {
    lastAction.value = change.changed ? words : 'Nothing to change';
  };
  const exclude = (imageIds: number[]) =>
    act(async () => said(await api().call('health/exclude', { datasetId: datasetId.value!, imageIds, excluded: true }), `Excluded ${imageIds.length} image${imageIds.length === 1 ? '' : 's'} from training`));
  const keep = (imageIds: number[], type: HealthIssueType) =>
    act(async () => {
      await api().call('health/keep', { datasetId: datasetId.value!, imageIds, type });
      lastAction.value = `Kept ${imageIds.length} image${imageIds.length === 1 ? '' : 's'}`;
    });
  const relabel = (imageIds: number[], classId: number, className: string) =>
    act(async () => said(await api().call('labels/set', { datasetId: datasetId.value!, imageIds, classId }), `Moved ${imageIds.length} to ${className}`));
  const undo = () =>
    act(async () => {
      const change = await api().call('labels/undo', { datasetId: datasetId.value! });
      lastAction.value = change.editId === null ? 'Nothing to undo' : describeChange('undo', change);
    });
  const setThresholds = (thresholds: Partial<HealthThresholds>) =>
    act(async () => {
      report.value = await api().call('health/setThresholds', { datasetId: datasetId.value!, thresholds });
    });

  return { datasetId, report, checking, error, lastAction, byType, load, check, exclude, keep, relabel, undo, setThresholds };
});
