// A service: one long-lived job process that answers many requests, a few at a time (the image
// decoder: face-crop thumbnails and the export check's pictures are decoded there, never in the main
// process or the server, and one process start serves a whole grid of thumbnails). It goes through
// the one JobSupervisor (fork, or utilityProcess under Electron): started on the first request,
// started again after a crash, stopped after a while without requests and when the core closes. A
// request past its time limit kills the process. Every way a request can fail is a FacetError.
import { FacetError } from '../../../../shared/errors.js';
import type { AnyJobDefinition, AnyRequestDefinition, JobReply, RequestArgs, RequestResult } from './protocol.js';
import { jobFailure, type Job, type JobOutcome, type JobSupervisor } from './supervisor.js';

/** How long one request may take once the process has it: a decode that hangs is killed after this. */
export const SERVICE_TIME_LIMIT_MS = 30_000;
/** How long the process waits for requests before it is stopped (it starts again on the next one). */
export const SERVICE_IDLE_MS = 60_000;
/** Requests the process works on at once (each decode holds a picture's pixels); more wait in the parent. */
export const SERVICE_CONCURRENCY = 4;

export interface ServiceOptions {
  /** The service's job kind, registered with defineService in job-kinds.ts. */
  kind: string;
  /** In the user's words, for messages: "image decoder". */
  label: string;
  /** What one request works on, for messages: "picture". */
  item: string;
  /** What to do when the process crashed or took too long (added to those errors). */
  hint: string;
  concurrency?: number;
  timeLimitMs?: number;
  idleMs?: number;
}

/** A request that got no answer of its own: the process crashed, took too long, was stopped, or the caller gave up. */
export class ServiceFailure extends FacetError {
  constructor(
    readonly reason: 'crashed' | 'timed-out' | 'restarted' | 'stopped' | 'cancelled',
    message: string,
    hint?: string,
  ) {
    super(reason === 'stopped' || reason === 'cancelled' ? 'cancelled' : 'io', message, hint === undefined ? {} : { hint });
  }
}

interface Pending {
  id: number;
  name: string;
  args: unknown;
  settled: boolean;
  resolve(result: unknown): void;
  reject(error: Error): void;
  /** Runs from when the process has the request until it answers (also when the caller gave up). */
  timer?: NodeJS.Timeout;
}

interface Running {
  key: string;
  job: Job<unknown>;
  /** Sent to the process and not answered yet, including requests whose caller gave up. */
  inFlight: Map<number, Pending>;
  /** The request whose time limit killed the process (already answered with its own error). */
  timedOut: Pending | null;
  /** Stopped on purpose (idle, closing): what is still in flight was stopped, not crashed. */
  stopping: boolean;
}

export class JobService {
  private running: Running | null = null;
  private readonly queue: Pending[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly jobs: JobSupervisor,
    private readonly options: ServiceOptions,
  ) {}

  /** The process serving requests now, or null (none started yet, idle-stopped, or restarting). */
  get current(): Job<unknown> | null {
    return this.running?.job ?? null;
  }

  /**
   * Asks the service; starts its process when none runs. Rejects with the request's own FacetError,
   * or a ServiceFailure when the process crashed, took too long, was stopped, or `signal` aborted.
   */
  request<R extends AnyRequestDefinition>(name: R['name'], args: RequestArgs<R>, opts: { signal?: AbortSignal } = {}): Promise<RequestResult<R>> {
    if (this.closed) return Promise.reject(this.failure('stopped'));
    if (opts.signal?.aborted) return Promise.reject(this.failure('cancelled'));
    return new Promise<RequestResult<R>>((resolve, reject) => {
      const signal = opts.signal;
      const onAbort = () => this.abandon(pending);
      const pending: Pending = {
        id: this.nextId++,
        name,
        args,
        settled: false,
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result as RequestResult<R>);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Stops the process (after the requests in flight fail as stopped) and refuses every later request. */
  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const pending of this.queue.splice(0)) this.settle(pending, this.failure('stopped'));
    const running = this.running;
    if (!running) return;
    this.retire(running);
    await running.job.done;
  }

  /** Sends waiting requests while the process has room, starting it when needed; then watches for idleness. */
  private pump(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0 && !this.closed) {
      let running = this.running;
      if (!running) {
        try {
          running = this.startProcess();
        } catch (error) {
          // Not startable (the built entry point is missing): every waiting request gets that error.
          for (const pending of this.queue.splice(0)) this.settle(pending, error as Error);
          return;
        }
      }
      if (running.inFlight.size >= (this.options.concurrency ?? SERVICE_CONCURRENCY)) return;
      const pending = this.queue.shift()!;
      running.inFlight.set(pending.id, pending);
      this.jobs.request(running.key, pending.id, pending.name, pending.args);
      // The time limit counts from when the process listens: its start-up is not the request's work.
      const limit = this.options.timeLimitMs ?? SERVICE_TIME_LIMIT_MS;
      void running.job.ready.then(() => {
        if (running.inFlight.get(pending.id) === pending) pending.timer = setTimeout(() => this.timeLimit(running, pending), limit);
      });
    }
    this.watchIdle();
  }

  private startProcess(): Running {
    const job = this.jobs.start<AnyJobDefinition>(this.options.kind, {}, { label: this.options.label, onReply: (reply) => this.answer(running, reply) });
    const running: Running = { key: job.key, job, inFlight: new Map(), timedOut: null, stopping: false };
    this.running = running;
    void job.done.then((outcome) => this.exited(running, outcome));
    return running;
  }

  private answer(running: Running, reply: JobReply): void {
    const pending = running.inFlight.get(reply.id);
    if (!pending) return;
    running.inFlight.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) this.settle(pending, null, reply.result);
    else this.settle(pending, jobFailure(reply.error));
    this.pump();
  }

  /** A request took too long: it fails, the process is killed (what else it had fails), the queue moves to a new one. */
  private timeLimit(running: Running, pending: Pending): void {
    if (running.inFlight.get(pending.id) !== pending) return;
    running.timedOut = pending;
    this.settle(pending, this.failure('timed-out'));
    this.detach(running);
    this.jobs.kill(running.key);
    this.pump();
  }

  private exited(running: Running, outcome: JobOutcome<unknown>): void {
    this.detach(running);
    const error =
      outcome.status === 'failed' ? jobFailure(outcome.error)
      : running.timedOut ? this.failure('restarted')
      : outcome.status === 'interrupted' && !running.stopping ? this.failure('crashed')
      : this.failure('stopped');
    for (const pending of running.inFlight.values()) {
      clearTimeout(pending.timer);
      if (pending !== running.timedOut) this.settle(pending, error);
    }
    running.inFlight.clear();
    this.pump();
  }

  /** The caller gave up: a waiting request leaves the queue; a sent one keeps its place (and time limit) until the process answers. */
  private abandon(pending: Pending): void {
    const at = this.queue.indexOf(pending);
    if (at >= 0) this.queue.splice(at, 1);
    this.settle(pending, this.failure('cancelled'));
    if (at >= 0) this.watchIdle();
  }

  private watchIdle(): void {
    clearTimeout(this.idleTimer);
    const running = this.running;
    if (!running || running.inFlight.size > 0 || this.queue.length > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.running === running && running.inFlight.size === 0 && this.queue.length === 0) this.retire(running);
    }, this.options.idleMs ?? SERVICE_IDLE_MS);
    // An idle service never keeps a CLI command or a test alive.
    this.idleTimer.unref();
  }

  /** Asks the process to stop (killed after the supervisor's grace); the next request starts a new one. */
  private retire(running: Running): void {
    running.stopping = true;
    this.detach(running);
    void this.jobs.cancel(running.key);
  }

  private detach(running: Running): void {
    if (this.running === running) this.running = null;
  }

  private settle(pending: Pending, error: Error | null, result?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    if (error) pending.reject(error);
    else pending.resolve(result);
  }

  private failure(reason: ServiceFailure['reason']): ServiceFailure {
    const { label, item, hint } = this.options;
    const seconds = Math.round((this.options.timeLimitMs ?? SERVICE_TIME_LIMIT_MS) / 100) / 10;
    switch (reason) {
      case 'crashed':
        return new ServiceFailure(reason, `The ${label} stopped unexpectedly while it worked on this ${item}; Facet itself kept running.`, hint);
      case 'timed-out':
        return new ServiceFailure(reason, `The ${label} took longer than ${seconds} s on one ${item} and was stopped; Facet itself kept running.`, hint);
      case 'restarted':
        return new ServiceFailure(reason, `The ${label} was restarted before it answered, because another ${item} took too long.`, 'Try again.');
      case 'stopped':
        return new ServiceFailure(reason, `The ${label} was stopped before it answered (Facet is closing).`);
      case 'cancelled':
        return new ServiceFailure(reason, `The ${item} was no longer needed, so the ${label} was not waited for.`);
    }
  }
}
