// Job processes (training, audits, face analysis, prediction, ...) under Electron: utilityProcess.fork
// instead of child_process.fork, so they run in Node processes Electron manages. Same shape as the
// core's forkLauncher; the job protocol (core/platform/jobs/protocol.ts) is the same on both.
import { utilityProcess } from 'electron';
import { jobProcessEnv, type ProcessLauncher } from '../core/platform/jobs/child-process.js';
import type { FromJob } from '../core/platform/jobs/protocol.js';

export const utilityProcessLauncher: ProcessLauncher = (entry, args) => {
  const child = utilityProcess.fork(entry, args, { serviceName: 'Facet worker', stdio: 'inherit', env: jobProcessEnv() });
  let alive = true;
  child.on('exit', () => (alive = false));
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      if (alive) child.postMessage(m);
    },
    onMessage: (l) => child.on('message', (m: FromJob) => l(m)),
    onExit: (l) => child.on('exit', (code) => l(code)),
    kill: () => {
      child.kill();
    },
  };
};
