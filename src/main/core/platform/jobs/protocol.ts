// The one message protocol between the job supervisor (parent) and a job process (child), and the
// shape of a job kind. Every long job — training runs, audits, face analysis, prediction, and the
// kinds added later — speaks exactly these messages; only `args`, `event` and `result` differ by kind.
import type { ErrorPayload } from '../../../../shared/errors.js';
import type { Workspace } from '../workspace.js';

/**
 * Parent → child. `start` is sent once, after the child said `ready`; `cancel` at any time after.
 * `request` only goes to a service (a long-lived job, defineService): one piece of work, answered by
 * exactly one `reply` with the same id.
 */
export type ToJob =
  | { type: 'start'; kind: string; workspaceDir: string; args: unknown }
  | { type: 'cancel' }
  | { type: 'request'; id: number; name: string; args: unknown };

/**
 * Child → parent. `ready` first (its message listener is attached, so nothing sent is lost), then any
 * number of `event`s, then exactly one answer: `done` with the kind's result, or `failed` with the
 * FacetError payload (code, message, field, file, hint) the work threw. A child that exits without an
 * answer was killed or crashed: the supervisor calls that "interrupted".
 */
export type FromJob =
  | { type: 'ready' }
  | { type: 'event'; event: unknown }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: ErrorPayload }
  | JobReply;

/** A service's answer to one `request`: its result, or the FacetError payload that request threw. */
export type JobReply = { type: 'reply'; id: number; ok: true; result: unknown } | { type: 'reply'; id: number; ok: false; error: ErrorPayload };

/** What a job's work gets from the child runtime. */
export interface JobContext<Event> {
  /** The workspace the parent works in, opened by the runtime and closed after the work. */
  readonly workspace: Workspace;
  /** Aborted by a cancel from the parent, SIGTERM, or the parent going away: stop at the next check. */
  readonly signal: AbortSignal;
  /** Relays progress to the parent (who turns it into a contract event). */
  emit(event: Event): void;
  /**
   * The child side of the one "interrupted" rule: true when the work was stopped because the process
   * that started it went away (killed). Work that stopped for that reason is interrupted — resumable —
   * not cancelled, since nobody asked for it.
   */
  parentGone(): boolean;
  /**
   * Makes this job a service: `handle` answers each `request` the parent sends, many at a time, until
   * the job's work returns. Only defineService calls it.
   */
  serve(handle: (name: string, args: unknown) => Promise<unknown>): void;
}

/**
 * A job kind: its name and its work, run inside the job process. The type parameters are the contract
 * between the domain's parent-side service and its child-side work; `defineJob` ties them together.
 */
export interface JobDefinition<Kind extends string = string, Args = never, Event = unknown, Result = unknown> {
  readonly kind: Kind;
  run(args: Args, ctx: JobContext<Event>): Promise<Result>;
}

export function defineJob<Kind extends string, Args, Event, Result>(
  kind: Kind,
  run: (args: Args, ctx: JobContext<Event>) => Promise<Result>,
): JobDefinition<Kind, Args, Event, Result> {
  return { kind, run };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any definition, whatever its types
export type AnyJobDefinition = JobDefinition<string, any, any, any>;
type Parts<J> = J extends JobDefinition<string, infer A, infer E, infer R> ? { args: A; event: E; result: R } : never;
export type JobArgs<J> = Parts<J>['args'];
export type JobEvent<J> = Parts<J>['event'];
export type JobResult<J> = Parts<J>['result'];

/**
 * One request a service answers (the decoder's 'face-thumbnail', 'model-pixels'): its name and its
 * work in the service process. The parent asks with `JobService.request<typeof fooRequest>('foo', args)`.
 */
export interface RequestDefinition<Name extends string = string, Args = never, Result = unknown> {
  readonly name: Name;
  run(args: Args): Promise<Result>;
}

export function defineRequest<Name extends string, Args, Result>(name: Name, run: (args: Args) => Promise<Result>): RequestDefinition<Name, Args, Result> {
  return { name, run };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any definition, whatever its types
export type AnyRequestDefinition = RequestDefinition<string, any, any>;
type RequestParts<R> = R extends RequestDefinition<string, infer A, infer T> ? { args: A; result: T } : never;
export type RequestArgs<R> = RequestParts<R>['args'];
export type RequestResult<R> = RequestParts<R>['result'];

/**
 * A service: a job kind that answers the given requests until it is cancelled (stopped when idle, or
 * when the app quits). Registered in job-kinds.ts like any job; JobService (service.ts) starts it.
 */
export function defineService<Kind extends string>(kind: Kind, requests: readonly AnyRequestDefinition[]): JobDefinition<Kind, Record<string, never>, never, { answered: number }> {
  return defineJob(kind, async (_args: Record<string, never>, ctx: JobContext<never>) => {
    let answered = 0;
    ctx.serve(async (name, args) => {
      const request = requests.find((r) => r.name === name);
      if (!request) throw new Error(`The ${kind} service has no request "${name}".`);
      const result: unknown = await request.run(args);
      answered++;
      return result;
    });
    await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
    return { answered };
  });
}
