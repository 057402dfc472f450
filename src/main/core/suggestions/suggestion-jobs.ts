// The work of a suggestion refresh and of a map inside the job process (registered in
// core/job-kinds.ts), so the head's training and UMAP never run on a UI or server event loop.
import type { BackboneName, MapProgress, MapSummary, SuggestionsProgress, SuggestionsSummary } from '../../../shared/labelling.js';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { computeMap } from './map.js';
import { refreshSuggestions } from './refresh.js';

export interface LabellingArgs {
  datasetId: number;
  backbone?: BackboneName;
}

export const suggestJob = defineJob('suggest', async (args: LabellingArgs, ctx: JobContext<SuggestionsProgress>): Promise<SuggestionsSummary> =>
  refreshSuggestions(ctx.workspace.db, args.datasetId, { backbone: args.backbone, signal: ctx.signal, onProgress: (p) => ctx.emit(p) }),
);

export const mapJob = defineJob('map', async (args: LabellingArgs, ctx: JobContext<MapProgress>): Promise<MapSummary> =>
  computeMap(ctx.workspace.db, args.datasetId, { backbone: args.backbone, signal: ctx.signal, onProgress: (p) => ctx.emit(p) }),
);
