// Untrusted images are decoded in the job process, never in the main process or the server
// (registered in core/job-kinds.ts): import and rescan probe each file there (hash, header,
// thumbnail), so a decoder crash or exploit in a crafted WebP/AVIF/GIF takes down only this process.
import pLimit from 'p-limit';
import { defineJob, type JobContext } from '../platform/jobs/protocol.js';
import { probeImage, type ProbeResult, type ThumbnailPixels } from './probe.js';

export interface DecodeArgs {
  files: { absPath: string; path: string }[];
  concurrency: number;
}

/** One answer per file, in the order they finish; `index` points into DecodeArgs.files. */
export interface DecodeEvent {
  index: number;
  result: ProbeResult;
  /** What `measure` made of the thumbnail's pixels (the health checks), taken here so nothing decodes twice. */
  measures?: unknown;
}

/** Measures a picture from its thumbnail pixels; job-kinds.ts passes the health checks' own. */
export type PixelMeasure = (pixels: ThumbnailPixels) => unknown;

export function decodeJobMeasuring(measure?: PixelMeasure) {
  return defineJob('decode', async (args: DecodeArgs, ctx: JobContext<DecodeEvent>): Promise<{ decoded: number }> => {
    const limit = pLimit(args.concurrency);
    let decoded = 0;
    await Promise.all(
      args.files.map((file, index) =>
        limit(async () => {
          if (ctx.signal.aborted) return;
          let measures: unknown;
          const onThumbnail = measure ? (_hash: string, pixels: ThumbnailPixels) => (measures = measure(pixels)) : undefined;
          const result = await probeImage(file.absPath, file.path, (hash) => ctx.workspace.thumbnailPath(hash), onThumbnail);
          decoded++;
          ctx.emit(measures === undefined ? { index, result } : { index, result, measures });
        }),
      ),
    );
    return { decoded };
  });
}

/** The job's type, for the supervisor's typed start(). */
export const decodeJob = decodeJobMeasuring();
