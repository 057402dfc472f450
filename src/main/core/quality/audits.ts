// Starting, cancelling and awaiting audits. Each audit works in its own job process (audit-job.ts,
// started by the job supervisor); this side writes the audit row with the labels and folds it covers,
// relays the job's events and records how the process ended — the same shape as the runs service.
import { FacetError, formatError } from '../../../shared/errors.js';
import { minImageSize } from '../../../shared/hyperparameters.js';
import { AuditSettingsSchema, type Audit, type AuditFinished, type AuditSettingsInput } from '../../../shared/quality.js';
import type { CoreEvents } from '../platform/events.js';
import type { JobOutcome, JobSupervisor } from '../platform/jobs/supervisor.js';
import type { Workspace } from '../platform/workspace.js';
import type { AuditResult, auditJob } from './audit-job.js';
import { createAudit, finishAudit, getAudit, markInterruptedAudits, reopenAudit } from './audit-store.js';

const jobKey = (auditId: number) => `audit:${auditId}`;

export class Audits {
  /** Audits this process started, until their process has exited and its end is recorded. */
  private readonly active = new Map<number, Promise<AuditFinished>>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly jobs: JobSupervisor,
  ) {
    markInterruptedAudits(ws.db);
  }

  start(args: { datasetId: number; settings?: AuditSettingsInput }): Audit {
    const parsed = AuditSettingsSchema.safeParse(args.settings ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FacetError('invalid-argument', `Invalid audit setting ${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
    }
    const settings = parsed.data;
    const min = minImageSize(settings.filters.length);
    if (settings.imageSize < min) {
      throw new FacetError('invalid-argument', `Image size ${settings.imageSize} is too small for ${settings.filters.length} conv blocks: use at least ${min}.`, { field: 'imageSize' });
    }
    const busy = [...this.active.keys()].map((id) => getAudit(this.ws.db, id)).find((a) => a.datasetId === args.datasetId);
    if (busy) throw new FacetError('conflict', `Audit ${busy.id} of this dataset is still running.`, { field: 'datasetId', hint: 'Wait for it or cancel it first.' });
    const auditId = createAudit(this.ws.db, args.datasetId, settings);
    this.launch(auditId);
    return getAudit(this.ws.db, auditId);
  }

  /**
   * Continues an interrupted (or cancelled) audit in a new process: folds whose predictions are stored
   * are kept, the others are trained again, with the labels and folds the audit started with.
   */
  resume(auditId: number): Audit {
    const audit = getAudit(this.ws.db, auditId);
    if (this.active.has(auditId) || audit.status === 'queued' || audit.status === 'running') {
      throw new FacetError('conflict', `Audit ${auditId} is still running.`, { field: 'auditId', hint: 'Wait for it, or cancel it and resume it later.' });
    }
    if (audit.status !== 'interrupted' && audit.status !== 'cancelled') {
      throw new FacetError('invalid-argument', `Audit ${auditId} is ${audit.status}; only an interrupted or cancelled audit can be resumed.`, {
        field: 'auditId',
        hint: 'Start a new audit to look at the current labels.',
      });
    }
    const busy = [...this.active.keys()].map((id) => getAudit(this.ws.db, id)).find((a) => a.datasetId === audit.datasetId);
    if (busy) throw new FacetError('conflict', `Audit ${busy.id} of this dataset is still running.`, { field: 'auditId', hint: 'Wait for it or cancel it first.' });
    reopenAudit(this.ws.db, auditId);
    this.launch(auditId);
    return getAudit(this.ws.db, auditId);
  }

  private launch(auditId: number): void {
    const job = this.jobs.start<typeof auditJob>('audit', { auditId }, {
      key: jobKey(auditId),
      label: 'audit',
      interruptedHint: `Finish the remaining folds with facet audit --resume ${auditId}.`,
      onEvent: (progress) => this.events.emit('audit/progress', progress),
    });
    if (job.pid) this.ws.db.prepare('UPDATE audits SET pid = ? WHERE id = ?').run(job.pid, auditId);
    this.active.set(
      auditId,
      job.done.then((outcome) => {
        const finished = this.record(auditId, outcome);
        this.active.delete(auditId);
        this.events.emit('audit/finished', finished);
        return finished;
      }),
    );
  }

  /** The audit row after its process exited: an audit must never stay "running" once its process is gone. */
  private record(auditId: number, outcome: JobOutcome<AuditResult>): AuditFinished {
    if (outcome.status === 'completed') return { auditId, status: outcome.result.status, error: null };
    const audit = getAudit(this.ws.db, auditId);
    const unfinished = audit.status === 'running' || audit.status === 'queued';
    const status = outcome.status === 'failed' ? 'failed' : 'interrupted';
    if (unfinished) finishAudit(this.ws.db, auditId, status, formatError(outcome.error));
    if (outcome.status === 'interrupted' && !unfinished) return { auditId, status: audit.status, error: audit.error };
    return { auditId, status, error: outcome.error.message, failure: outcome.error };
  }

  /** Asks the process to stop after the current batch; kills it if it has not within the grace period. */
  async cancel(auditId: number): Promise<Audit> {
    const active = this.active.get(auditId);
    if (!active) {
      const audit = getAudit(this.ws.db, auditId);
      if (audit.status === 'queued' || audit.status === 'running') {
        throw new FacetError('conflict', `Audit ${auditId} is running in another process.`, { field: 'auditId', hint: 'Cancel it from the window or terminal that started it.' });
      }
      return audit;
    }
    await this.jobs.cancel(jobKey(auditId));
    await active;
    const audit = getAudit(this.ws.db, auditId);
    if (audit.status === 'running' || audit.status === 'interrupted') finishAudit(this.ws.db, auditId, 'cancelled');
    return getAudit(this.ws.db, auditId);
  }

  async wait(auditId: number): Promise<AuditFinished> {
    const active = this.active.get(auditId);
    if (active) return active;
    const audit = getAudit(this.ws.db, auditId);
    return { auditId, status: audit.status, error: audit.error };
  }

  isActive(auditId: number): boolean {
    return this.active.has(auditId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((id) => this.cancel(id)));
  }
}
