// Training processes under Electron: utilityProcess.fork instead of child_process.fork, so the
// trainer runs in a Node process Electron manages (no second copy of the Electron binary's GUI).
import { utilityProcess } from 'electron';
import type { TrainerLauncher } from '../core/training/runs.js';
import type { ToTrainer } from '../core/training/train-process.js';

export const utilityProcessLauncher: TrainerLauncher = (entry, args) => {
  const child = utilityProcess.fork(entry, args, { serviceName: 'Facet trainer', stdio: 'inherit' });
  let alive = true;
  child.on('exit', () => (alive = false));
  return {
    get pid() {
      return child.pid;
    },
    send: (m: ToTrainer) => {
      if (alive) child.postMessage(m);
    },
    onMessage: (l) => child.on('message', (m) => l(m as Parameters<typeof l>[0])),
    onExit: (l) => child.on('exit', (code) => l(code)),
    kill: () => {
      child.kill();
    },
  };
};
