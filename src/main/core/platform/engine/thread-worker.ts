// A worker thread that answers typed requests, one at a time in arrival order: the parent side
// (ThreadWorker) and the worker side (serveRequests). The training replicas (replica-worker.ts) and
// the embedding backbones (embeddings/embed-worker.ts) are both this shape.
import { parentPort, Worker, type TransferListItem } from 'node:worker_threads';

export interface RequestEnvelope<Req> { id: number; request: Req }
export type ReplyEnvelope<Rep> = { id: number; ok: true; reply: Rep } | { id: number; ok: false; error: string };

interface Pending<Rep> {
  resolve(reply: Rep): void;
  reject(error: Error): void;
}

export class ThreadWorker<Req, Rep> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending<Rep>>();
  private nextId = 1;
  private failure: Error | undefined;
  /** Settles with the exit code once the thread is gone (crashed, exited, or terminated). */
  readonly exited: Promise<number>;

  /** `name` starts every error it reports, e.g. "Training worker 1". */
  constructor(url: URL, workerData: unknown, private readonly name: string) {
    this.worker = new Worker(url, { workerData });
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('message', (envelope: ReplyEnvelope<Rep>) => {
      const waiting = this.pending.get(envelope.id);
      if (waiting === undefined) return;
      this.pending.delete(envelope.id);
      if (envelope.ok) waiting.resolve(envelope.reply);
      else waiting.reject(new Error(`${name} failed: ${envelope.error}`));
    });
    this.worker.on('error', (error) => this.fail(new Error(`${name} crashed: ${error.message}`)));
    this.worker.on('messageerror', (error) => this.fail(new Error(`${name} sent an unreadable message: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`${name} stopped (exit code ${code}).`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }

  /** Why this worker can no longer answer (crashed, exited, or terminated), if it cannot. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** `transfer`: buffers of the request moved to the worker rather than copied (unusable here afterwards). */
  call(request: Req, transfer: readonly TransferListItem[] = []): Promise<Rep> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Rep>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, request } satisfies RequestEnvelope<Req>, transfer);
    });
  }

  /** Stops the thread at once; a call in flight is rejected. */
  async terminate(reason = `${this.name} was stopped.`): Promise<void> {
    this.fail(new Error(reason));
    await this.worker.terminate();
  }
}

/**
 * The worker side: answers each request with `handle`'s result, or its error's message and stack.
 * `transferOf` names the reply's buffers to move rather than copy.
 */
export function serveRequests<Req, Rep>(handle: (request: Req) => Promise<Rep> | Rep, transferOf: (reply: Rep) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (port === null) throw new Error('serveRequests must run in a worker thread.');
  let queue: Promise<void> = Promise.resolve();
  port.on('message', ({ id, request }: RequestEnvelope<Req>) => {
    queue = queue.then(async () => {
      let envelope: ReplyEnvelope<Rep>;
      try {
        envelope = { id, ok: true, reply: await handle(request) };
      } catch (error) {
        const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
        envelope = { id, ok: false, error: message };
      }
      port.postMessage(envelope, envelope.ok ? transferOf(envelope.reply) : []);
    });
  });
}
