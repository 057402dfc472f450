// `health/check`: the pictures nobody measured yet (an import measures its own as it reads them) are
// measured in a job process, so a large older dataset never blocks the UI's or server's event loop;
// then the report under the dataset's thresholds.
import { FacetError, formatError } from '../../../../shared/errors.js';
import type { HealthReport } from '../../../../shared/health.js';
import type { JobSupervisor } from '../../platform/jobs/supervisor.js';
import type { Workspace } from '../../platform/workspace.js';
import type { healthJob } from './health-job.js';
import { healthReport } from './report.js';
import { unmeasured } from './store.js';

export async function checkHealth(ws: Workspace, jobs: JobSupervisor, datasetId: number): Promise<HealthReport> {
  if (unmeasured(ws.db, datasetId).length > 0) {
    const outcome = await jobs.start<typeof healthJob>('health', { datasetId }, { key: `health:${datasetId}`, label: 'health check', interruptedHint: 'Check again.' }).done;
    if (outcome.status !== 'completed') throw new FacetError('engine', `The health check did not finish: ${formatError(outcome.error)}`, { hint: 'Check again; if it keeps failing, run `facet health DATASET` in a terminal to see why.' });
  }
  return healthReport(ws.db, datasetId);
}
