// Long-work processes (training, audits, face analysis) under Electron: utilityProcess.fork instead
// of child_process.fork, so they run in Node processes Electron manages.
import { utilityProcess } from 'electron';
import type { ProcessLauncher } from '../core/platform/jobs/child-process.js';

export const utilityProcessLauncher: ProcessLauncher = (entry, args) => {
  const child = utilityProcess.fork(entry, args, { serviceName: 'Facet worker', stdio: 'inherit' });
  let alive = true;
  child.on('exit', () => (alive = false));
  return {
    get pid() {
      return child.pid;
    },
    send: (m: unknown) => {
      if (alive) child.postMessage(m);
    },
    onMessage: (l) => child.on('message', (m) => l(m as Parameters<typeof l>[0])),
    onExit: (l) => child.on('exit', (code) => l(code)),
    kill: () => {
      child.kill();
    },
  };
};
