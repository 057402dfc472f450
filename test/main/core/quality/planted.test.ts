// Measured on the demo set's planted wrong labels (the generator's manifest lists them): the audit
// must rank at least 80% of them among its top 2×k suspects (k = number planted). A small demo and
// fewer folds keep this near a minute and a half on a busy 2-core machine; `npm run bench:audit`
// measures the default demo set with the default settings.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../../../src/main/core/index.js';
import { generateDemo } from '../../../../src/main/core/demo/generate.js';
import { createAudit } from '../../../../src/main/core/quality/audit-store.js';
import { runAudit } from '../../../../src/main/core/quality/audit.js';
import { scoreAtN } from '../../../../src/main/core/quality/measure.js';
import { auditReport } from '../../../../src/main/core/quality/report.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';
import { AuditSettingsSchema, type AuditProgress } from '../../../../src/shared/quality.js';
import { tempDir } from '../training/helpers.js';

let dir: string;
let core: Core;
beforeAll(() => {
  dir = tempDir('facet-planted-');
  core = new Core(Workspace.open(path.join(dir, 'ws')));
});
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('audit on the demo set', () => {
  it('ranks at least 80% of the planted wrong labels among the top 2×k suspects', async () => {
    const out = path.join(dir, 'faces');
    const demo = await generateDemo({ out, count: 240, size: 64, wrongFraction: 0.05 });
    const manifest = JSON.parse(fs.readFileSync(demo.manifest, 'utf8')) as { wrongLabels: { path: string; trueClass: string }[] };
    const planted = new Map(manifest.wrongLabels.map((w) => [w.path, w.trueClass]));
    expect(planted.size).toBe(12);
    const summary = await core.call('datasets/import', { folder: out, groupBy: '^(id\\d+)_' });
    const db = core.workspace.db;
    const auditId = createAudit(db, summary.datasetId, AuditSettingsSchema.parse({ folds: 3, epochs: 8 }));
    const phases = new Set<AuditProgress['phase']>();
    const outcome = await runAudit(db, auditId, { cacheDir: core.workspace.cacheDir, onProgress: (p) => phases.add(p.phase) });
    expect(outcome.status).toBe('completed');
    expect([...phases]).toEqual(['preparing', 'hashing', 'training', 'predicting', 'done']);

    const report = auditReport(db, auditId);
    const ranked = report.suspects.map((s) => s.path);
    const k = planted.size;
    const at2k = scoreAtN(ranked, new Set(planted.keys()), 2 * k);
    const atK = scoreAtN(ranked, new Set(planted.keys()), k);
    console.log(`planted ${k}: precision@k ${atK.precision.toFixed(2)} recall@k ${atK.recall.toFixed(2)} · precision@2k ${at2k.precision.toFixed(2)} recall@2k ${at2k.recall.toFixed(2)} · ${outcome.seconds.toFixed(0)} s`);
    expect(at2k.recall).toBeGreaterThanOrEqual(0.8);
    // Where a planted error is found, the suggestion is its true class.
    const found = report.suspects.filter((s) => planted.has(s.path));
    expect(found.filter((s) => s.suggested === planted.get(s.path)).length).toBeGreaterThanOrEqual(Math.ceil(found.length * 0.8));
    // Every image got an out-of-sample probability; the demo has no copies, so no leak survives the pixel check.
    expect(report.images).toBe(240);
    expect(report.accuracy).toBeGreaterThan(0.8);
    expect(report.duplicates).toEqual([]);
  }, 300_000);
});
