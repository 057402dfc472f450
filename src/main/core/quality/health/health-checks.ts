// The health report behind health/get, health/check and health/setThresholds. What costs more than
// a read — measuring pictures nobody measured yet (imported before the checks existed) and comparing
// all pairs for near-duplicates and outliers — runs in the health job process (health-job.ts), so a
// large dataset never blocks the UI's or the server's event loop; the report then reads the results.
// The pairs are compared again only when what they were compared from changed (pairwise.ts).
import { FacetError, formatError } from '../../../../shared/errors.js';
import type { HealthReport } from '../../../../shared/health.js';
import { getDataset } from '../../datasets/queries.js';
import type { JobSupervisor } from '../../platform/jobs/supervisor.js';
import type { Workspace } from '../../platform/workspace.js';
import type { healthJob } from './health-job.js';
import { pairwiseFresh } from './pairwise.js';
import { healthReport } from './report.js';
import { unmeasured } from './store.js';

export class HealthChecks {
  /** One health job per dataset; a second caller waits for it. */
  private readonly running = new Map<number, Promise<void>>();

  constructor(
    private readonly ws: Workspace,
    private readonly jobs: JobSupervisor,
  ) {}

  /** The report; with `measure`, unmeasured pictures are measured first. */
  async report(datasetId: number, opts: { measure?: boolean } = {}): Promise<HealthReport> {
    const db = this.ws.db;
    getDataset(db, datasetId);
    // A job that was already running may have read the dataset before the change this call follows:
    // after waiting for it, look again (once).
    for (let attempt = 0; attempt < 2; attempt++) {
      const measure = (opts.measure ?? false) && unmeasured(db, datasetId).length > 0;
      if (!measure && pairwiseFresh(db, datasetId)) break;
      await this.runJob(datasetId, measure);
    }
    return healthReport(db, datasetId);
  }

  private runJob(datasetId: number, measure: boolean): Promise<void> {
    const running = this.running.get(datasetId);
    if (running) return running;
    const done = this.jobs
      .start<typeof healthJob>('health', { datasetId, measure }, { key: `health:${datasetId}`, label: 'health check', interruptedHint: 'Check again.' })
      .done.then((outcome) => {
        if (outcome.status !== 'completed') throw new FacetError('engine', `The health check did not finish: ${formatError(outcome.error)}`, { hint: 'Check again; if it keeps failing, run `facet health DATASET` in a terminal to see why.' });
      })
      .finally(() => this.running.delete(datasetId));
    this.running.set(datasetId, done);
    return done;
  }
}
