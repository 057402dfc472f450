// Starting, resuming, cancelling and awaiting runs. Each run trains in its own process; this side
// only writes the run row and snapshot, launches the process and relays its events.
import { FacetError } from '../../../shared/errors.js';
import { CheckedHyperparametersSchema, type Hyperparameters, type HyperparametersInput } from '../../../shared/hyperparameters.js';
import type { Run, RunFinished } from '../../../shared/runs.js';
import type { CoreEvents } from '../platform/events.js';
import { unanalysedImages } from '../faces/face-store.js';
import type { Database } from '../platform/store/db.js';
import { builtSibling } from '../platform/files/built-file.js';
import { forkLauncher, type ChildHandle, type ProcessLauncher } from '../platform/jobs/child-process.js';
import type { Workspace } from '../platform/workspace.js';
import { createRunRow, finishRun, getRun, markInterruptedRuns } from './run-store.js';
import { createSnapshot } from './snapshots.js';
import type { FromTrainer, ToTrainer } from './train-process.js';
import { issueSentence } from '../../../shared/user-words.js';
import { defaultRunName } from './run-names.js';

/** What the runs service needs of a training process; Electron passes a utilityProcess-backed one. */
export type TrainerChild = ChildHandle<ToTrainer, FromTrainer>;
export type TrainerLauncher = ProcessLauncher;

/** How long a cancel may take before the process is killed (the last resort; it frees everything). */
const CANCEL_GRACE_MS = 15_000;

interface Active {
  child: TrainerChild;
  done: Promise<RunFinished & { dataWaitShare: number }>;
}

export class RunManager {
  private readonly active = new Map<number, Active>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly launcher: TrainerLauncher = forkLauncher,
  ) {
    markInterruptedRuns(ws.db);
  }

  start(args: { datasetId: number; hyperparameters?: HyperparametersInput; name?: string }): Run {
    const parsed = CheckedHyperparametersSchema.safeParse(args.hyperparameters ?? {});
    if (!parsed.success) {
      const { message, field } = issueSentence(parsed.error.issues[0]!);
      throw new FacetError('invalid-argument', message, { field });
    }
    const hp = parsed.data;
    assertFacesReady(this.ws.db, args.datasetId, hp);
    const snapshot = createSnapshot(this.ws.db, args.datasetId);
    const name = args.name ?? defaultRunName(this.ws.db, args.datasetId, hp);
    const runId = createRunRow(this.ws.db, args.datasetId, snapshot.id, name, hp);
    this.launch(runId, false);
    return getRun(this.ws.db, runId);
  }

  resume(runId: number): Run {
    const run = getRun(this.ws.db, runId);
    if (this.active.has(runId) || run.status === 'running') {
      throw new FacetError('conflict', `Run ${runId} is running.`, { field: 'run' });
    }
    if (run.status === 'completed') {
      throw new FacetError('conflict', `Run ${runId} has completed; there is nothing to resume.`, { field: 'run', hint: 'Start a new run instead.' });
    }
    this.ws.db.prepare(`UPDATE runs SET status = 'queued', error = NULL WHERE id = ?`).run(runId);
    this.launch(runId, true);
    return getRun(this.ws.db, runId);
  }

  private launch(runId: number, resume: boolean): void {
    const entry = builtSibling(import.meta.url, './train-process.js');
    const child = this.launcher(entry, [this.ws.dir, String(runId), ...(resume ? ['--resume'] : [])]);
    if (child.pid) this.ws.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(child.pid, runId);
    let finished: (RunFinished & { dataWaitShare: number }) | null = null;
    const done = new Promise<RunFinished & { dataWaitShare: number }>((resolve) => {
      child.onMessage((m) => {
        if (m.type === 'progress') this.events.emit('train/progress', m.progress);
        else if (m.type === 'epoch') this.events.emit('train/epoch', { runId: m.runId, metrics: m.metrics });
        else if (m.type === 'finished') finished = { ...m.finished, dataWaitShare: m.dataWaitShare };
        // The process exits right after 'finished'; 'exit' below does the bookkeeping either way.
      });
      child.onExit((code) => {
        this.active.delete(runId);
        let result = finished;
        if (!result) {
          // The process died without reporting (killed, out of memory): the run must not stay "running".
          const run = getRun(this.ws.db, runId);
          const status = run.status === 'running' || run.status === 'queued' ? 'interrupted' : run.status;
          const error = `The training process exited unexpectedly (code ${code ?? 'signal'}); resume with facet train --resume ${runId}.`;
          if (status === 'interrupted') finishRun(this.ws.db, runId, 'interrupted', error);
          result = { runId, status, error, dataWaitShare: 0 };
        }
        this.events.emit('train/finished', { runId: result.runId, status: result.status, error: result.error });
        resolve(result);
      });
    });
    this.active.set(runId, { child, done });
  }

  /** Asks the process to stop after the current batch; kills it if it has not within the grace period. */
  async cancel(runId: number): Promise<Run> {
    const active = this.active.get(runId);
    if (!active) {
      const run = getRun(this.ws.db, runId);
      if (run.status === 'queued' || run.status === 'running') {
        throw new FacetError('conflict', `Run ${runId} is running in another process.`, { field: 'run', hint: 'Cancel it from the window or terminal that started it.' });
      }
      return run;
    }
    active.child.send({ type: 'cancel' });
    const timer = setTimeout(() => active.child.kill(), CANCEL_GRACE_MS);
    await active.done;
    clearTimeout(timer);
    const run = getRun(this.ws.db, runId);
    if (run.status === 'running' || run.status === 'interrupted') finishRun(this.ws.db, runId, 'cancelled');
    return getRun(this.ws.db, runId);
  }

  async wait(runId: number): Promise<RunFinished & { dataWaitShare: number }> {
    const active = this.active.get(runId);
    if (!active) {
      const run = getRun(this.ws.db, runId);
      return { runId, status: run.status, error: run.error, dataWaitShare: 0 };
    }
    return active.done;
  }

  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /** Stops every run this process started (on quit). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((id) => this.cancel(id)));
  }
}

/** Face runs need the face analysis first: refused here, before a run exists, rather than failing in its process. */
function assertFacesReady(db: Database, datasetId: number, hp: Hyperparameters): void {
  if (hp.preset !== 'face-embedding' && !hp.cropToFace.enabled) return;
  const { count, total, example } = unanalysedImages(db, datasetId);
  const hint = 'Analyse the faces first (Datasets › Analyse faces, or `facet faces DATASET`), then start the run again.';
  if (hp.preset === 'face-embedding' && count > 0) {
    throw new FacetError('conflict', `${count} of the ${total} images have no face analysis yet (e.g. ${example}): the face-embedding preset trains on their face descriptors.`, { field: 'preset', hint });
  }
  if (hp.cropToFace.enabled && total > 0 && count === total) {
    throw new FacetError('conflict', 'Crop to face needs the face analysis of the dataset, and none of its images has one.', { field: 'cropToFace', hint });
  }
}
