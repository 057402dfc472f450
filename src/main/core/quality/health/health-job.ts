// The health checks' work inside the job process (registered in core/job-kinds.ts): measuring the
// pictures nobody measured yet (imported before the checks existed, or measured by an older version)
// when asked, then the pairwise checks (near-duplicate groups, outliers; pairwise.ts), so neither
// ever runs in the UI's or the server's event loop.
import { defineJob, type JobContext } from '../../platform/jobs/protocol.js';
import { measureDataset } from './measure-dataset.js';
import { computePairwise } from './pairwise.js';

export interface HealthJobArgs {
  datasetId: number;
  /** Measure the unmeasured pictures first (health/check); health/get only brings the pairwise checks up to date. */
  measure: boolean;
}
export interface HealthJobProgress {
  datasetId: number;
  done: number;
  total: number;
  phase: 'measuring' | 'comparing';
}
export interface HealthJobResult {
  measured: number;
  failed: number;
  /** Seconds measuring, and comparing pairs. */
  seconds: number;
  pairwiseSeconds: number;
}

export const healthJob = defineJob('health', async (args: HealthJobArgs, ctx: JobContext<HealthJobProgress>): Promise<HealthJobResult> => {
  let last = 0;
  const measured = args.measure
    ? await measureDataset(ctx.workspace, args.datasetId, {
        signal: ctx.signal,
        onProgress: (done, total) => {
          const now = performance.now();
          if (done === total || now - last > 250) {
            last = now;
            ctx.emit({ datasetId: args.datasetId, done, total, phase: 'measuring' });
          }
        },
      })
    : { measured: 0, failed: 0, seconds: 0 };
  ctx.emit({ datasetId: args.datasetId, done: 0, total: 0, phase: 'comparing' });
  const pairwise = computePairwise(ctx.workspace.db, args.datasetId);
  return { ...measured, pairwiseSeconds: pairwise.seconds };
});
