// Label quality audits of the open dataset: the latest report, a running audit's progress, and the
// decisions taken on its findings (accept a suggestion, keep a label, resolve a leak).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ErrorPayload } from '../../shared/errors.js';
import type { AuditReport, AuditSettingsInput, Leak, LeakAction } from '../../shared/quality.js';
import { api } from '../api/index.js';
import { useJobEvents } from '../composables/jobEvents.js';
import { asPayload } from './errors.js';

export const useAuditStore = defineStore('audit', () => {
  const datasetId = ref<number | null>(null);
  const report = ref<AuditReport | null>(null);
  const error = ref<ErrorPayload | null>(null);
  /** The audit running for this dataset, if any: its start call answers at once, audit/finished ends it. */
  const job = useJobEvents(
    { auditing: 'audit/progress' },
    {
      key: (p) => p.auditId,
      finished: 'audit/finished',
      onFinished: (f) => {
        if (f.error) error.value = { code: 'engine', message: `The audit ${f.status}: ${f.error}` };
        void load(datasetId.value!);
      },
    },
  );

  /** The dataset's latest audit (none yet is not an error). */
  async function load(id: number): Promise<void> {
    job.listen();
    datasetId.value = id;
    try {
      report.value = await api().call('audit/get', { datasetId: id });
      if (report.value.status === 'running' || report.value.status === 'queued') job.follow('auditing', report.value.auditId);
    } catch (e) {
      const payload = asPayload(e);
      if (payload.code !== 'not-found') throw e;
      report.value = null;
    }
  }

  async function act(work: () => Promise<unknown>): Promise<boolean> {
    error.value = null;
    try {
      await work();
      if (datasetId.value !== null) await load(datasetId.value);
      return true;
    } catch (e) {
      error.value = asPayload(e);
      return false;
    }
  }

  const start = (settings: AuditSettingsInput = {}) =>
    act(async () => {
      job.listen();
      const audit = await api().call('audit/start', { datasetId: datasetId.value!, settings });
      job.follow('auditing', audit.id);
    });
  const cancel = () => act(() => api().call('audit/cancel', { auditId: job.key.value! }));
  /** Continues the shown audit where it stopped (its predicted folds are kept). */
  const resume = () =>
    act(async () => {
      job.listen();
      const audit = await api().call('audit/resume', { auditId: report.value!.auditId });
      job.follow('auditing', audit.id);
    });
  /** Relabel with the suggestion, or with `classId` when the user picked another class. */
  const accept = (imageId: number, classId?: number) =>
    act(() => api().call('audit/accept', { auditId: report.value!.auditId, imageIds: [imageId], ...(classId !== undefined ? { classId } : {}) }));
  const keep = (imageId: number) => act(() => api().call('audit/keep', { auditId: report.value!.auditId, imageIds: [imageId] }));
  /** Acts on the pair's later-split image (val / test): move it to the train side, or drop it. */
  const resolveLeak = (leak: Leak, action: LeakAction) =>
    act(() => api().call('audit/resolveLeak', { imageId: leak.b.imageId, otherImageId: leak.a.imageId, action, auditId: report.value!.auditId }));

  return { datasetId, report, runningId: job.key, progress: job.progress, error, load, start, cancel, resume, accept, keep, resolveLeak };
});
