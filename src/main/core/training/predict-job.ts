// The work of `runs/predict` inside the job process (registered in core/job-kinds.ts): a run's
// model and, for face runs, the face nets load there, so seconds of CPU never freeze the window or
// the server; the process answers one request and exits, freeing every tensor.
import { FacetError } from '../../../shared/errors.js';
import type { PredictOutcome } from '../../../shared/runs.js';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { predictWithRun } from './predict.js';

export interface PredictArgs {
  runId: number;
  paths: string[];
}

export const predictJob = defineJob('predict', async (args: PredictArgs, ctx: JobContext<never>): Promise<PredictOutcome> => {
  const ws = ctx.workspace;
  // Prediction has no check points of its own: a cancel (closing the workspace) answers at once and
  // the process exits with the work unfinished — nothing of it is stored.
  const cancelled = new Promise<never>((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(new FacetError('cancelled', 'The prediction was cancelled.')), { once: true }),
  );
  return Promise.race([predictWithRun(ws.db, ws.dir, args.runId, args.paths), cancelled]);
});
