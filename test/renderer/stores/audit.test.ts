import { beforeEach, describe, expect, it } from 'vitest';
import { useAuditStore } from '../../../src/renderer/stores/audit.js';
import type { Audit, AuditProgress, AuditReport } from '../../../src/shared/quality.js';
import { installFakeApi, settle, type FakeApi } from '../fakeApi.js';

const report = (auditId: number, status: AuditReport['status']) => ({ auditId, datasetId: 1, status }) as AuditReport;
const progress = (auditId: number, epoch: number): AuditProgress => ({ auditId, phase: 'training', fold: 1, folds: 3, epoch, epochs: 5, batch: 1, batches: 4, loss: null, accuracy: null });

let fake: FakeApi;
let latest: AuditReport;
beforeEach(() => {
  fake = installFakeApi();
  latest = report(4, 'completed');
  fake.answer('audit/get', () => latest);
});

describe('audits in the studio', () => {
  it('follows the audit it started until audit/finished, then says how it ended and reloads', async () => {
    const audit = useAuditStore();
    await audit.load(1);
    expect(audit.runningId).toBeNull();

    fake.answer('audit/start', () => ({ id: 5 }) as Audit);
    latest = report(5, 'running');
    expect(await audit.start({ folds: 3 })).toBe(true);
    expect(audit.runningId).toBe(5);
    fake.emit('audit/progress', progress(5, 2));
    fake.emit('audit/progress', progress(4, 3));
    expect(audit.progress).toEqual(progress(5, 2));

    latest = report(5, 'failed');
    const reads = fake.calls.filter((c) => c.name === 'audit/get').length;
    fake.emit('audit/finished', { auditId: 5, status: 'failed', error: 'out of memory' });
    await settle();
    expect(audit.runningId).toBeNull();
    expect(audit.progress).toBeNull();
    expect(audit.error?.message).toBe('The audit failed: out of memory');
    expect(fake.calls.filter((c) => c.name === 'audit/get').length).toBe(reads + 1);
    expect(audit.report?.status).toBe('failed');
  });

  it('follows an audit found running when the view opens, keeping its progress on a reload', async () => {
    latest = report(7, 'running');
    const audit = useAuditStore();
    await audit.load(1);
    expect(audit.runningId).toBe(7);
    fake.emit('audit/progress', progress(7, 1));
    await audit.load(1);
    expect(audit.progress).toEqual(progress(7, 1));
    fake.emit('audit/finished', { auditId: 6, status: 'completed', error: null });
    expect(audit.runningId).toBe(7);
  });
});
