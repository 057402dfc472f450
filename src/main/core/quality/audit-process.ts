// Entry point of the audit process (child_process.fork under the CLI and the server, Electron's
// utilityProcess under the app): one audit per process, like a training run, so tfjs never runs on
// a UI or server event loop and killing the process frees everything.
import { toErrorPayload } from '../../../shared/errors.js';
import { childCancellation } from '../platform/jobs/child-process.js';
import type { AuditFinished, AuditProgress } from '../../../shared/quality.js';
import { Workspace } from '../platform/workspace.js';
import { runAudit } from './audit.js';
import { finishAudit } from './audit-store.js';

export type ToAuditor = { type: 'cancel' };
export type FromAuditor = { type: 'progress'; progress: AuditProgress } | { type: 'finished'; finished: AuditFinished };


async function main(): Promise<void> {
  const [workspaceDir, auditIdText] = process.argv.slice(2);
  const auditId = Number(auditIdText);
  if (!workspaceDir || !Number.isInteger(auditId)) throw new Error('usage: audit-process WORKSPACE AUDIT_ID');
  // Cancel, SIGTERM or the parent going away stop the work at its next check (resumable).
  const { port, signal } = childCancellation<ToAuditor, FromAuditor>();

  const ws = Workspace.open(workspaceDir);
  try {
    const outcome = await runAudit(ws.db, auditId, {
      cacheDir: ws.cacheDir,
      signal: signal,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
    });
    if (outcome.status === 'cancelled' && !process.connected && process.send) {
      finishAudit(ws.db, auditId, 'interrupted', 'The process that started the audit went away; start a new audit.');
    }
    port.postMessage({ type: 'finished', finished: { auditId, status: outcome.status, error: null } });
  } catch (error) {
    port.postMessage({ type: 'finished', finished: { auditId, status: 'failed', error: toErrorPayload(error).message } });
    process.exitCode = 1;
  } finally {
    ws.close();
  }
}

await main();
// Worker threads or the wasm runtime may hold the event loop open; the audit's rows are committed.
setTimeout(() => process.exit(), 200).unref();
