// Entry point of the training process (child_process.fork under the CLI and the server, Electron's
// utilityProcess under the app): one run per process, so killing it frees every tensor, and tfjs
// never runs on a UI or server event loop. Talks to its parent with the messages below.
import { toErrorPayload } from '../../../shared/errors.js';
import { childCancellation } from '../platform/jobs/child-process.js';
import type { EpochMetrics, RunFinished, TrainProgress } from '../../../shared/runs.js';
import { Workspace } from '../platform/workspace.js';
import { finishRun } from './run-store.js';
import { trainRun } from './trainer.js';

export type ToTrainer = { type: 'cancel' };
export type FromTrainer =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'epoch'; runId: number; metrics: EpochMetrics }
  | { type: 'finished'; finished: RunFinished; dataWaitShare: number };


async function main(): Promise<void> {
  const [workspaceDir, runIdText, ...flags] = process.argv.slice(2);
  const runId = Number(runIdText);
  if (!workspaceDir || !Number.isInteger(runId)) throw new Error('usage: train-process WORKSPACE RUN_ID [--resume]');
  // Cancel, SIGTERM or the parent going away stop the work at its next check (resumable).
  const { port, signal } = childCancellation<ToTrainer, FromTrainer>();

  const ws = Workspace.open(workspaceDir);
  try {
    const outcome = await trainRun(ws.db, runId, {
      workspaceDir: ws.dir,
      cacheDir: ws.cacheDir,
      resume: flags.includes('--resume'),
      signal: signal,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
      onEpoch: (metrics) => port.postMessage({ type: 'epoch', runId, metrics }),
    });
    if (outcome.status === 'cancelled' && !process.connected && process.send) {
      finishRun(ws.db, runId, 'interrupted', 'The process that started the run went away; resume it with facet train --resume.');
    }
    port.postMessage({ type: 'finished', finished: { runId, status: outcome.status, error: null }, dataWaitShare: outcome.dataWaitShare });
  } catch (error) {
    port.postMessage({ type: 'finished', finished: { runId, status: 'failed', error: toErrorPayload(error).message }, dataWaitShare: 0 });
    process.exitCode = 1;
  } finally {
    ws.close();
  }
}

await main();
// Worker threads or the wasm runtime may hold the event loop open; the run is over and its rows are
// committed, so leave once the last message has had time to reach the parent.
setTimeout(() => process.exit(), 200).unref();
