// Cancelling an audit (uses the built dist/ audit process: npm test builds first): the process stops
// after its current batch, the audit ends "cancelled" with no findings, labels are untouched, and the
// dataset can be audited again at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditFinished, AuditProgress } from '../../../../src/shared/quality.js';
import type { Core } from '../../../../src/main/core/index.js';
import { toyCore } from '../training/helpers.js';

let ctx: { core: Core; datasetId: number };
beforeAll(async () => {
  ctx = await toyCore(12, 32);
}, 120_000);
afterAll(async () => ctx.core.close());

function labels(): string {
  const db = ctx.core.workspace.db;
  return JSON.stringify([db.prepare('SELECT id, class_id FROM images ORDER BY id').all(), db.prepare('SELECT * FROM label_history ORDER BY id').all()]);
}

describe('audit/cancel', () => {
  it('stops a running audit after its current batch: cancelled, no findings, labels untouched, a new audit can start', async () => {
    const before = labels();
    const progress: AuditProgress[] = [];
    const finished: AuditFinished[] = [];
    const offProgress = ctx.core.events.on('audit/progress', (p) => progress.push(p));
    const offFinished = ctx.core.events.on('audit/finished', (f) => finished.push(f));
    try {
      const audit = await ctx.core.call('audit/start', { datasetId: ctx.datasetId, settings: { folds: 3, epochs: 50, imageSize: 32, threads: 1 } });
      expect(audit.status).toMatch(/queued|running/);
      // Cancel once the fold models are training, so there is a batch in flight to stop after.
      const deadline = Date.now() + 60_000;
      while (!progress.some((p) => p.phase === 'training' && p.batch > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(progress.some((p) => p.phase === 'training')).toBe(true);

      const cancelled = await ctx.core.call('audit/cancel', { auditId: audit.id });
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.finishedAt).not.toBeNull();
      expect(finished).toEqual([expect.objectContaining({ auditId: audit.id, status: 'cancelled' })]);
      // It stopped early: far from the 3 folds × 50 epochs it was asked for.
      const last = progress.filter((p) => p.auditId === audit.id).at(-1)!;
      expect(last.fold * 50 + last.epoch).toBeLessThan(3 * 50);

      const report = await ctx.core.call('audit/get', { auditId: audit.id });
      expect(report.status).toBe('cancelled');
      expect(report.suspects).toEqual([]);
      expect(labels()).toBe(before);
      // Cancelling again is harmless and answers the same audit.
      expect((await ctx.core.call('audit/cancel', { auditId: audit.id })).status).toBe('cancelled');

      const next = await ctx.core.call('audit/start', { datasetId: ctx.datasetId, settings: { folds: 2, epochs: 1, imageSize: 32, threads: 1 } });
      const done = await ctx.core.audits.wait(next.id);
      expect(done.status).toBe('completed');
    } finally {
      offProgress();
      offFinished();
    }
  }, 240_000);
});
