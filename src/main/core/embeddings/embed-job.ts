// The work of an embedding pass inside the job process (registered in core/job-kinds.ts): images
// already embedded with the backbone are skipped, so a cancelled pass resumes by starting again. A
// cancel stops the pass after the batches in flight (stored), and the pass stops its worker threads.
import type { EmbeddingsProgress, EmbeddingsSummary } from '../../../shared/labelling.js';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import type { PixelBackboneName } from './backbones.js';
import { embedDataset } from './embed.js';

export interface EmbedArgs {
  datasetId: number;
  backbone: PixelBackboneName;
}

export const embedJob = defineJob('embed', async (args: EmbedArgs, ctx: JobContext<EmbeddingsProgress>): Promise<EmbeddingsSummary> =>
  embedDataset(ctx.workspace.db, args.datasetId, { backbone: args.backbone, signal: ctx.signal, onProgress: (p) => ctx.emit(p), workspaceDir: ctx.workspace.dir }),
);
