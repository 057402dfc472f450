// Training runs: the list, the live state of running ones (progress and epochs from events) and
// the details views load. Events are subscribed once for the app's life, so a run keeps updating
// while its view is closed; a view reopening reloads the curves from SQLite through runs/get.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HyperparametersInput } from '../../shared/hyperparameters.js';
import { trainedWith, type Run, type RunDetail, type TrainProgress } from '../../shared/runs.js';
import { api } from '../api/index.js';

export const useRunsStore = defineStore('runs', () => {
  const list = ref<Run[]>([]);
  const details = ref<Record<number, RunDetail>>({});
  const progress = ref<Record<number, TrainProgress>>({});
  let listening = false;

  function listen(): void {
    if (listening) return;
    listening = true;
    api().on('train/progress', (p) => {
      progress.value = { ...progress.value, [p.runId]: p };
      const d = details.value[p.runId];
      // The backend is known once the process has started: fetch it with the first event.
      if (d && (d.backend === null || d.status === 'queued')) void refresh(p.runId);
    });
    api().on('train/epoch', ({ runId, metrics }) => {
      const d = details.value[runId];
      if (d && !d.epochs.some((e) => e.epoch === metrics.epoch)) {
        details.value = { ...details.value, [runId]: { ...d, epochsDone: metrics.epoch, epochs: [...d.epochs, metrics] } };
      }
    });
    api().on('train/finished', ({ runId }) => {
      const { [runId]: _done, ...rest } = progress.value;
      progress.value = rest;
      void refresh(runId);
      void load();
    });
  }

  async function load(): Promise<void> {
    listen();
    list.value = await api().call('runs/list', {});
  }

  async function refresh(runId: number): Promise<RunDetail> {
    const d = await api().call('runs/get', { runId });
    details.value = { ...details.value, [runId]: d };
    const at = list.value.findIndex((r) => r.id === runId);
    if (at >= 0) list.value = list.value.map((r) => (r.id === runId ? d : r));
    return d;
  }

  async function start(datasetId: number, hyperparameters: HyperparametersInput, name?: string): Promise<Run> {
    listen();
    const run = await api().call('runs/start', { datasetId, hyperparameters, ...(name?.trim() ? { name: name.trim() } : {}) });
    await Promise.all([refresh(run.id), load()]);
    return run;
  }

  async function cancel(runId: number): Promise<void> {
    await api().call('runs/cancel', { runId });
    await Promise.all([refresh(runId), load()]);
  }

  async function rename(runId: number, name: string): Promise<void> {
    await api().call('runs/rename', { runId, name });
    await load();
  }

  async function remove(runId: number): Promise<void> {
    await api().call('runs/delete', { runId });
    const { [runId]: _gone, ...rest } = details.value;
    details.value = rest;
    await load();
  }

  return { list, details, progress, listen, load, refresh, start, cancel, rename, remove };
});

export const isLive = (r: Pick<Run, 'status'>) => r.status === 'running' || r.status === 'queued';

/** Seconds as "1 h 02 min", "3 min 05 s" or "12 s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

export const percent = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(digits)}%`);

/** The backend in the user's words, with why when it is the fallback. */
export function backendLine(r: Pick<Run, 'backend' | 'engineReason' | 'origin'>): { name: string; explanation: string | null } {
  if (r.origin) return { name: `Trained elsewhere: ${trainedWith(r)} on ${r.origin.host}`, explanation: null };
  if (r.backend === 'tensorflow') return { name: 'Native TensorFlow (tfjs-node)', explanation: null };
  if (r.backend === null) return { name: 'starting…', explanation: null };
  const name = r.backend === 'wasm' ? 'CPU fallback: WebAssembly + XNNPACK' : 'CPU fallback: plain JavaScript';
  return { name, explanation: r.engineReason ?? 'Native TensorFlow (@tensorflow/tfjs-node) is not installed on this machine.' };
}

export const STATUS_WORDS: Record<Run['status'], string> = {
  queued: 'starting',
  running: 'training',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

/** Why a run's model cannot be exported from the UI, or null when it can. */
export function exportBlocker(r: Pick<Run, 'bestEpoch'>): string | null {
  if (r.bestEpoch === null) return 'No trained weights yet: wait for an epoch to finish';
  return null;
}
