// `runs/predict` in its own job process (predict-job.ts): loading a model and the face nets, then
// decoding and analysing photos, takes seconds of CPU that must not freeze the window or the server.
import type { PredictOutcome } from '../../../shared/runs.js';
import { jobFailure, type JobSupervisor } from '../platform/jobs/supervisor.js';
import type { Workspace } from '../platform/workspace.js';
import type { predictJob } from './predict-job.js';
import { getRun } from './run-store.js';

const AGAIN = 'Try again; if it keeps failing, run `facet predict RUN IMAGE` in a terminal to see why.';

export class Predictor {
  constructor(
    private readonly ws: Workspace,
    private readonly jobs: JobSupervisor,
  ) {}

  async predict(runId: number, paths: string[]): Promise<PredictOutcome> {
    getRun(this.ws.db, runId); // an unknown run fails here, before a process starts
    const outcome = await this.jobs.start<typeof predictJob>('predict', { runId, paths }, { label: 'prediction', interruptedHint: AGAIN }).done;
    if (outcome.status === 'completed') return outcome.result;
    throw jobFailure(outcome.error, AGAIN);
  }
}
