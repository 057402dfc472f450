// The transport under the job supervisor: the parent's handle on a job process, and the child's
// handle on its parent. child_process.fork under the CLI and the server; Electron passes a
// utilityProcess-backed launcher with the same shape (src/main/electron/launcher.ts).
import { fork } from 'node:child_process';
import os from 'node:os';
import type { FromJob, ToJob } from './protocol.js';

/** The parent's view of a child process speaking messages ToChild → / ← FromChild. */
export interface ChildHandle<ToChild, FromChild> {
  readonly pid: number | undefined;
  send(message: ToChild): void;
  onMessage(listener: (message: FromChild) => void): void;
  onExit(listener: (code: number | null) => void): void;
  /** The last resort of cancel: frees every tensor and file handle of the child. */
  kill(): void;
}

/** Starts `entry` (a built .js file) with `args`; every job process speaks the protocol of protocol.ts. */
export type ProcessLauncher = (entry: string, args: string[]) => ChildHandle<ToJob, FromJob>;

/**
 * The environment of a job process: this one's, with libuv's thread pool as large as the cores (4 at
 * least, its default; at most 16). sharp decodes each image on one of these threads, so with the
 * default of 4 an import on an 8-core machine would use half of it.
 */
export function jobProcessEnv(): NodeJS.ProcessEnv {
  return { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? String(Math.max(4, Math.min(16, os.availableParallelism()))) };
}

export const forkLauncher: ProcessLauncher = (entry, args) => {
  // The entry is built JavaScript: none of this process's own Node flags (execArgv) are passed on,
  // as Electron's utilityProcess passes none. Under tsx (scripts, benches) they are its loader hooks,
  // through which a job process took ~1.5 s more CPU to load its modules before any work.
  const child = fork(entry, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', execArgv: [], env: jobProcessEnv() });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      // A child that is dying refuses the message (EPIPE); its exit listener reports what happened,
      // so the error is dropped here instead of crashing the parent as an unhandled 'error' event.
      if (child.connected) child.send(m, (error) => void error);
    },
    onMessage: (l) => child.on('message', (m) => l(m as FromJob)),
    onExit: (l) => child.on('exit', (code) => l(code)),
    kill: () => child.kill('SIGKILL'),
  };
};

/** The child's view of its parent: process.send under fork, process.parentPort under Electron. */
export interface ParentHandle<ToChild, FromChild> {
  postMessage(message: FromChild): void;
  onMessage(listener: (message: ToChild) => void): void;
}

export function parentHandle<ToChild, FromChild>(): ParentHandle<ToChild, FromChild> {
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (ev: { data: ToChild }) => void): void } })
    .parentPort;
  if (electronPort) {
    return { postMessage: (m) => electronPort.postMessage(m), onMessage: (l) => electronPort.on('message', (ev) => l(ev.data)) };
  }
  return {
    postMessage: (m) => {
      if (process.connected) process.send?.(m);
    },
    onMessage: (l) => process.on('message', (m) => l(m as ToChild)),
  };
}

