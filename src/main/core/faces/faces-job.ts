// The work of a face-analysis pass inside the job process (registered in core/job-kinds.ts): one
// dataset per process; images already analysed are skipped, so a cancelled pass resumes by starting again.
import type { FaceDetectorName, FacesProgress, FacesSummary } from '../../../shared/faces.js';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { analyseDataset } from './analyse.js';

export interface FacesArgs {
  datasetId: number;
  detector?: FaceDetectorName;
  minScore?: number;
  redo?: boolean;
}

export const facesJob = defineJob('faces', async (args: FacesArgs, ctx: JobContext<FacesProgress>): Promise<FacesSummary> =>
  analyseDataset(ctx.workspace.db, args.datasetId, {
    ...(args.detector ? { detector: args.detector } : {}),
    ...(args.minScore !== undefined ? { minScore: args.minScore } : {}),
    redo: args.redo ?? false,
    signal: ctx.signal,
    onProgress: (progress) => ctx.emit(progress),
  }),
);
