// Untrusted images are decoded in the job process, never in the main process or the server
// (registered in core/job-kinds.ts): import and rescan probe each file there (hash, header,
// thumbnail), so a decoder crash or exploit in a crafted WebP/AVIF/GIF takes down only this process.
import pLimit from 'p-limit';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { probeImage, type ProbeResult } from './probe.js';

export interface DecodeArgs {
  files: { absPath: string; path: string }[];
  concurrency: number;
}

/** One answer per file, in the order they finish; `index` points into DecodeArgs.files. */
export interface DecodeEvent {
  index: number;
  result: ProbeResult;
}

export const decodeJob = defineJob('decode', async (args: DecodeArgs, ctx: JobContext<DecodeEvent>): Promise<{ decoded: number }> => {
  const limit = pLimit(args.concurrency);
  let decoded = 0;
  await Promise.all(
    args.files.map((file, index) =>
      limit(async () => {
        if (ctx.signal.aborted) return;
        const result = await probeImage(file.absPath, file.path, (hash) => ctx.workspace.thumbnailPath(hash));
        decoded++;
        ctx.emit({ index, result });
      }),
    ),
  );
  return { decoded };
});
