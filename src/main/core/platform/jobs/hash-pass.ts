// A resumable pass over files by content hash, the shape of every per-image job that keeps its
// results per hash (embeddings, face analyses): contents stored already are skipped, the rest is
// decoded and processed in batches (the next batch decodes while this one is processed), each batch
// stored before the next, progress reported, and the pass stops at a cancel between batches, so a
// stopped pass resumes where it was. With `concurrency` above 1 (one batch per worker thread),
// several batches are processed at once, a new one starting as soon as any finishes, and stored in
// file order all the same (ordered-pipeline.ts); a cancel lets the running ones finish and stores them.
import { OrderedPipeline } from './ordered-pipeline.js';

export interface HashedFile {
  path: string;
  hash: string;
}

export interface HashPassOptions<F extends HashedFile, D, R = void> {
  /** The files to cover, in order; files with the same content are processed once, at the first. */
  files: readonly F[];
  /** Contents processed already (by an earlier or stopped pass): skipped. */
  done: ReadonlySet<string>;
  /** Files per batch. */
  batchSize: number;
  signal?: AbortSignal;
  /** Before the first batch, only when there is anything to do (e.g. loading a model). */
  begin?: (total: number) => Promise<void> | void;
  /** Reads one file; what it throws reaches `process` as that file's Error. */
  decode: (file: F) => Promise<D>;
  /** Processes one batch (and stores it, when there is no `store`). */
  process: (batch: { file: F; decoded: D | Error }[]) => Promise<R>;
  /** Stores a processed batch: called one batch at a time, in file order. */
  store?: (batch: { file: F; decoded: D | Error }[], result: R) => void | Promise<void>;
  /** Batches processed at once (default 1); a function is asked after `begin`, which may start the workers that set it. */
  concurrency?: number | (() => number);
  /** Files done of the total and the batch's last file: at most every 250 ms, and after the last batch. */
  onProgress?: (done: number, total: number, lastPath: string) => void;
}

export interface HashPassResult {
  /** Files that were to do (the contents not stored yet). */
  total: number;
  cancelled: boolean;
}

const PROGRESS_EVERY_MS = 250;

export async function runHashPass<F extends HashedFile, D, R = void>(opts: HashPassOptions<F, D, R>): Promise<HashPassResult> {
  const todo: F[] = [];
  const seen = new Set<string>();
  for (const f of opts.files) {
    if (opts.done.has(f.hash) || seen.has(f.hash)) continue;
    seen.add(f.hash);
    todo.push(f);
  }
  if (todo.length === 0) return { total: 0, cancelled: false };

  await opts.begin?.(todo.length);
  const size = opts.batchSize;
  const decodeBatch = (start: number) =>
    Promise.all(todo.slice(start, start + size).map((f) => opts.decode(f).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
  const concurrency = typeof opts.concurrency === 'function' ? opts.concurrency() : opts.concurrency;
  const pipeline = new OrderedPipeline<R>(concurrency ?? 1);
  let next = decodeBatch(0);
  let lastProgress = 0;
  let cancelled = false;
  for (let start = 0; start < todo.length; start += size) {
    if (opts.signal?.aborted) {
      cancelled = true;
      break;
    }
    const files = todo.slice(start, start + size);
    const decoded = await next;
    if (start + size < todo.length) next = decodeBatch(start + size);
    const batch = files.map((file, i) => ({ file, decoded: decoded[i]! }));
    const end = Math.min(start + size, todo.length);
    await pipeline.add(() => opts.process(batch), async (result) => {
      await opts.store?.(batch, result);
      const now = performance.now();
      if (now - lastProgress > PROGRESS_EVERY_MS || end >= todo.length) {
        lastProgress = now;
        opts.onProgress?.(end, todo.length, files[files.length - 1]!.path);
      }
    });
  }
  await pipeline.drain();
  return { total: todo.length, cancelled };
}
