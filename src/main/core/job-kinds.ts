// Every job kind the job process serves, each loaded only when a job of that kind starts (one
// process per job): an import's decoder loads sharp and the health measures, not the training
// engine, the face models or the audit (~0.3 s less CPU at each start, bench:import).
//
// Register a new job kind here: define it in its domain with defineJob (platform/jobs/protocol.ts)
// and add it to the list below under the same name; its service starts it with JobSupervisor.start
// (platform/jobs/supervisor.ts). A test loads every entry and checks the names agree.
import { defineService } from './platform/jobs/protocol.js';
import type { LazyJobKind } from './platform/jobs/runtime.js';
import { DECODER_KIND } from './platform/media/decoder.js';

export const JOB_KINDS: readonly LazyJobKind[] = [
  { kind: 'train', load: async () => (await import('./training/train-job.js')).trainJob },
  { kind: 'audit', load: async () => (await import('./quality/audit-job.js')).auditJob },
  { kind: 'faces', load: async () => (await import('./faces/faces-job.js')).facesJob },
  { kind: 'predict', load: async () => (await import('./training/predict-job.js')).predictJob },
  { kind: 'embed', load: async () => (await import('./embeddings/embed-job.js')).embedJob },
  { kind: 'suggest', load: async () => (await import('./suggestions/suggestion-jobs.js')).suggestJob },
  { kind: 'map', load: async () => (await import('./suggestions/suggestion-jobs.js')).mapJob },
  { kind: 'health', load: async () => (await import('./quality/health/health-job.js')).healthJob },
  { kind: 'decode', load: async () => (await import('./datasets/decode-job.js')).decodeJob },
  {
    // The image decoder service: the pictures the main process and the server would otherwise decode.
    kind: DECODER_KIND,
    load: async () => {
      const [{ faceThumbnailRequest }, { modelPixelsRequest }] = await Promise.all([import('./faces/face-thumb-decode.js'), import('./platform/engine/pixel-cache.js')]);
      return defineService(DECODER_KIND, [faceThumbnailRequest, modelPixelsRequest]);
    },
  },
];
