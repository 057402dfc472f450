// `facet audit` end to end through the forked audit process (uses the built dist/: npm test builds
// first): the --json fields scripts rely on, progress on stderr, --last, and the readable report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAuditCommands } from '../../../src/main/cli/audit-commands.js';
import type { Core } from '../../../src/main/core/index.js';
import { toyCore } from '../core/training/helpers.js';
import { runCli } from './harness.js';

let ctx: { core: Core; datasetId: number };
beforeAll(async () => {
  ctx = await toyCore(16, 32);
}, 120_000);
afterAll(async () => ctx.core.close());

/** The audit command alone on a fresh program, over the test's core (program.ts wires the same function). */
const facetAudit = (...argv: string[]) => runCli(() => ctx.core, [registerAuditCommands], argv, { throwErrors: true });

describe('facet audit', () => {
  it('trains the fold models in a child process and prints the ranked findings as JSON', async () => {
    const r = await facetAudit('--json', 'audit', String(ctx.datasetId), '--folds', '2', '--epochs', '2', '--image-size', '32', '--threads', '1');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown> & { suspects: { path: string; label: string; suggested: string; score: number }[] };
    expect(json.auditId).toEqual(expect.any(Number));
    expect(json.status).toBe('completed');
    expect(json.folds).toBe(2);
    expect(Array.isArray(json.suspects)).toBe(true);
    expect(Array.isArray(json.duplicates)).toBe(true);
    expect(Array.isArray(json.leaks)).toBe(true);
    for (const s of json.suspects) expect(Object.keys(s)).toEqual(expect.arrayContaining(['path', 'label', 'suggested', 'score']));
    const scores = json.suspects.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(json.accuracy).toEqual(expect.any(Number));
    // Progress went to stderr, one line per epoch of each fold.
    expect(r.stderr).toMatch(/fold 1\/2 {2}epoch 2\/2/);
    expect(r.stderr).toMatch(/fold 2\/2/);
    const stored = ctx.core.workspace.db.prepare('SELECT COUNT(*) AS n FROM audit_predictions WHERE audit_id = ? AND probabilities IS NOT NULL').get(json.auditId) as { n: number };
    expect(stored.n).toBe(32);
  }, 240_000);

  it('shows the latest audit again with --last, readable by default', async () => {
    const r = await facetAudit('audit', String(ctx.datasetId), '--last');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Audit \d+ completed · 32 images · 2 folds/);
    expect(r.stdout).toMatch(/Near-duplicates across splits/);
    expect(r.stdout).toMatch(/Classes: bright 16 · dark 16/);
  });

  it('resumes a cancelled audit with --resume (no dataset needed) and refuses to resume a completed one', async () => {
    const audit = await ctx.core.call('audit/start', { datasetId: ctx.datasetId, settings: { folds: 2, epochs: 1, imageSize: 32, threads: 1 } });
    await ctx.core.call('audit/cancel', { auditId: audit.id });
    const shown = await facetAudit('audit', String(ctx.datasetId), '--last');
    expect(shown.stdout).toMatch(new RegExp(`^Audit ${audit.id} cancelled`));
    expect(shown.stdout).toContain(`facet audit --resume ${audit.id}`);

    const r = await facetAudit('--json', 'audit', '--resume', String(audit.id));
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { auditId: number; status: string; images: number; predicted: number };
    expect(json).toMatchObject({ auditId: audit.id, status: 'completed', images: 32, predicted: 32 });
    expect(r.stderr).toMatch(new RegExp(`Resuming audit ${audit.id}`));

    await expect(facetAudit('audit', '--resume', String(audit.id))).rejects.toMatchObject({ code: 'invalid-argument', field: 'auditId' });
    await expect(facetAudit('audit', '--resume', 'x')).rejects.toMatchObject({ field: '--resume' });
    await expect(facetAudit('audit')).rejects.toMatchObject({ field: 'dataset' });
  }, 240_000);
});
