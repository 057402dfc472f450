// Face analysis passes of datasets, each in its own job process (faces-job.ts, started by the job
// supervisor): this side relays its progress as 'faces/progress' events and resolves with the summary.
import type { FaceDetectorName, FacesSummary } from '../../../shared/faces.js';
import type { CoreEvents } from '../platform/events.js';
import { getDataset } from '../datasets/queries.js';
import { jobFailure, type JobSupervisor } from '../platform/jobs/supervisor.js';
import type { Workspace } from '../platform/workspace.js';
import type { facesJob } from './faces-job.js';

export interface AnalyseRequest {
  datasetId: number;
  detector?: FaceDetectorName;
  minScore?: number;
  redo?: boolean;
}

const jobKey = (datasetId: number) => `faces:${datasetId}`;
const AGAIN = 'Start the analysis again: images already analysed are skipped.';

export class FaceJobs {
  private readonly active = new Map<number, Promise<FacesSummary>>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly jobs: JobSupervisor,
  ) {}

  /** Starts a pass (or joins the one running for this dataset) and resolves when it ends. */
  analyse(req: AnalyseRequest): Promise<FacesSummary> {
    const running = this.active.get(req.datasetId);
    if (running) return running;
    getDataset(this.ws.db, req.datasetId);
    const job = this.jobs.start<typeof facesJob>('faces', req, {
      key: jobKey(req.datasetId),
      label: 'face analysis',
      interruptedHint: AGAIN,
      onEvent: (progress) => this.events.emit('faces/progress', progress),
    });
    const done = job.done.then((outcome) => {
      this.active.delete(req.datasetId);
      if (outcome.status === 'completed') {
        this.events.emit('faces/finished', outcome.result);
        return outcome.result;
      }
      throw jobFailure(outcome.error, AGAIN);
    });
    done.catch(() => {}); // the caller gets the rejection; this only keeps it from being unhandled
    this.active.set(req.datasetId, done);
    return done;
  }

  /** Stops a pass after the current image; what was analysed stays. */
  async cancel(datasetId: number): Promise<{ cancelled: boolean }> {
    const active = this.active.get(datasetId);
    if (!active) return { cancelled: false };
    await this.jobs.cancel(jobKey(datasetId));
    await active.catch(() => {});
    return { cancelled: true };
  }

  isActive(datasetId: number): boolean {
    return this.active.has(datasetId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((id) => this.cancel(id)));
  }
}

