// The image decoder: the one service process (platform/jobs/service.ts) where the main process and
// the server have pictures decoded that they would otherwise decode themselves — face-crop
// thumbnails, the export check's samples. A crafted or damaged file that crashes or hangs a decoder
// takes down that process, not the app; the next picture starts a new one. Its requests are defined
// next to their work (faces/face-thumb-decode.ts, engine/pixel-cache.ts) and registered in job-kinds.ts.
import type { JobSupervisor } from '../jobs/supervisor.js';
import { JobService, type ServiceOptions } from '../jobs/service.js';

/** The decoder's job kind in job-kinds.ts. */
export const DECODER_KIND = 'decoder';

export type ImageDecoder = JobService;

/** The decoder of a core; tests pass shorter time limits and idle times. */
export function imageDecoder(jobs: JobSupervisor, options: Partial<Pick<ServiceOptions, 'concurrency' | 'timeLimitMs' | 'idleMs'>> = {}): ImageDecoder {
  return new JobService(jobs, {
    kind: DECODER_KIND,
    label: 'image decoder',
    item: 'picture',
    hint: 'Try again: the decoder starts again by itself. If the same picture fails every time, it is damaged (or crafted to attack decoders): remove it from the dataset folder and rescan.',
    ...options,
  });
}
