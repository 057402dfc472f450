// When an audit can be trusted: too few images per class or fold models barely better than guessing
// make it unreliable, with the reasons in the user's words; the report and `facet audit` carry it.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditJson, renderAudit } from '../../../../src/main/cli/audit-commands.js';
import { createAudit, finishAudit, loadAuditItems, saveFoldProbabilities } from '../../../../src/main/core/quality/audit-store.js';
import { auditReliability, MIN_IMAGES_PER_CLASS, minAccuracy } from '../../../../src/main/core/quality/reliability.js';
import { AuditSettingsSchema } from '../../../../src/shared/quality.js';
import { tempCore, writeClassFolders } from '../datasets/helpers.js';

const even = (n: number, ...names: string[]) => names.map((c) => ({ class: c, images: n }));

describe('auditReliability', () => {
  it('calls the issue\'s tiny audit unreliable: 30 images in 3 classes, 67% out-of-fold accuracy', () => {
    const r = auditReliability({ classCounts: even(10, 'camera', 'phone', 'social'), accuracy: 20 / 30 });
    expect(r.reliable).toBe(false);
    expect(r.reasons).toHaveLength(2);
    expect(r.reasons[0]).toBe(
      'Too few images per class: “camera” has 10, “phone” has 10 and “social” has 10 images; an audit needs at least 20 in every class to tell the models\' own mistakes from wrong labels.',
    );
    expect(r.reasons[1]).toMatch(/right on only 67% of the images they never saw; with these classes an audit needs at least 73% \(always guessing the largest class gets 33%\)/);
    expect(r.advice).toBe("To get an audit you can rely on: label at least 20 images in every class; make the fold models stronger with more images, more epochs or a larger image size (facet audit DATASET --epochs 16 --image-size 96); then audit again.");
  });

  it('trusts an audit with enough images per class and fold models well above guessing', () => {
    const r = auditReliability({ classCounts: even(MIN_IMAGES_PER_CLASS, 'camera', 'phone', 'social'), accuracy: 0.9 });
    expect(r).toEqual({ reliable: true, reasons: [], advice: null, minImagesPerClass: 20, minAccuracy: expect.closeTo(1 / 3 + 0.6 * (2 / 3), 10) });
  });

  it('flags a weak model alone, and one small class alone (naming only it)', () => {
    const weak = auditReliability({ classCounts: even(40, 'a', 'b', 'c'), accuracy: 0.7 });
    expect(weak.reliable).toBe(false);
    expect(weak.reasons).toHaveLength(1);
    expect(weak.reasons[0]).toMatch(/^The fold models are right on only 70%/);

    const small = auditReliability({ classCounts: [{ class: 'a', images: 50 }, { class: 'b', images: 1 }, { class: 'empty', images: 0 }], accuracy: 1 });
    expect(small.reasons).toEqual(['Too few images per class: “b” has 1 image; an audit needs at least 20 in every class to tell the models\' own mistakes from wrong labels.']);
  });

  it('asks more of the models when one class dominates (guessing it is already right most of the time)', () => {
    expect(minAccuracy([{ class: 'a', images: 90 }, { class: 'b', images: 10 }])).toBeCloseTo(0.96, 10);
    expect(minAccuracy(even(10, ...'abcdefghij'))).toBeCloseTo(0.64, 10);
    expect(auditReliability({ classCounts: [{ class: 'a', images: 180 }, { class: 'b', images: 20 }], accuracy: 0.92 }).reliable).toBe(false);
  });
});

describe('the audit report and facet audit carry the verdict', () => {
  let t: Awaited<ReturnType<typeof tempCore>>;
  let datasetId: number;
  beforeAll(async () => {
    t = await tempCore();
    const root = path.join(t.dir, 'tiny');
    await writeClassFolders(root, { camera: 10, phone: 10, social: 10 });
    datasetId = (await t.core.call('datasets/import', { folder: root })).datasetId;
  });
  afterAll(async () => t.cleanup());

  it('a completed audit of 30 images whose fold models get 2 in 3 right is reported unreliable, in --json and in text', async () => {
    const db = t.core.workspace.db;
    const auditId = createAudit(db, datasetId, AuditSettingsSchema.parse({ folds: 3 }));
    const items = loadAuditItems(db, auditId);
    expect(items).toHaveLength(30);
    // Every third image looks like the next class: 20 of 30 right.
    saveFoldProbabilities(
      db,
      auditId,
      items.map((it, i) => {
        const p = [0.1, 0.1, 0.1];
        p[i % 3 === 0 ? (it.classIndex + 1) % 3 : it.classIndex] = 0.8;
        return { imageId: it.imageId, probabilities: p };
      }),
    );
    const running = await t.core.call('audit/get', { auditId });
    expect(running.reliability).toBeNull();
    finishAudit(db, auditId, 'completed', null, 1);

    const report = await t.core.call('audit/get', { auditId });
    expect(report.accuracy).toBeCloseTo(20 / 30, 10);
    expect(report.suspects.length).toBeGreaterThan(0);
    expect(report.reliability).toMatchObject({ reliable: false, minImagesPerClass: 20 });
    expect(report.reliability!.reasons).toHaveLength(2);
    expect(auditJson(report).reliability).toEqual(report.reliability);
    const text = renderAudit(report, 5);
    expect(text).toMatch(/NOT RELIABLE: treat these suspects as hints, not as wrong labels\.\n {2}- Too few images per class: “camera” has 10/);
    expect(text).toContain('with these classes an audit needs at least 73%');
  });
});
