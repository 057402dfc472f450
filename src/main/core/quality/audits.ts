// Starting, cancelling and awaiting audits. Each audit works in its own process (audit-process.ts);
// this side writes the audit row with the labels and folds it covers, launches the process and
// relays its events — the same shape as the training runs service.
import { FacetError } from '../../../shared/errors.js';
import { minImageSize } from '../../../shared/hyperparameters.js';
import { AuditSettingsSchema, type Audit, type AuditFinished, type AuditSettingsInput } from '../../../shared/quality.js';
import type { CoreEvents } from '../platform/events.js';
import { builtSibling } from '../platform/files/built-file.js';
import { forkLauncher, type ChildHandle, type ProcessLauncher } from '../platform/jobs/child-process.js';
import type { Workspace } from '../platform/workspace.js';
import type { FromAuditor, ToAuditor } from './audit-process.js';
import { createAudit, finishAudit, getAudit, markInterruptedAudits, reopenAudit } from './audit-store.js';
import { issueSentence } from '../../../shared/user-words.js';

/** What the audits service needs of an audit process; Electron passes a utilityProcess-backed one. */
export type AuditorChild = ChildHandle<ToAuditor, FromAuditor>;
export type AuditorLauncher = ProcessLauncher;

const CANCEL_GRACE_MS = 15_000;

interface Active {
  child: AuditorChild;
  done: Promise<AuditFinished>;
}

export class Audits {
  private readonly active = new Map<number, Active>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly launcher: AuditorLauncher = forkLauncher,
  ) {
    markInterruptedAudits(ws.db);
  }

  start(args: { datasetId: number; settings?: AuditSettingsInput }): Audit {
    const parsed = AuditSettingsSchema.safeParse(args.settings ?? {});
    if (!parsed.success) {
      const { message, field } = issueSentence(parsed.error.issues[0]!);
      throw new FacetError('invalid-argument', message, { field });
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
    const entry = builtSibling(import.meta.url, './audit-process.js');
    const child = this.launcher(entry, [this.ws.dir, String(auditId)]);
    if (child.pid) this.ws.db.prepare('UPDATE audits SET pid = ? WHERE id = ?').run(child.pid, auditId);
    let finished: AuditFinished | null = null;
    const done = new Promise<AuditFinished>((resolve) => {
      child.onMessage((m) => {
        if (m.type === 'progress') this.events.emit('audit/progress', m.progress);
        else if (m.type === 'finished') finished = m.finished;
      });
      child.onExit((code) => {
        this.active.delete(auditId);
        let result = finished;
        if (!result) {
          // Died without reporting (killed, out of memory): the audit must not stay "running".
          const audit = getAudit(this.ws.db, auditId);
          const error = `The audit process exited unexpectedly (code ${code ?? 'signal'}); resume it to finish the remaining folds.`;
          if (audit.status === 'running' || audit.status === 'queued') {
            finishAudit(this.ws.db, auditId, 'interrupted', error);
            result = { auditId, status: 'interrupted', error };
          } else {
            result = { auditId, status: audit.status, error: audit.error };
          }
        }
        this.events.emit('audit/finished', result);
        resolve(result);
      });
    });
    this.active.set(auditId, { child, done });
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
    active.child.send({ type: 'cancel' });
    const timer = setTimeout(() => active.child.kill(), CANCEL_GRACE_MS);
    await active.done;
    clearTimeout(timer);
    const audit = getAudit(this.ws.db, auditId);
    if (audit.status === 'running' || audit.status === 'interrupted') finishAudit(this.ws.db, auditId, 'cancelled');
    return getAudit(this.ws.db, auditId);
  }

  async wait(auditId: number): Promise<AuditFinished> {
    const active = this.active.get(auditId);
    if (active) return active.done;
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
