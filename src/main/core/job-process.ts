// The one entry point of every job process (child_process.fork under the CLI and the server,
// Electron's utilityProcess under the app). It sits above the domains because it must import their
// work; the protocol, the runtime and the supervisor live in platform/jobs.
//
// Register a new job kind here: define it in its domain with defineJob (platform/jobs/protocol.ts)
// and add it to the list below; its service starts it with JobSupervisor.start (platform/jobs/supervisor.ts).
import { decodeJobMeasuring } from './datasets/decode-job.js';
import { embedJob } from './embeddings/embed-job.js';
import { facesJob } from './faces/faces-job.js';
import { faceThumbnailRequest } from './faces/face-thumb-decode.js';
import { modelPixelsRequest } from './platform/engine/pixel-cache.js';
import { defineService } from './platform/jobs/protocol.js';
import { DECODER_KIND } from './platform/media/decoder.js';
import { serveJob } from './platform/jobs/runtime.js';
import { auditJob } from './quality/audit-job.js';
import { healthJob } from './quality/health/health-job.js';
import { measure } from './quality/health/metrics.js';
import { predictJob } from './training/predict-job.js';
import { trainJob } from './training/train-job.js';
import { mapJob, suggestJob } from './suggestions/suggestion-jobs.js';

// The image decoder service: the pictures the main process and the server would otherwise decode.
const decoderService = defineService(DECODER_KIND, [faceThumbnailRequest, modelPixelsRequest]);

// Import's decoder also takes the health checks' measures from the thumbnail pixels it already has.
await serveJob([trainJob, auditJob, facesJob, predictJob, embedJob, suggestJob, mapJob, healthJob, decodeJobMeasuring(measure), decoderService]);
