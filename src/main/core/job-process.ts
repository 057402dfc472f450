// The one entry point of every job process (child_process.fork under the CLI and the server,
// Electron's utilityProcess under the app). It sits above the domains because it must import their
// work; the protocol, the runtime and the supervisor live in platform/jobs.
//
// Register a new job kind here: define it in its domain with defineJob (platform/jobs/protocol.ts)
// and add it to the list below; its service starts it with JobSupervisor.start (platform/jobs/supervisor.ts).
import { embedJob } from './embeddings/embed-job.js';
import { facesJob } from './faces/faces-job.js';
import { serveJob } from './platform/jobs/runtime.js';
import { auditJob } from './quality/audit-job.js';
import { predictJob } from './training/predict-job.js';
import { trainJob } from './training/train-job.js';
import { mapJob, suggestJob } from './suggestions/suggestion-jobs.js';

await serveJob([trainJob, auditJob, facesJob, predictJob, embedJob, suggestJob, mapJob]);
