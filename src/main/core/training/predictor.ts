// `runs/predict` in its own process (predict-process.ts): loading a model and the face nets, then
// decoding and analysing photos, takes seconds of CPU that must not freeze the window or the server.
import { FacetError, type ErrorPayload } from '../../../shared/errors.js';
import type { PredictOutcome } from '../../../shared/runs.js';
import { builtSibling } from '../platform/files/built-file.js';
import { forkLauncher, type ChildHandle, type ProcessLauncher } from '../platform/jobs/child-process.js';
import type { Workspace } from '../platform/workspace.js';
import type { FromPredictor, ToPredictor } from './predict-process.js';
import { getRun } from './run-store.js';

export type PredictorChild = ChildHandle<ToPredictor, FromPredictor>;

export class Predictor {
  private readonly children = new Set<PredictorChild>();

  constructor(
    private readonly ws: Workspace,
    private readonly launcher: ProcessLauncher = forkLauncher,
  ) {}

  predict(runId: number, paths: string[]): Promise<PredictOutcome> {
    getRun(this.ws.db, runId); // an unknown run fails here, before a process starts
    const child: PredictorChild = this.launcher(builtSibling(import.meta.url, './predict-process.js'), [this.ws.dir]);
    this.children.add(child);
    return new Promise<PredictOutcome>((resolve, reject) => {
      let answer: { outcome: PredictOutcome } | { error: ErrorPayload } | null = null;
      child.onMessage((m) => {
        answer = m.type === 'result' ? { outcome: m.outcome } : { error: m.error };
      });
      child.onExit((code) => {
        this.children.delete(child);
        const a = answer as { outcome: PredictOutcome } | { error: ErrorPayload } | null;
        if (a && 'outcome' in a) return resolve(a.outcome);
        const e = a?.error;
        reject(
          new FacetError(e?.code ?? 'internal', e?.message ?? `The prediction process exited unexpectedly (code ${code ?? 'signal'}).`, {
            ...(e?.field !== undefined ? { field: e.field } : {}),
            ...(e?.file !== undefined ? { file: e.file } : {}),
            ...(e?.hint !== undefined ? { hint: e.hint } : { hint: 'Try again; if it keeps failing, run `facet predict RUN IMAGE` in a terminal to see why.' }),
          }),
        );
      });
      child.send({ type: 'predict', runId, paths });
    });
  }

  /** Closing the workspace stops predictions in flight. */
  stopAll(): void {
    for (const child of this.children) child.kill();
  }
}
