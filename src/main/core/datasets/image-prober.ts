// How import and rescan read the files they found: in the job process (decode-job.ts) when the core
// runs with its job supervisor, so untrusted images are never decoded in the main process; in this
// process only where no supervisor exists (unit tests of the import itself).
import pLimit from 'p-limit';
import { FacetError } from '../../../shared/errors.js';
import { jobFailure, type JobSupervisor } from '../platform/jobs/supervisor.js';
import type { Workspace } from '../platform/workspace.js';
import type { decodeJob } from './decode-job.js';
import { probeImage, type ProbeResult } from './probe.js';

export interface ProbeTarget {
  absPath: string;
  path: string;
}

/** Reads each file; `onResult` is called once per file as it finishes (it may throw to stop the reading). */
export type ImageProber = (files: ProbeTarget[], onResult: (index: number, result: ProbeResult) => void, concurrency: number) => Promise<void>;

export function inProcessProber(ws: Workspace): ImageProber {
  return async (files, onResult, concurrency) => {
    const limit = pLimit(concurrency);
    let failure: { error: unknown } | null = null;
    await Promise.all(
      files.map((file, index) =>
        limit(async () => {
          if (failure) return;
          try {
            onResult(index, await probeImage(file.absPath, file.path, (hash) => ws.thumbnailPath(hash)));
          } catch (error) {
            failure ??= { error };
          }
        }),
      ),
    );
    if (failure) throw (failure as { error: unknown }).error;
  };
}

let decodes = 0;
const AGAIN = 'Rescan the dataset to continue: the files read so far are saved.';

export function jobProber(jobs: JobSupervisor): ImageProber {
  return async (files, onResult, concurrency) => {
    if (files.length === 0) return;
    let failure: { error: unknown } | null = null;
    const key = `decode:${++decodes}`;
    const job = jobs.start<typeof decodeJob>('decode', { files: files.map((f) => ({ absPath: f.absPath, path: f.path })), concurrency }, {
      key,
      label: 'image decoder',
      interruptedHint: AGAIN,
      onEvent: (event) => {
        try {
          for (const { index, result } of event.results) {
            if (failure) return;
            onResult(index, result);
          }
        } catch (error) {
          // Saving failed (database, disk): stop the decoder, report this error.
          failure = { error };
          void jobs.cancel(key);
        }
      },
    });
    const outcome = await job.done;
    if (failure) throw (failure as { error: unknown }).error;
    if (outcome.status === 'completed') return;
    if (outcome.status === 'interrupted') {
      throw new FacetError('io', 'The image decoder stopped unexpectedly (a damaged or hostile image may have crashed it); Facet itself kept running.', { hint: AGAIN });
    }
    throw jobFailure(outcome.error, AGAIN);
  };
}
