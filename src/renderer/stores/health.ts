// Data health of the open dataset: the label-free issues (blurry, dark, near-duplicate groups, …) and
// what the user does about them in place: exclude from training (an undoable edit), keep ("this
// picture is fine"), relabel, undo.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LabelChange } from '../../shared/domain.js';
import { describeChange } from '../../shared/edits.js';
import type { ErrorPayload } from '../../shared/errors.js';
import type { HealthIssue, HealthIssueType, HealthProgress, HealthReport, HealthThresholds } from '../../shared/health.js';
import { api } from '../api/index.js';
import { asPayload } from './errors.js';

export const useHealthStore = defineStore('health', () => {
  const datasetId = ref<number | null>(null);
  const report = ref<HealthReport | null>(null);
  const checking = ref(false);
  /** The health job measuring new pictures (after an import or rescan), from its events; null when none runs. */
  const measuring = ref<HealthProgress | null>(null);
  let listening = false;

  /** Follows the dataset's health job: its progress, and the report again when it ends. */
  function listen(): void {
    if (listening) return;
    listening = true;
    api().on('health/progress', (p) => {
      if (p.datasetId !== datasetId.value) return;
      if (!p.finished) {
        measuring.value = p;
        return;
      }
      measuring.value = null;
      if (p.error) error.value = { code: 'engine', message: p.error };
      void reload();
    });
  }

  async function reload(): Promise<void> {
    if (datasetId.value === null) return;
    try {
      report.value = await api().call('health/get', { datasetId: datasetId.value });
      measuring.value = report.value.measuring;
    } catch (e) {
      error.value = asPayload(e);
    }
  }
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
    listen();
    datasetId.value = id;
    error.value = null;
    measuring.value = null;
    await reload();
  }

  async function act(work: () => Promise<unknown>): Promise<boolean> {
    error.value = null;
    try {
      await work();
      await reload();
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
      measuring.value = null;
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

  return { datasetId, report, checking, measuring, error, lastAction, byType, load, check, exclude, keep, relabel, undo, setThresholds };
});
