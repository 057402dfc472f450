// The resumable per-content-hash pass behind embeddings and face analysis, with no domain in it.
import { describe, expect, it } from 'vitest';
import { runHashPass, type HashedFile } from '../../../../../src/main/core/platform/jobs/hash-pass.js';

const files = (...names: string[]): HashedFile[] => names.map((n) => ({ path: `${n}.jpg`, hash: n.replace(/-copy$/, '') }));

/** A pass whose work is recorded in order: what was decoded, processed (stored) and reported. */
function recorder(opts: { failDecode?: string; cancelAfter?: number } = {}) {
  const log: string[] = [];
  const stored: string[] = [];
  const progress: [number, number, string][] = [];
  const controller = new AbortController();
  return {
    log,
    stored,
    progress,
    signal: controller.signal,
    begin: (total: number) => void log.push(`begin ${total}`),
    decode: async (f: HashedFile) => {
      log.push(`decode ${f.path}`);
      if (f.hash === opts.failDecode) throw new Error('not a picture');
      return f.hash.toUpperCase();
    },
    process: async (batch: { file: HashedFile; decoded: string | Error }[]) => {
      log.push(`process ${batch.map((b) => b.file.path).join(',')}`);
      for (const b of batch) stored.push(b.decoded instanceof Error ? `${b.file.hash}: ${b.decoded.message}` : b.decoded);
      if (opts.cancelAfter !== undefined && stored.length >= opts.cancelAfter) controller.abort();
    },
    onProgress: (done: number, total: number, last: string) => void progress.push([done, total, last]),
  };
}

describe('a resumable pass by content hash', () => {
  it('processes each content not stored yet once, in batches, and reports the last batch', async () => {
    const r = recorder();
    const result = await runHashPass({ files: files('a', 'b', 'a-copy', 'c', 'd', 'e'), done: new Set(['b']), batchSize: 2, ...r });
    expect(result).toEqual({ total: 4, cancelled: false });
    expect(r.stored).toEqual(['A', 'C', 'D', 'E']);
    expect(r.log.filter((l) => l.startsWith('process'))).toEqual(['process a.jpg,c.jpg', 'process d.jpg,e.jpg']);
    expect(r.log[0]).toBe('begin 4');
    expect(r.progress.at(-1)).toEqual([4, 4, 'e.jpg']);
  });

  it('decodes the next batch while the current one is processed', async () => {
    const r = recorder();
    await runHashPass({ files: files('a', 'b', 'c'), done: new Set(), batchSize: 1, ...r });
    expect(r.log).toEqual(['begin 3', 'decode a.jpg', 'decode b.jpg', 'process a.jpg', 'decode c.jpg', 'process b.jpg', 'process c.jpg']);
  });

  it('hands a file that cannot be decoded to the caller as an Error, and goes on', async () => {
    const r = recorder({ failDecode: 'b' });
    const result = await runHashPass({ files: files('a', 'b', 'c'), done: new Set(), batchSize: 2, ...r });
    expect(result.cancelled).toBe(false);
    expect(r.stored).toEqual(['A', 'b: not a picture', 'C']);
  });

  it('stops between batches once cancelled, keeping what it stored', async () => {
    const r = recorder({ cancelAfter: 2 });
    const result = await runHashPass({ files: files('a', 'b', 'c', 'd', 'e'), done: new Set(), batchSize: 2, ...r });
    expect(result).toEqual({ total: 5, cancelled: true });
    expect(r.stored).toEqual(['A', 'B']);
  });

  it('does nothing at all, not even begin, when every content is stored', async () => {
    const r = recorder();
    const result = await runHashPass({ files: files('a', 'b'), done: new Set(['a', 'b']), batchSize: 2, ...r });
    expect(result).toEqual({ total: 0, cancelled: false });
    expect(r.log).toEqual([]);
    expect(r.progress).toEqual([]);
  });

  it('begins even when cancelled before the first batch, then stores nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = recorder();
    const result = await runHashPass({ files: files('a'), done: new Set(), batchSize: 2, ...r, signal: controller.signal });
    expect(result).toEqual({ total: 1, cancelled: true });
    expect(r.log).toEqual(['begin 1', 'decode a.jpg']);
    expect(r.stored).toEqual([]);
  });

  it('with concurrency, processes batches at once and stores them in file order whatever order they finish in', async () => {
    const r = recorder();
    const stored: string[] = [];
    let running = 0;
    let most = 0;
    // Each batch takes longer the earlier it is: batch 1 finishes after batch 2.
    const delays: Record<string, number> = { a: 40, c: 5, e: 5 };
    const result = await runHashPass({
      files: files('a', 'b', 'c', 'd', 'e'),
      done: new Set(),
      batchSize: 2,
      concurrency: () => 2,
      decode: r.decode,
      process: async (batch) => {
        running++;
        most = Math.max(most, running);
        await new Promise((res) => setTimeout(res, delays[batch[0]!.file.hash]));
        running--;
        return batch.map((b) => b.decoded as string).join('');
      },
      store: (batch, joined) => void stored.push(joined),
      onProgress: r.onProgress,
    });
    expect(result).toEqual({ total: 5, cancelled: false });
    expect(stored).toEqual(['AB', 'CD', 'E']);
    expect(most).toBe(2);
    expect(r.progress.at(-1)).toEqual([5, 5, 'e.jpg']);
  });
});
