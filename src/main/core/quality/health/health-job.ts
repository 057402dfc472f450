// Measuring a dataset's unmeasured pictures inside the job process (registered in core/job-process.ts):
// on demand, for pictures imported before the checks existed or whose measures are of an older version.
import { defineJob, type JobContext } from '../../platform/jobs/protocol.js';
import { measureDataset } from './measure-dataset.js';

export interface HealthJobArgs {
  datasetId: number;
}
export interface HealthJobProgress {
  datasetId: number;
  done: number;
  total: number;
}

export const healthJob = defineJob('health', async (args: HealthJobArgs, ctx: JobContext<HealthJobProgress>) => {
  let last = 0;
  return measureDataset(ctx.workspace, args.datasetId, {
    signal: ctx.signal,
    onProgress: (done, total) => {
      const now = performance.now();
      if (done === total || now - last > 250) {
        last = now;
        ctx.emit({ datasetId: args.datasetId, done, total });
      }
    },
  });
});
