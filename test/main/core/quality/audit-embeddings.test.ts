// The audit's embedding opinion wired to the store: vectors read from the embeddings table (issue
// 17's layout), kNN + out-of-fold head stored per image, averaged with the fold CNNs in the report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../../../src/main/core/index.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';
import { createAudit, finishAudit, loadAuditItems, saveFoldProbabilities } from '../../../../src/main/core/quality/audit-store.js';
import { saveEmbeddingProbabilities } from '../../../../src/main/core/quality/audit-embeddings.js';
import { auditReport } from '../../../../src/main/core/quality/report.js';
import { AuditSettingsSchema } from '../../../../src/shared/quality.js';
import { jpeg, scene } from './health/synthetic.js';

let dir: string;
let core: Core;
let datasetId: number;
const CLASSES = ['a', 'b', 'c'];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-audit-emb-'));
  const root = path.join(dir, 'set');
  for (const c of CLASSES) fs.mkdirSync(path.join(root, c), { recursive: true });
  for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(root, CLASSES[i % 3]!, `p${String(i).padStart(2, '0')}.jpg`), await jpeg(scene(i, 48, 36), 48, 36));
  core = new Core(Workspace.open(path.join(dir, 'ws')));
  datasetId = (await core.call('datasets/import', { folder: root })).datasetId;
}, 60_000);

afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the audit with embeddings', () => {
  it('finds a wrong label the fold CNNs missed when the embeddings place it among another class', () => {
    const db = core.workspace.db;
    const auditId = createAudit(db, datasetId, AuditSettingsSchema.parse({ folds: 3 }));
    const items = loadAuditItems(db, auditId);
    // The CNNs agree with every label (they learnt the wrong one too); the embeddings know better:
    // each class is a cluster, and p07.jpg (filed under b) sits in class a's cluster.
    saveFoldProbabilities(db, auditId, items.map((it) => ({ imageId: it.imageId, probabilities: [0, 1, 2].map((j) => (j === it.classIndex ? 0.8 : 0.1)) })));
    finishAudit(db, auditId, 'completed', null, 1);
    expect(auditReport(db, auditId).suspects).toEqual([]);

    const rand = mulberry32(5);
    const centres = [0, 1, 2].map(() => Array.from({ length: 32 }, () => rand() - 0.5));
    const wrong = items.find((it) => it.path === 'b/p07.jpg')!;
    db.exec(`CREATE TABLE IF NOT EXISTS embeddings (hash TEXT NOT NULL, backbone TEXT NOT NULL, dimensions INTEGER NOT NULL, vector BLOB NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (hash, backbone))`);
    const put = db.prepare(`INSERT OR REPLACE INTO embeddings (hash, backbone, dimensions, vector, created_at) VALUES (?, 'test-net', 32, ?, '')`);
    for (const it of items) {
      const cluster = it === wrong ? 0 : it.classIndex;
      put.run(it.hash, Buffer.from(Float32Array.from(centres[cluster]!, (x) => x + 0.05 * (rand() - 0.5)).buffer));
    }
    expect(saveEmbeddingProbabilities(db, auditId)).toBe('test-net');
    const suspects = auditReport(db, auditId).suspects;
    expect(suspects[0]).toMatchObject({ path: 'b/p07.jpg', label: 'b', suggested: 'a' });
    expect(suspects[0]!.suggestedConfidence).toBeGreaterThan(0.4);
  });

  it('leaves the CNN ranking alone when some audited image has no embedding', () => {
    const db = core.workspace.db;
    const auditId = createAudit(db, datasetId, AuditSettingsSchema.parse({ folds: 3 }));
    const items = loadAuditItems(db, auditId);
    saveFoldProbabilities(db, auditId, items.map((it) => ({ imageId: it.imageId, probabilities: [0, 1, 2].map((j) => (j === it.classIndex ? 0.8 : 0.1)) })));
    finishAudit(db, auditId, 'completed', null, 1);
    db.prepare(`DELETE FROM embeddings WHERE hash = ?`).run(items[0]!.hash);
    expect(saveEmbeddingProbabilities(db, auditId)).toBeNull();
    expect(auditReport(db, auditId).suspects).toEqual([]);
  });

  it('uses every backbone whose vectors cover all the audited images, and only those', () => {
    const db = core.workspace.db;
    const auditId = createAudit(db, datasetId, AuditSettingsSchema.parse({ folds: 3 }));
    const items = loadAuditItems(db, auditId);
    saveFoldProbabilities(db, auditId, items.map((it) => ({ imageId: it.imageId, probabilities: [0, 1, 2].map((j) => (j === it.classIndex ? 0.8 : 0.1)) })));
    finishAudit(db, auditId, 'completed', null, 1);
    const rand = mulberry32(9);
    const put = db.prepare(`INSERT OR REPLACE INTO embeddings (hash, backbone, dimensions, vector, created_at) VALUES (?, ?, 8, ?, '')`);
    for (const backbone of ['net-a', 'net-b']) for (const it of items) put.run(it.hash, backbone, Buffer.from(Float32Array.from({ length: 8 }, (_, d) => (d === it.classIndex ? 1 : 0) + 0.1 * rand()).buffer));
    // test-net (the tests above) lacks one image's vector: left out.
    expect(saveEmbeddingProbabilities(db, auditId)).toBe('net-a, net-b');
    db.prepare(`DELETE FROM embeddings WHERE hash = ? AND backbone = 'net-b'`).run(items[1]!.hash);
    expect(saveEmbeddingProbabilities(db, auditId)).toBe('net-a');
    expect((db.prepare('SELECT embedding_backbone AS b FROM audits WHERE id = ?').get(auditId) as { b: string }).b).toBe('net-a');
  });
});
