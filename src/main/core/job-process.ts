// The one entry point of every job process (child_process.fork under the CLI and the server,
// Electron's utilityProcess under the app). It sits above the domains because it must reach their
// work (job-kinds.ts lists it); the protocol, the runtime and the supervisor live in platform/jobs.
import { JOB_KINDS } from './job-kinds.js';
import { serveJob } from './platform/jobs/runtime.js';

await serveJob(JOB_KINDS);
