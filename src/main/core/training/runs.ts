// Starting, resuming, cancelling and awaiting runs. Each run trains in its own job process
// (train-job.ts, started by the job supervisor); this side writes the run row and snapshot, relays the
// job's events and records how the process ended.
import { FacetError, formatError } from '../../../shared/errors.js';
import { CheckedHyperparametersSchema, type Hyperparameters, type HyperparametersInput } from '../../../shared/hyperparameters.js';
import type { Run, RunFinished } from '../../../shared/runs.js';
import type { CoreEvents } from '../platform/events.js';
import { unanalysedImages } from '../faces/face-store.js';
import { nowIso, type Database } from '../platform/store/db.js';
import type { JobOutcome, JobSupervisor } from '../platform/jobs/supervisor.js';
import type { Workspace } from '../platform/workspace.js';
import { createRunRow, finishRun, getRun, markInterruptedRuns } from './run-store.js';
import { createSnapshot } from './snapshots.js';
import type { TrainResult, trainJob } from './train-job.js';
import { issueSentence } from '../../../shared/user-words.js';
import { defaultRunName } from './run-names.js';

type Finished = RunFinished & { dataWaitShare: number };
const jobKey = (runId: number) => `run:${runId}`;

export class Runs {
  /** Runs this process started, until their process has exited and its end is recorded. */
  private readonly active = new Map<number, Promise<Finished>>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly jobs: JobSupervisor,
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
    const job = this.jobs.start<typeof trainJob>('train', { runId, resume }, {
      key: jobKey(runId),
      label: 'training',
      interruptedHint: `Finish it with facet train --resume ${runId}.`,
      onEvent: (e) => {
        if (e.type === 'progress') this.events.emit('train/progress', e.progress);
        else this.events.emit('train/epoch', { runId, metrics: e.metrics });
      },
    });
    // The run's clock starts here, at every start and resume: what the live "elapsed" counts from.
    this.ws.db.prepare('UPDATE runs SET pid = COALESCE(?, pid), started_at = ?, finished_at = NULL WHERE id = ?').run(job.pid ?? null, nowIso(), runId);
    this.active.set(
      runId,
      job.done.then((outcome) => {
        const finished = this.record(runId, outcome);
        this.active.delete(runId);
        this.events.emit('train/finished', { runId, status: finished.status, error: finished.error, ...(finished.failure ? { failure: finished.failure } : {}) });
        return finished;
      }),
    );
  }

  /** The run row after its process exited: a run must never stay "running" once its process is gone. */
  private record(runId: number, outcome: JobOutcome<TrainResult>): Finished {
    if (outcome.status === 'completed') return { runId, status: outcome.result.status, error: null, dataWaitShare: outcome.result.dataWaitShare };
    const run = getRun(this.ws.db, runId);
    const unfinished = run.status === 'running' || run.status === 'queued';
    const status = outcome.status === 'failed' ? 'failed' : 'interrupted';
    if (unfinished) finishRun(this.ws.db, runId, status, formatError(outcome.error));
    if (outcome.status === 'interrupted' && !unfinished) return { runId, status: run.status, error: run.error, dataWaitShare: 0 };
    return { runId, status, error: outcome.error.message, failure: outcome.error, dataWaitShare: 0 };
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
    await this.jobs.cancel(jobKey(runId));
    await active;
    const run = getRun(this.ws.db, runId);
    if (run.status === 'running' || run.status === 'interrupted') finishRun(this.ws.db, runId, 'cancelled');
    return getRun(this.ws.db, runId);
  }

  async wait(runId: number): Promise<Finished> {
    const active = this.active.get(runId);
    if (!active) {
      const run = getRun(this.ws.db, runId);
      return { runId, status: run.status, error: run.error, dataWaitShare: 0 };
    }
    return active;
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
