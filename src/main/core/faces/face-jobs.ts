// Face analysis passes of datasets, each in its own process (like training runs): this side starts
// the process, relays its progress as 'faces/progress' events and resolves with the summary.
import { FacetError, type ErrorPayload } from '../../../shared/errors.js';
import type { FaceDetectorName, FacesSummary } from '../../../shared/faces.js';
import type { CoreEvents } from '../platform/events.js';
import { getDataset } from '../datasets/queries.js';
import { builtSibling } from '../platform/files/built-file.js';
import { forkLauncher, type ChildHandle, type ProcessLauncher } from '../platform/jobs/child-process.js';
import type { Workspace } from '../platform/workspace.js';
import type { FromFaces, ToFaces } from './faces-process.js';

/** A child process that speaks the faces-process messages (fork, or Electron's utilityProcess). */
export type FacesChild = ChildHandle<ToFaces, FromFaces>;
export type FacesLauncher = ProcessLauncher;

export interface AnalyseRequest {
  datasetId: number;
  detector?: FaceDetectorName;
  minScore?: number;
  redo?: boolean;
}

const CANCEL_GRACE_MS = 10_000;

export class FaceJobs {
  private readonly active = new Map<number, { child: FacesChild; done: Promise<FacesSummary> }>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly launcher: FacesLauncher = forkLauncher,
  ) {}

  /** Starts a pass (or joins the one running for this dataset) and resolves when it ends. */
  analyse(req: AnalyseRequest): Promise<FacesSummary> {
    const running = this.active.get(req.datasetId);
    if (running) return running.done;
    getDataset(this.ws.db, req.datasetId);
    const entry = builtSibling(import.meta.url, './faces-process.js');
    const args = [this.ws.dir, String(req.datasetId)];
    if (req.detector) args.push('--detector', req.detector);
    if (req.minScore !== undefined) args.push('--min-score', String(req.minScore));
    if (req.redo) args.push('--redo');
    const child = this.launcher(entry, args);
    const done = new Promise<FacesSummary>((resolve, reject) => {
      let outcome: { summary: FacesSummary } | { error: ErrorPayload } | null = null;
      child.onMessage((m) => {
        if (m.type === 'progress') this.events.emit('faces/progress', m.progress);
        else if (m.type === 'finished') outcome = { summary: m.summary };
        else outcome = { error: m.error };
      });
      child.onExit((code) => {
        this.active.delete(req.datasetId);
        const o = outcome as { summary: FacesSummary } | { error: ErrorPayload } | null;
        if (o && 'summary' in o) {
          this.events.emit('faces/finished', o.summary);
          resolve(o.summary);
          return;
        }
        const e = o?.error;
        reject(
          new FacetError(e?.code ?? 'internal', e?.message ?? `The face analysis process exited unexpectedly (code ${code ?? 'signal'}).`, {
            ...(e?.file ? { file: e.file } : {}),
            hint: e?.hint ?? 'Start the analysis again: images already analysed are skipped.',
          }),
        );
      });
    });
    done.catch(() => {}); // the caller gets the rejection; this only keeps it from being unhandled
    this.active.set(req.datasetId, { child, done });
    return done;
  }

  /** Stops a pass after the current image; what was analysed stays. */
  async cancel(datasetId: number): Promise<{ cancelled: boolean }> {
    const active = this.active.get(datasetId);
    if (!active) return { cancelled: false };
    active.child.send({ type: 'cancel' });
    const timer = setTimeout(() => active.child.kill(), CANCEL_GRACE_MS);
    await active.done.catch(() => {});
    clearTimeout(timer);
    return { cancelled: true };
  }

  isActive(datasetId: number): boolean {
    return this.active.has(datasetId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((id) => this.cancel(id)));
  }
}
