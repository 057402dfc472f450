// The child side of every job process: says `ready`, waits for `start`, runs the registered kind's
// work with the workspace, a cancel signal and an event channel, answers `done` or `failed` (the
// FacetError payload, never a bare string), then exits. One process per job, so killing it frees
// every tensor and file handle, and tfjs never runs on a UI or server event loop. A service (the
// decoder) is a job that also answers `request`s, concurrently, until it is cancelled.
import { toErrorPayload } from '../../../../shared/errors.js';
import { Workspace } from '../workspace.js';
import { parentHandle } from './child-process.js';
import type { AnyJobDefinition, FromJob, ToJob } from './protocol.js';

/**
 * A kind whose module is loaded only when a job of that kind starts: a process serves one job, so it
 * loads what that job needs and nothing of the other kinds (the decoder of an import no training engine).
 */
export interface LazyJobKind {
  readonly kind: string;
  load(): Promise<AnyJobDefinition>;
}

/** Serves one job with the given kinds, then exits. Called once by the job process entry point. */
export async function serveJob(kinds: readonly (AnyJobDefinition | LazyJobKind)[]): Promise<void> {
  const port = parentHandle<ToJob, FromJob>();
  const controller = new AbortController();
  let started = false;
  let parentGone = false;
  // Requests wait here until the service's work says how to answer them.
  let handle: ((name: string, args: unknown) => Promise<unknown>) | null = null;
  const waiting: Extract<ToJob, { type: 'request' }>[] = [];
  const answer = (m: Extract<ToJob, { type: 'request' }>) =>
    void handle!(m.name, m.args).then(
      (result) => port.postMessage({ type: 'reply', id: m.id, ok: true, result }),
      (error: unknown) => port.postMessage({ type: 'reply', id: m.id, ok: false, error: toErrorPayload(error) }),
    );
  const start = new Promise<Extract<ToJob, { type: 'start' }>>((resolve) => {
    port.onMessage((m) => {
      if (m.type === 'start') resolve(m);
      else if (m.type === 'cancel') controller.abort();
      else if (m.type === 'request') {
        if (handle) answer(m);
        else waiting.push(m);
      }
    });
  });
  // SIGTERM or the parent going away stop the work at its next check, like a cancel (resumable).
  process.on('SIGTERM', () => controller.abort());
  process.on('disconnect', () => {
    parentGone = true;
    controller.abort();
    if (!started) process.exit();
  });
  port.postMessage({ type: 'ready' });

  const { kind, workspaceDir, args } = await start;
  started = true;
  const entry = kinds.find((k) => k.kind === kind);
  let workspace: Workspace | null = null;
  try {
    if (!entry) throw new Error(`No job kind "${kind}" is registered in the job process.`);
    const definition = 'load' in entry ? await entry.load() : entry;
    if (definition.kind !== kind) throw new Error(`The job kind "${kind}" loaded the work of "${definition.kind}".`);
    workspace = Workspace.open(workspaceDir);
    const result: unknown = await definition.run(args, {
      workspace,
      signal: controller.signal,
      emit: (event: unknown) => port.postMessage({ type: 'event', event }),
      parentGone: () => parentGone,
      serve: (h) => {
        handle = h;
        for (const m of waiting.splice(0)) answer(m);
      },
    });
    port.postMessage({ type: 'done', result });
  } catch (error) {
    port.postMessage({ type: 'failed', error: toErrorPayload(error) });
    process.exitCode = 1;
  } finally {
    workspace?.close();
  }
  // Worker threads or the wasm runtime may hold the event loop open; the job's rows are committed,
  // so leave once the answer has had time to reach the parent.
  setTimeout(() => process.exit(), 200).unref();
}
