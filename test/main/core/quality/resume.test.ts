// Resuming an audit whose process was killed mid-way (uses the built dist/ audit process: npm test
// builds first): the folds it had predicted are kept as they were, the others are trained, and the
// result is the one an uninterrupted audit with the same settings gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditFinished, AuditProgress } from '../../../../src/shared/quality.js';
import type { Core } from '../../../../src/main/core/index.js';
import { toyCore } from '../training/helpers.js';

let ctx: { core: Core; datasetId: number };
beforeAll(async () => {
  ctx = await toyCore(12, 32);
}, 120_000);
afterAll(async () => ctx.core.close());

const settings = { folds: 3, epochs: 2, imageSize: 32, threads: 1, seed: 5 };

function stored(auditId: number): Map<number, string | null> {
  const rows = ctx.core.workspace.db.prepare('SELECT image_id, probabilities FROM audit_predictions WHERE audit_id = ? ORDER BY image_id').all(auditId) as {
    image_id: number;
    probabilities: string | null;
  }[];
  return new Map(rows.map((r) => [r.image_id, r.probabilities]));
}

/** The (0-based) folds all of whose held-out images had probabilities in `snapshot`. */
function foldsDone(auditId: number, snapshot: Map<number, string | null>): Set<number> {
  const rows = ctx.core.workspace.db.prepare('SELECT image_id, fold FROM audit_predictions WHERE audit_id = ?').all(auditId) as { image_id: number; fold: number }[];
  const done = new Set(rows.map((r) => r.fold));
  for (const r of rows) if (snapshot.get(r.image_id) == null) done.delete(r.fold);
  return done;
}

async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('audit/resume', () => {
  it('keeps the folds predicted before the process was killed and finishes the rest, as one uninterrupted audit would', async () => {
    const progress: AuditProgress[] = [];
    const finished: AuditFinished[] = [];
    const offs = [ctx.core.events.on('audit/progress', (p) => progress.push(p)), ctx.core.events.on('audit/finished', (f) => finished.push(f))];
    try {
      const audit = await ctx.core.call('audit/start', { datasetId: ctx.datasetId, settings });
      // Kill it once the first fold's predictions are stored and the second fold is training.
      await until('fold 2', () => progress.some((p) => p.auditId === audit.id && p.phase === 'training' && p.fold === 2));
      const pid = (ctx.core.workspace.db.prepare('SELECT pid FROM audits WHERE id = ?').get(audit.id) as { pid: number }).pid;
      process.kill(pid, 'SIGKILL');
      await until('the interrupted event', () => finished.some((f) => f.auditId === audit.id));
      expect(finished.at(-1)).toMatchObject({ auditId: audit.id, status: 'interrupted' });
      const interrupted = await ctx.core.call('audit/get', { auditId: audit.id });
      expect(interrupted.status).toBe('interrupted');
      expect(interrupted.error).toMatch(/resume/);

      const before = stored(audit.id);
      const firstFold = [...before].filter(([, p]) => p !== null);
      expect(firstFold.length).toBeGreaterThan(0);
      expect(firstFold.length).toBeLessThan(before.size);

      // An interrupted audit can be resumed once; not while it runs, and not once it has completed.
      const resumed = await ctx.core.call('audit/resume', { auditId: audit.id });
      expect(resumed.status).toMatch(/queued|running/);
      await expect(ctx.core.call('audit/resume', { auditId: audit.id })).rejects.toMatchObject({ code: 'conflict' });
      const done = await ctx.core.audits.wait(audit.id);
      expect(done.status).toBe('completed');
      // The folds whose predictions were stored before the kill (fold 1, and fold 2 too when it finished
      // before the signal landed) were not retrained; every other fold was.
      const doneFolds = foldsDone(audit.id, before);
      expect(doneFolds.has(0)).toBe(true);
      const afterResume = progress.slice(progress.findLastIndex((p) => p.auditId === audit.id && p.phase === 'preparing'));
      for (let fold = 0; fold < settings.folds; fold++) {
        expect(afterResume.some((p) => p.phase === 'training' && p.fold === fold + 1)).toBe(!doneFolds.has(fold));
      }

      const after = stored(audit.id);
      for (const [imageId, p] of firstFold) expect(after.get(imageId)).toBe(p);
      expect([...after.values()].every((p) => p !== null)).toBe(true);
      await expect(ctx.core.call('audit/resume', { auditId: audit.id })).rejects.toMatchObject({ code: 'invalid-argument', field: 'auditId' });

      // The same audit in one go gives the same predictions (every fold model is seeded).
      const whole = await ctx.core.call('audit/start', { datasetId: ctx.datasetId, settings });
      expect((await ctx.core.audits.wait(whole.id)).status).toBe('completed');
      const reference = stored(whole.id);
      expect([...reference.keys()]).toEqual([...after.keys()]);
      for (const [imageId, p] of reference) {
        const a = JSON.parse(after.get(imageId)!) as number[];
        const b = JSON.parse(p!) as number[];
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4);
      }
      const [r1, r2] = await Promise.all([ctx.core.call('audit/get', { auditId: audit.id }), ctx.core.call('audit/get', { auditId: whole.id })]);
      expect(r1.suspects.map((s) => s.imageId)).toEqual(r2.suspects.map((s) => s.imageId));
    } finally {
      for (const off of offs) off();
    }
  }, 300_000);
});
