// Entry point of a labelling job process (child_process.fork, or Electron's utilityProcess): one
// embedding pass, suggestion refresh or map per process, so tfjs, the head's training and UMAP never
// run on a UI or server event loop, and a kill frees everything.
import { toErrorPayload, type ErrorPayload } from '../../../shared/errors.js';
import { BACKBONES, type BackboneName, type EmbeddingsProgress, type EmbeddingsSummary, type MapProgress, type MapSummary, type SuggestionsProgress, type SuggestionsSummary } from '../../../shared/labelling.js';
import { embedDataset } from '../embeddings/embed.js';
import { childCancellation } from '../platform/jobs/child-process.js';
import { Workspace } from '../platform/workspace.js';
import { computeMap } from './map.js';
import { refreshSuggestions } from './refresh.js';

export const LABELLING_JOB_KINDS = ['embed', 'suggest', 'map'] as const;
export type LabellingJobKind = (typeof LABELLING_JOB_KINDS)[number];

export type ToLabelling = { type: 'cancel' };
export type FromLabelling =
  | { type: 'progress'; progress: EmbeddingsProgress | SuggestionsProgress | MapProgress }
  | { type: 'finished'; result: EmbeddingsSummary | SuggestionsSummary | MapSummary }
  | { type: 'failed'; error: ErrorPayload };

/** argv: WORKSPACE KIND DATASET_ID [BACKBONE] */
function parseArgs(argv: string[]): { workspaceDir: string; kind: LabellingJobKind; datasetId: number; backbone?: BackboneName } {
  const [workspaceDir, kind, idText, backbone] = argv;
  const datasetId = Number(idText);
  if (!workspaceDir || !LABELLING_JOB_KINDS.includes(kind as LabellingJobKind) || !Number.isInteger(datasetId)) {
    throw new Error('usage: labelling-process WORKSPACE embed|suggest|map DATASET_ID [BACKBONE]');
  }
  return {
    workspaceDir,
    kind: kind as LabellingJobKind,
    datasetId,
    ...(BACKBONES.includes(backbone as BackboneName) ? { backbone: backbone as BackboneName } : {}),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { port, signal } = childCancellation<ToLabelling, FromLabelling>();
  const ws = Workspace.open(args.workspaceDir);
  const onProgress = (progress: EmbeddingsProgress | SuggestionsProgress | MapProgress) => port.postMessage({ type: 'progress', progress });
  try {
    let result: EmbeddingsSummary | SuggestionsSummary | MapSummary;
    if (args.kind === 'embed') {
      const backbone = args.backbone ?? 'mobilenet';
      if (backbone === 'face') throw new Error('face descriptors come from the face analysis (faces/analyse), not an embedding pass');
      result = await embedDataset(ws.db, args.datasetId, { backbone, signal, onProgress });
    } else if (args.kind === 'suggest') result = refreshSuggestions(ws.db, args.datasetId, { backbone: args.backbone, signal, onProgress });
    else result = computeMap(ws.db, args.datasetId, { backbone: args.backbone, signal, onProgress });
    port.postMessage({ type: 'finished', result });
  } catch (error) {
    port.postMessage({ type: 'failed', error: toErrorPayload(error) });
    process.exitCode = 1;
  } finally {
    ws.close();
  }
}

await main();
// The wasm runtime may hold the event loop open; every row is committed, so leave once the last
// message has had time to reach the parent.
setTimeout(() => process.exit(), 200).unref();
