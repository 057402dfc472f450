// The health report behind health/get, health/check and health/setThresholds. What costs more than
// a read — measuring pictures nobody measured yet and comparing all pairs for near-duplicates and
// outliers — runs in the health job process (health-job.ts), so a large dataset never blocks the
// UI's or the server's event loop; the report then reads the results. The pairs are compared again
// only when what they were compared from changed (pairwise.ts).
//
// Each import and rescan starts the measuring when it has stored its images (measureInBackground):
// the import itself decodes each picture once, for its thumbnail, and takes no measures, so the
// checks add nothing to the import's own time (issues 21 and 22); they follow it, from the stored
// thumbnails. Meanwhile health/get answers at once with what was measured before and the progress.
import { FacetError, formatError } from '../../../../shared/errors.js';
import type { HealthProgress, HealthReport } from '../../../../shared/health.js';
import { getDataset } from '../../datasets/queries.js';
import type { CoreEvents } from '../../platform/events.js';
import type { JobSupervisor } from '../../platform/jobs/supervisor.js';
import type { Workspace } from '../../platform/workspace.js';
import type { healthJob } from './health-job.js';
import { hasPairwiseFacts, pairwiseFresh } from './pairwise.js';
import { healthReport } from './report.js';
import { unmeasured } from './store.js';

interface Running {
  done: Promise<void>;
  /** Whether the job measures pictures (long) or only compares pairs (short). */
  measuring: boolean;
  progress: HealthProgress | null;
}

export class HealthChecks {
  /** One health job per dataset; a second caller waits for it. */
  private readonly running = new Map<number, Running>();

  constructor(
    private readonly ws: Workspace,
    private readonly jobs: JobSupervisor,
    private readonly events?: CoreEvents,
  ) {}

  /**
   * The report; with `measure`, unmeasured pictures are measured first. Without it, while a job
   * measures pictures, the report of what is measured so far, at once, with the job's progress.
   */
  async report(datasetId: number, opts: { measure?: boolean } = {}): Promise<HealthReport> {
    const db = this.ws.db;
    getDataset(db, datasetId);
    const running = this.running.get(datasetId);
    // At once while a job measures pictures, or compares them again where an earlier comparison is
    // kept (new embeddings at 100,000 pictures: about a minute): what is known, and the progress. A
    // first comparison is waited for.
    if (!opts.measure && running && (running.measuring || hasPairwiseFacts(db, datasetId))) {
      const progress = running.progress ?? {
        datasetId,
        done: 0,
        total: running.measuring ? unmeasured(db, datasetId).length : 0,
        finished: false,
        phase: running.measuring ? ('measuring' as const) : ('comparing' as const),
      };
      return { ...healthReport(db, datasetId), measuring: progress };
    }
    // A job that was already running may have read the dataset before the change this call follows:
    // after waiting for it, look again (once).
    for (let attempt = 0; attempt < 2; attempt++) {
      const measure = (opts.measure ?? false) && unmeasured(db, datasetId).length > 0;
      if (!measure && pairwiseFresh(db, datasetId)) break;
      await this.runJob(datasetId, measure);
    }
    return healthReport(db, datasetId);
  }

  /**
   * Measures the dataset's new pictures in the health job without waiting for it (after an import or
   * a rescan); its progress goes out as `health/progress` events. A failure is said in the last event
   * and by the next health/check, which tries again.
   */
  measureInBackground(datasetId: number): void {
    // (Also after new embeddings: only the comparing is then to do.)
    const measure = unmeasured(this.ws.db, datasetId).length > 0;
    if (!measure && pairwiseFresh(this.ws.db, datasetId)) return;
    this.runJob(datasetId, measure).catch(() => {
      // Said in the job's last health/progress event (runJob); nobody awaits this one.
    });
  }

  /** Stops the dataset's health job, if one runs (before the dataset is deleted); what it saved stays. */
  async cancel(datasetId: number): Promise<void> {
    const running = this.running.get(datasetId);
    if (!running) return;
    await this.jobs.cancel(`health:${datasetId}`);
    await running.done.catch(() => {});
  }

  private runJob(datasetId: number, measure: boolean): Promise<void> {
    const running = this.running.get(datasetId);
    if (running) return running.done;
    const entry: Running = { done: Promise.resolve(), measuring: measure, progress: null };
    const say = (p: HealthProgress) => {
      entry.progress = p;
      this.events?.emit('health/progress', p);
    };
    entry.done = this.jobs
      .start<typeof healthJob>(
        'health',
        { datasetId, measure },
        { key: `health:${datasetId}`, label: 'health check', interruptedHint: 'Check again.', onEvent: (p) => say({ ...p, finished: false }) },
      )
      .done.then((outcome) => {
        // Gone before the last event, so a report asked on hearing it sees the job ended.
        this.forget(datasetId, entry);
        if (outcome.status !== 'completed') {
          const error = new FacetError('engine', `The health check did not finish: ${formatError(outcome.error)}`, {
            hint: 'Check again; if it keeps failing, run `facet health DATASET` in a terminal to see why.',
          });
          say({ datasetId, done: entry.progress?.done ?? 0, total: entry.progress?.total ?? 0, finished: true, error: error.message });
          throw error;
        }
        say({ datasetId, done: outcome.result.measured + outcome.result.failed, total: outcome.result.measured + outcome.result.failed, finished: true });
      })
      .finally(() => this.forget(datasetId, entry));
    this.running.set(datasetId, entry);
    return entry.done;
  }

  private forget(datasetId: number, entry: Running): void {
    if (this.running.get(datasetId) === entry) this.running.delete(datasetId);
  }
}
