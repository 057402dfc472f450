// Untrusted images are decoded in the job process, never in the main process or the server
// (registered in core/job-kinds.ts): import and rescan probe each file there (hash, header,
// thumbnail), so a decoder crash or exploit in a crafted WebP/AVIF/GIF takes down only this process.
import pLimit from 'p-limit';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { probeImage, type ProbeResult } from './probe.js';

export interface DecodeArgs {
  files: { absPath: string; path: string }[];
  /** Files decoded at once (libuv threads busy); twice as many are kept in hand. */
  concurrency: number;
}

/** One answer per file, in the order they finish; `index` points into DecodeArgs.files. */
export interface DecodedFile {
  index: number;
  result: ProbeResult;
}

/** Answers go out a few at a time: one message per file cost the main process more than its row. */
export interface DecodeEvent {
  results: DecodedFile[];
}

/** An event carries at most this many answers, and waits at most FLUSH_MS for more. */
const BATCH = 64;
const FLUSH_MS = 40;

export const decodeJob = defineJob('decode', async (args: DecodeArgs, ctx: JobContext<DecodeEvent>): Promise<{ decoded: number }> => {
  // Twice as many files in hand as threads decode at once: a thread that finishes takes the next file
  // at once instead of waiting for this process's JavaScript (which hashes, writes the thumbnail and
  // answers) to hand it one. Measured at 10,000 images: 1.76 of 2 cores busy instead of 1.72.
  const limit = pLimit(args.concurrency * 2);
  let decoded = 0;
  let pending: DecodedFile[] = [];
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length === 0 || ended) return;
    ctx.emit({ results: pending });
    pending = [];
  };
  try {
    await Promise.all(
      args.files.map((file, index) =>
        limit(async () => {
          if (ctx.signal.aborted) return;
          const result = await probeImage(file.absPath, file.path, (hash) => ctx.workspace.thumbnailPath(hash));
          decoded++;
          pending.push({ index, result });
          if (pending.length >= BATCH) flush();
          else timer ??= setTimeout(flush, FLUSH_MS);
        }),
      ),
    );
  } finally {
    // What was decoded before a failure is still answered: the import saves it. Files still being
    // read when another failed are not (the job has ended).
    flush();
    ended = true;
  }
  return { decoded };
});
