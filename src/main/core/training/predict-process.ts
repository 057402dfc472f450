// Entry point of a prediction process (child_process.fork, or Electron's utilityProcess): a run's
// model and, for face runs, the face nets are loaded here, so tfjs never blocks the window's or the
// server's event loop; the process answers one request and exits, freeing every tensor.
import { toErrorPayload, type ErrorPayload } from '../../../shared/errors.js';
import type { PredictOutcome } from '../../../shared/runs.js';
import { parentHandle } from '../platform/jobs/child-process.js';
import { Workspace } from '../platform/workspace.js';
import { predictWithRun } from './predict.js';

export type ToPredictor = { type: 'predict'; runId: number; paths: string[] };
export type FromPredictor = { type: 'result'; outcome: PredictOutcome } | { type: 'failed'; error: ErrorPayload };

const port = parentHandle<ToPredictor, FromPredictor>();
const workspaceDir = process.argv[2];
port.onMessage((m) => {
  if (m.type !== 'predict' || !workspaceDir) return;
  void (async () => {
    const ws = Workspace.open(workspaceDir);
    try {
      port.postMessage({ type: 'result', outcome: await predictWithRun(ws.db, ws.dir, m.runId, m.paths) });
    } catch (error) {
      port.postMessage({ type: 'failed', error: toErrorPayload(error) });
    } finally {
      ws.close();
      // The wasm runtime may hold the event loop open: leave once the answer has had time to go.
      setTimeout(() => process.exit(), 200).unref();
    }
  })();
});
// The parent went away before asking: nothing to do.
process.on('disconnect', () => process.exit());
