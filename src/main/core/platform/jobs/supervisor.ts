// The one supervisor of every long job's child process (training runs, audits, face analysis,
// prediction, and every kind added later). It knows no domain: it starts the job process, sends it
// the kind and arguments, relays its events, applies the one cancel grace and the one "interrupted"
// rule, and answers each job with a typed outcome whose errors keep their FacetError payload.
//
// Adding a job kind:
//   1. in the domain, `export const fooJob = defineJob('foo', async (args: FooArgs, ctx) => ...)`
//      (see protocol.ts: ctx has the workspace, the cancel signal, emit, parentGone);
//   2. register it in the list of src/main/core/job-kinds.ts (loaded by job-process.ts, the one child entry point);
//   3. in the domain's service: `jobs.start<typeof fooJob>('foo', args, { key, label, onEvent })`,
//      with `import type { fooJob }`, so the parent never loads the work's modules.
// The supervisor, the protocol and the launchers need no change.
// A long-lived process answering many requests (the image decoder) is a service: defineService in
// protocol.ts, started and restarted by JobService (service.ts) through this same supervisor.
import { FacetError, type ErrorPayload } from '../../../../shared/errors.js';
import { forkLauncher, type ChildHandle, type ProcessLauncher } from './child-process.js';
import type { AnyJobDefinition, FromJob, JobArgs, JobEvent, JobReply, JobResult, ToJob } from './protocol.js';

/** How long a cancelled job may take to stop before its process is killed (the last resort: it frees everything). */
export const CANCEL_GRACE_MS = 15_000;

/**
 * How a job ended. `interrupted` is the one rule for a process that exited without answering (killed,
 * crashed, out of memory): the domain marks its row interrupted so it can be resumed.
 */
export type JobOutcome<Result> =
  | { status: 'completed'; result: Result }
  | { status: 'failed'; error: ErrorPayload }
  | { status: 'interrupted'; error: ErrorPayload };

export interface Job<Result> {
  readonly key: string;
  readonly kind: string;
  readonly pid: number | undefined;
  /** Resolves once the child listens (or has exited): time limits count from there, not from its start-up. */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited, never rejects. */
  readonly done: Promise<JobOutcome<Result>>;
}

export interface StartOptions<Event> {
  /** Unique among running jobs (e.g. `run:12`); one is made up when omitted. */
  key?: string;
  /** The work in the user's words, for the interrupted message: "training" → "The training process exited unexpectedly". */
  label: string;
  /** What to do after an interrupted job, added to its payload as the hint. */
  interruptedHint?: string;
  onEvent?: (event: Event) => void;
  /** A service's answers to the requests sent with `request` (JobService). */
  onReply?: (reply: JobReply) => void;
}

export interface SupervisorOptions {
  workspaceDir: string;
  /** The built child entry point (resolved at the first start: tests that start no job need no build). */
  entry: () => string;
  /** child_process.fork by default; Electron passes its utilityProcess launcher. */
  launcher?: ProcessLauncher;
  cancelGraceMs?: number;
}

interface Active {
  job: Job<unknown>;
  child: ChildHandle<ToJob, FromJob>;
  send(message: ToJob): void;
  /** Resolves once the child listens (or has exited): the cancel grace counts from there. */
  ready: Promise<void>;
}

export class JobSupervisor {
  private readonly active = new Map<string, Active>();
  private next = 1;

  constructor(private readonly options: SupervisorOptions) {}

  start<J extends AnyJobDefinition>(kind: J['kind'], args: JobArgs<J>, opts: StartOptions<JobEvent<J>>): Job<JobResult<J>> {
    const key = opts.key ?? `${kind}:#${this.next++}`;
    if (this.active.has(key)) throw new FacetError('conflict', `The job ${key} is already running.`, { hint: 'Wait for it or cancel it first.' });
    const launch = this.options.launcher ?? forkLauncher;
    const child = launch(this.options.entry(), [kind]);
    // Messages wait until the child says it listens: one sent earlier could be lost.
    let ready = false;
    let markReady = () => {};
    const whenReady = new Promise<void>((resolve) => (markReady = resolve));
    const queue: ToJob[] = [];
    const send = (message: ToJob) => (ready ? child.send(message) : queue.push(message));
    let answer: JobOutcome<JobResult<J>> | null = null;
    const done = new Promise<JobOutcome<JobResult<J>>>((resolve) => {
      child.onMessage((m) => {
        if (m.type === 'ready') {
          ready = true;
          markReady();
          for (const queued of queue.splice(0)) child.send(queued);
        } else if (m.type === 'event') opts.onEvent?.(m.event as JobEvent<J>);
        else if (m.type === 'reply') opts.onReply?.(m);
        else if (m.type === 'done') answer = { status: 'completed', result: m.result as JobResult<J> };
        else if (m.type === 'failed') answer = { status: 'failed', error: m.error };
      });
      // The process exits right after its answer; the exit settles the job either way.
      child.onExit((code) => {
        markReady();
        this.active.delete(key);
        resolve(answer ?? { status: 'interrupted', error: interruptedError(opts.label, code, opts.interruptedHint) });
      });
    });
    const job: Job<JobResult<J>> = { key, kind, pid: child.pid, ready: whenReady, done };
    this.active.set(key, { job, child, send, ready: whenReady });
    send({ type: 'start', kind, workspaceDir: this.options.workspaceDir, args });
    return job;
  }

  get(key: string): Job<unknown> | undefined {
    return this.active.get(key)?.job;
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }

  /** Keys of the running jobs whose key starts with `prefix`. */
  keys(prefix = ''): string[] {
    return [...this.active.keys()].filter((k) => k.startsWith(prefix));
  }

  /** Sends a service job one request (held until the child listens); false when no such job runs. */
  request(key: string, id: number, name: string, args: unknown): boolean {
    const active = this.active.get(key);
    active?.send({ type: 'request', id, name, args });
    return active !== undefined;
  }

  /** Kills the job's process now, without asking it first (a request past its time limit); its outcome is `interrupted`. */
  kill(key: string): void {
    this.active.get(key)?.child.kill();
  }

  /**
   * Asks the job to stop at its next check and kills it if it has not within the grace; resolves with
   * its outcome once the process has exited, or null when no such job runs here.
   */
  async cancel(key: string): Promise<JobOutcome<unknown> | null> {
    const active = this.active.get(key);
    if (!active) return null;
    active.send({ type: 'cancel' });
    // The grace counts from when the child can hear the cancel, not from its start-up.
    let timer: NodeJS.Timeout | undefined;
    void active.ready.then(() => {
      if (this.active.get(key) === active) timer = setTimeout(() => active.child.kill(), this.options.cancelGraceMs ?? CANCEL_GRACE_MS);
    });
    const outcome = await active.job.done;
    clearTimeout(timer);
    return outcome;
  }

  /** Stops every job this process started (closing the workspace, quitting). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((key) => this.cancel(key)));
  }
}

function interruptedError(label: string, code: number | null, hint: string | undefined): ErrorPayload {
  const message = `The ${label} process exited unexpectedly (code ${code ?? 'signal'}).`;
  return hint ? { code: 'internal', message, hint } : { code: 'internal', message };
}

/** A job's error payload thrown again as a FacetError in the parent, with `hint` when it had none. */
export function jobFailure(e: ErrorPayload, hint?: string): FacetError {
  const h = e.hint ?? hint;
  return new FacetError(e.code, e.message, {
    ...(e.field !== undefined ? { field: e.field } : {}),
    ...(e.file !== undefined ? { file: e.file } : {}),
    ...(h !== undefined ? { hint: h } : {}),
  });
}
