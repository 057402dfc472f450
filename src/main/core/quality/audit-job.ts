// The work of an audit inside the job process (registered in core/job-kinds.ts): one audit per
// process, like a training run.
import type { AuditProgress } from '../../../shared/quality.js';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { runAudit } from './audit.js';
import { finishAudit } from './audit-store.js';

export interface AuditArgs {
  auditId: number;
}
export interface AuditResult {
  status: 'completed' | 'cancelled' | 'interrupted';
}

export const auditJob = defineJob('audit', async (args: AuditArgs, ctx: JobContext<AuditProgress>): Promise<AuditResult> => {
  const ws = ctx.workspace;
  const outcome = await runAudit(ws.db, args.auditId, {
    cacheDir: ws.cacheDir,
    signal: ctx.signal,
    onProgress: (progress) => ctx.emit(progress),
  });
  if (outcome.status === 'cancelled' && ctx.parentGone()) {
    finishAudit(ws.db, args.auditId, 'interrupted', 'The process that started the audit went away; resume it to finish the remaining folds.');
    return { status: 'interrupted' };
  }
  return { status: outcome.status };
});
