// Entry point of a face-analysis process (child_process.fork, or Electron's utilityProcess): one
// dataset per process, so tfjs never runs on a UI or server event loop and a kill frees everything.
import { toErrorPayload, type ErrorPayload } from '../../../shared/errors.js';
import { childCancellation } from '../platform/jobs/child-process.js';
import type { FaceDetectorName, FacesProgress, FacesSummary } from '../../../shared/faces.js';
import { Workspace } from '../platform/workspace.js';
import { analyseDataset } from './analyse.js';

export type ToFaces = { type: 'cancel' };
export type FromFaces =
  | { type: 'progress'; progress: FacesProgress }
  | { type: 'finished'; summary: FacesSummary }
  | { type: 'failed'; error: ErrorPayload };


/** argv: WORKSPACE DATASET_ID [--detector ssd|tiny] [--min-score X] [--redo] */
function parseFacesArgs(argv: string[]): { workspaceDir: string; datasetId: number; detector?: FaceDetectorName; minScore?: number; redo: boolean } {
  const [workspaceDir, idText, ...flags] = argv;
  const datasetId = Number(idText);
  if (!workspaceDir || !Number.isInteger(datasetId)) throw new Error('usage: faces-process WORKSPACE DATASET_ID [--detector ssd|tiny] [--min-score X] [--redo]');
  const value = (flag: string) => {
    const i = flags.indexOf(flag);
    return i >= 0 ? flags[i + 1] : undefined;
  };
  const detector = value('--detector');
  const minScore = value('--min-score');
  return {
    workspaceDir,
    datasetId,
    ...(detector === 'ssd' || detector === 'tiny' ? { detector } : {}),
    ...(minScore !== undefined ? { minScore: Number(minScore) } : {}),
    redo: flags.includes('--redo'),
  };
}

async function main(): Promise<void> {
  const args = parseFacesArgs(process.argv.slice(2));
  // Cancel, SIGTERM or the parent going away stop the work at its next check (resumable).
  const { port, signal } = childCancellation<ToFaces, FromFaces>();
  const ws = Workspace.open(args.workspaceDir);
  try {
    const summary = await analyseDataset(ws.db, args.datasetId, {
      ...(args.detector ? { detector: args.detector } : {}),
      ...(args.minScore !== undefined ? { minScore: args.minScore } : {}),
      redo: args.redo,
      signal: signal,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
    });
    port.postMessage({ type: 'finished', summary });
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
