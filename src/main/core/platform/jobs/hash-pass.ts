// A resumable pass over files by content hash, the shape of every per-image job that keeps its
// results per hash (embeddings, face analyses): contents stored already are skipped, the rest is
// decoded and processed in batches (the next batch decodes while this one is processed), each batch
// stored by the caller before the next, progress reported, and the pass stops at a cancel between
// batches, so a stopped pass resumes where it was.

export interface HashedFile {
  path: string;
  hash: string;
}

export interface HashPassOptions<F extends HashedFile, D> {
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
  /** Processes and stores one batch. */
  process: (batch: { file: F; decoded: D | Error }[]) => Promise<void>;
  /** Files done of the total and the batch's last file: at most every 250 ms, and after the last batch. */
  onProgress?: (done: number, total: number, lastPath: string) => void;
}

export interface HashPassResult {
  /** Files that were to do (the contents not stored yet). */
  total: number;
  cancelled: boolean;
}

const PROGRESS_EVERY_MS = 250;

export async function runHashPass<F extends HashedFile, D>(opts: HashPassOptions<F, D>): Promise<HashPassResult> {
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
  let next = decodeBatch(0);
  let lastProgress = 0;
  for (let start = 0; start < todo.length; start += size) {
    if (opts.signal?.aborted) return { total: todo.length, cancelled: true };
    const files = todo.slice(start, start + size);
    const decoded = await next;
    if (start + size < todo.length) next = decodeBatch(start + size);
    await opts.process(files.map((file, i) => ({ file, decoded: decoded[i]! })));
    const now = performance.now();
    if (now - lastProgress > PROGRESS_EVERY_MS || start + size >= todo.length) {
      lastProgress = now;
      opts.onProgress?.(Math.min(start + size, todo.length), todo.length, files[files.length - 1]!.path);
    }
  }
  return { total: todo.length, cancelled: false };
}
