// The work of a training run inside the job process (registered in core/job-kinds.ts): trains the
// run with the shared epoch loop and relays its progress and epochs to the parent.
import type { EpochMetrics, TrainProgress } from '../../../shared/runs.js';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { finishRun } from './run-store.js';
import { trainRun } from './trainer.js';

export interface TrainArgs {
  runId: number;
  resume: boolean;
}
export type TrainEvent = { type: 'progress'; progress: TrainProgress } | { type: 'epoch'; metrics: EpochMetrics };
export interface TrainResult {
  status: 'completed' | 'cancelled' | 'interrupted';
  /** Share of training time spent waiting for batches (the benchmark reads it). */
  dataWaitShare: number;
}

export const trainJob = defineJob('train', async (args: TrainArgs, ctx: JobContext<TrainEvent>): Promise<TrainResult> => {
  const ws = ctx.workspace;
  const outcome = await trainRun(ws.db, args.runId, {
    workspaceDir: ws.dir,
    cacheDir: ws.cacheDir,
    resume: args.resume,
    signal: ctx.signal,
    onProgress: (progress) => ctx.emit({ type: 'progress', progress }),
    onEpoch: (metrics) => ctx.emit({ type: 'epoch', metrics }),
  });
  if (outcome.status === 'cancelled' && ctx.parentGone()) {
    finishRun(ws.db, args.runId, 'interrupted', `The process that started the run went away; resume it with facet train --resume ${args.runId}.`);
    return { status: 'interrupted', dataWaitShare: 0 };
  }
  return { status: outcome.status, dataWaitShare: outcome.dataWaitShare };
});
