// A full or read-only disk under the workspace or the export folder. Tests run as root in CI, where
// chmod stops nothing, so faults are injected: fs calls are made to fail with ENOSPC / EROFS (after
// writing half the bytes, as a full disk does), and, where the machine allows a private mount
// namespace, the real CLI runs against a read-only bind mount and a 64 KB tmpfs. Every time: a clear
// FacetError 'io' naming the file and what to do, and no half-written checkpoint, model or dataset export.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FacetError } from '../../src/shared/errors.js';
import { HyperparametersSchema } from '../../src/shared/hyperparameters.js';
import type { Core } from '../../src/main/core/index.js';
import { loadCheckpoint, runDir, saveCheckpoint, type CheckpointMeta } from '../../src/main/core/training/checkpoint.js';
import { createRunRow, getRun, listEpochs } from '../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../src/main/core/training/snapshots.js';
import { trainRun } from '../../src/main/core/training/trainer.js';
import { tempDir, toyCore } from '../main/core/training/helpers.js';
import { requireBuilt } from '../built.js';
import { tableChecksum } from './checksum.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

function errnoError(code: string, file: string): NodeJS.ErrnoException {
  const text = code === 'ENOSPC' ? 'no space left on device' : code === 'EROFS' ? 'read-only file system' : 'i/o error';
  return Object.assign(new Error(`${code}: ${text}, write '${file}'`), { code, path: file });
}

/** Makes fs.writeFileSync fail like a full disk for matching paths: half the bytes land, then ENOSPC. */
function fullDiskSync(match: RegExp, code = 'ENOSPC'): void {
  const real = fs.writeFileSync;
  vi.spyOn(fs, 'writeFileSync').mockImplementation((file, data, options) => {
    if (typeof file === 'string' && match.test(file)) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as Uint8Array);
      if (code === 'ENOSPC') real(file, bytes.subarray(0, bytes.length >> 1));
      throw errnoError(code, file);
    }
    return real(file, data, options);
  });
}

function leftovers(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp$/.test(f));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a run checkpoint on a full or read-only disk', () => {
  const meta = (epoch: number): CheckpointMeta => ({ epoch, bestEpoch: epoch, bestValLoss: 1 / epoch, bestValAccuracy: 0.5, staleEpochs: 0 });
  const weights = (v: number) => [{ name: 'w', shape: [4, 256], data: new Float32Array(1024).fill(v) }];
  let dir: string;
  beforeAll(() => {
    dir = path.join(tempDir('facet-ckpt-'), 'runs', '1');
  });
  afterAll(() => fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true }));

  it('fails writing the weights with a clear io error and keeps the previous checkpoint whole', () => {
    saveCheckpoint(dir, 'last', meta(1), weights(1), weights(0.1));
    fullDiskSync(/last-2\.bin\.tmp$/);
    let error: unknown;
    try {
      saveCheckpoint(dir, 'last', meta(2), weights(2), weights(0.2));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'io', file: path.join(dir, 'last-2.bin') });
    expect((error as FacetError).message).toMatch(/Cannot write the last checkpoint of epoch 2: the disk is full\./);
    expect((error as FacetError).hint).toMatch(/disk is full/);
    vi.restoreAllMocks();
    expect(fs.readdirSync(dir).sort()).toEqual(['last-1.bin', 'last.json']);
    const back = loadCheckpoint(dir, 'last')!;
    expect(back.meta.epoch).toBe(1);
    expect(back.weights[0]!.data.every((x) => x === 1)).toBe(true);
  });

  it('fails writing the pointer file and drops the new weights file: last.json still names a whole pair', () => {
    fullDiskSync(/last\.json\.tmp$/);
    expect(() => saveCheckpoint(dir, 'last', meta(2), weights(2))).toThrow(/Cannot write the last checkpoint of epoch 2/);
    vi.restoreAllMocks();
    expect(fs.readdirSync(dir).sort()).toEqual(['last-1.bin', 'last.json']);
    expect(loadCheckpoint(dir, 'last')!.meta.epoch).toBe(1);
  });

  it('says the disk is read-only when it is', () => {
    fullDiskSync(/best-1\.bin\.tmp$/, 'EROFS');
    expect(() => saveCheckpoint(dir, 'best', meta(1), weights(1))).toThrow(FacetError);
    try {
      saveCheckpoint(dir, 'best', meta(1), weights(1));
    } catch (e) {
      expect((e as FacetError).hint).toMatch(/read-only/);
    }
    expect(leftovers(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'best.json'))).toBe(false);
  });
});

describe('a training run and its exports when the disk fills up', () => {
  let ctx: { core: Core; datasetId: number; dir: string; root: string };
  let runId: number;
  const hp = { imageSize: 32, batchSize: 8, filters: [8, 16], denseUnits: 16, epochs: 3, learningRate: 0.003, augmentation: { flip: false, rotation: 0, zoom: 0, contrast: 0 } };
  beforeAll(async () => {
    ctx = await toyCore(12, 32);
  }, 60_000);
  afterAll(async () => {
    await ctx.core.close();
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  });

  it('fails the run with a clear error at the checkpoint that could not be written, and --resume finishes it once there is space', async () => {
    const ws = ctx.core.workspace;
    const snap = createSnapshot(ws.db, ctx.datasetId);
    runId = createRunRow(ws.db, ctx.datasetId, snap.id, 'full disk', HyperparametersSchema.parse(hp));
    fullDiskSync(/last-2\.bin\.tmp$/);
    await expect(trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1 })).rejects.toMatchObject({ code: 'io', hint: expect.stringMatching(/disk is full/) });
    vi.restoreAllMocks();
    const failed = getRun(ws.db, runId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/Cannot write the last checkpoint of epoch 2/);
    // Epoch 2's row was committed before its `last` checkpoint failed: resume redoes epoch 2 and
    // replaces that row (never skips one), so the rows end up 1, 2, 3 exactly once each.
    expect(listEpochs(ws.db, runId).map((e) => e.epoch)).toEqual([1, 2]);
    const dir = runDir(ws.dir, runId);
    expect(leftovers(dir)).toEqual([]);
    expect(loadCheckpoint(dir, 'last')!.meta.epoch).toBe(1);

    const trained: number[] = [];
    const outcome = await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1, resume: true, onEpoch: (m) => trained.push(m.epoch) });
    expect(outcome.status).toBe('completed');
    expect(trained).toEqual([2, 3]);
    expect(listEpochs(ws.db, runId).map((e) => e.epoch)).toEqual([1, 2, 3]);
  }, 90_000);

  it('a model export that hits a full disk fails clearly and leaves none of its files behind', async () => {
    const out = path.join(ctx.dir, 'model-export');
    const before = tableChecksum(ctx.core.workspace.db);
    const realWrite = fsp.writeFile;
    vi.spyOn(fsp, 'writeFile').mockImplementation(async (file, data, options) => {
      if (typeof file === 'string' && /labels\.json\.\d+\.[a-z0-9]+\.tmp$/.test(file)) {
        await realWrite(file, String(data).slice(0, 3));
        throw errnoError('ENOSPC', file);
      }
      return realWrite(file, data, options);
    });
    await expect(ctx.core.call('runs/export', { runId, format: 'tfjs', out, check: 0 })).rejects.toMatchObject({
      code: 'io',
      file: path.join(out, 'labels.json'),
      message: expect.stringMatching(/Cannot write the export file labels\.json: the disk is full\./),
      hint: expect.stringMatching(/disk is full/),
    });
    vi.restoreAllMocks();
    // The export created the folder, so the folder goes too.
    expect(fs.existsSync(out)).toBe(false);
    expect(tableChecksum(ctx.core.workspace.db)).toBe(before);
    // With space again the same export completes.
    const done = await ctx.core.call('runs/export', { runId, format: 'tfjs', out, check: 0 });
    expect(done.files).toEqual(expect.arrayContaining(['model.json', 'labels.json', 'MODEL_CARD.md']));
  }, 60_000);

  it('a dataset export that runs out of space keeps only whole copies, lists the rest as failed, and a full disk at the manifest is a clear error', async () => {
    const out = path.join(ctx.dir, 'dataset-export');
    const realCopy = fsp.copyFile;
    let copies = 0;
    vi.spyOn(fsp, 'copyFile').mockImplementation(async (src, dest, mode) => {
      if (++copies > 5) {
        const bytes = await fsp.readFile(src);
        await fsp.writeFile(dest, bytes.subarray(0, bytes.length >> 1));
        throw errnoError('ENOSPC', String(dest));
      }
      return realCopy(src, dest, mode);
    });
    const result = await ctx.core.call('datasets/export', { datasetId: ctx.datasetId, out });
    vi.restoreAllMocks();
    expect(result.failed.length).toBeGreaterThan(0);
    for (const f of result.failed) expect(f.reason).toMatch(/the disk is full/);
    const manifest = fs.readFileSync(result.manifest, 'utf8').trim().split(/\r?\n/).slice(1);
    const onDisk = (fs.readdirSync(out, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(out, f)).isFile() && f !== path.basename(result.manifest));
    expect(onDisk).toHaveLength(manifest.length);
    for (const line of manifest) {
      const [target, , , , source] = line.split(',');
      expect(fs.readFileSync(path.join(out, target!)).equals(fs.readFileSync(path.join(ctx.root, source!))), target).toBe(true);
    }

    const out2 = path.join(ctx.dir, 'dataset-export-2');
    const realWrite = fsp.writeFile;
    vi.spyOn(fsp, 'writeFile').mockImplementation(async (file, data, options) => {
      if (typeof file === 'string' && file.endsWith('.tmp')) throw errnoError('ENOSPC', file);
      return realWrite(file, data, options);
    });
    await expect(ctx.core.call('datasets/export', { datasetId: ctx.datasetId, out: out2 })).rejects.toMatchObject({ code: 'io', hint: expect.stringMatching(/disk is full/) });
    vi.restoreAllMocks();
    expect(leftovers(out2)).toEqual([]);
  }, 60_000);
});

/** A private mount namespace (root with CAP_SYS_ADMIN, `unshare` present): mounts vanish with the process. */
const canMount = process.platform === 'linux' && spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { stdio: 'ignore' }).status === 0;
const NO_MOUNT = ' (skipped: needs a private mount namespace, i.e. Linux, root with CAP_SYS_ADMIN and `unshare`)';

describe.skipIf(!canMount)(`the real CLI on a read-only workspace and on tiny full disks (private mount namespace)${canMount ? '' : NO_MOUNT}`, () => {
  let dir: string;
  let ws: string;
  beforeAll(async () => {
    requireBuilt('dist/main/cli.js');
    dir = tempDir('facet-mount-');
    ws = path.join(dir, 'ws');
    const data = path.join(dir, 'data');
    const { writeToyDataset } = await import('../main/core/training/helpers.js');
    await writeToyDataset(data, 12, 64);
    const r = spawnSync(process.execPath, [path.join(repo, 'bin', 'facet.js'), '--workspace', ws, 'import', data], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const facetIn = (setup: string, args: string[]) => {
    const cmd = `${setup} && exec "$0" "$@"`;
    return spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', cmd, process.execPath, path.join(repo, 'bin', 'facet.js'), '--workspace', ws, ...args], { encoding: 'utf8' });
  };

  it('a label edit on a read-only workspace fails with a clear message and changes nothing', () => {
    const before = fs.readFileSync(path.join(ws, 'facet.db'));
    const r = facetIn(`mount --bind '${ws}' '${ws}' && mount -o remount,bind,ro '${ws}'`, ['label', '1', 'bright/img000.png', '--class', 'dark']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^facet: Cannot open the workspace database.*read-only disk: pass --workspace with a writable folder/im);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(fs.readFileSync(path.join(ws, 'facet.db')).equals(before)).toBe(true);
  });

  it('an import into a workspace on a full 128 KB disk stops with a clear message; the database stays intact, no temp file remains', () => {
    const small = path.join(dir, 'small-ws');
    fs.mkdirSync(small);
    const report = `echo "exit=$?"; ${process.execPath} -e "const D=require('better-sqlite3');const d=new D('${small}/ws/facet.db');console.log('integrity='+d.pragma('integrity_check',{simple:true}))"; find '${small}' -name '*.tmp'`;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=128k tmpfs '${small}' && ${process.execPath} ${path.join(repo, 'bin', 'facet.js')} --workspace '${small}/ws' import '${path.join(dir, 'data')}'; ${report}`], { encoding: 'utf8', cwd: repo });
    expect(r.stdout).toMatch(/exit=1/);
    expect(r.stderr).toMatch(/^facet: .*(disk holding the workspace .* is full|ENOSPC).*(Free some disk space|disk is not full)/m);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(r.stdout).toMatch(/integrity=ok/);
    expect(r.stdout).not.toMatch(/\.tmp$/m);
  });

  it('a dataset export onto a full 64 KB disk reports what did not fit and leaves no truncated file', () => {
    const out = path.join(dir, 'small');
    fs.mkdirSync(out);
    const script = `${path.join(repo, 'bin', 'facet.js')} --workspace '${ws}' --json export-dataset 1 --out '${out}/x'; echo "exit=$?"; cd '${out}/x' 2>/dev/null && find . -type f -exec sha256sum {} +`;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${out}' && ${process.execPath} ${script}`], { encoding: 'utf8' });
    const exit = Number(/exit=(\d+)/.exec(r.stdout)?.[1]);
    expect([1, 3], r.stderr).toContain(exit);
    if (exit === 1) expect(r.stderr).toMatch(/disk is full/);
    // Every file that landed on the small disk is a whole copy of its source.
    for (const line of r.stdout.split('\n').filter((l) => /^[0-9a-f]{64} {2}\.\//.test(l))) {
      const [hash, rel] = line.split(/ {2}\.\//) as [string, string];
      if (!/^(train|val|test)\//.test(rel)) continue;
      const source = path.join(dir, 'data', ...rel.split('/').slice(1));
      expect(createHash('sha256').update(fs.readFileSync(source)).digest('hex'), rel).toBe(hash);
    }
  });
});
