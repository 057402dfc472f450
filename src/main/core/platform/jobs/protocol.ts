// The one message protocol between the job supervisor (parent) and a job process (child), and the
// shape of a job kind. Every long job — training runs, audits, face analysis, prediction, and the
// kinds added later — speaks exactly these messages; only `args`, `event` and `result` differ by kind.
import type { ErrorPayload } from '../../../../shared/errors.js';
import type { Workspace } from '../workspace.js';

/** Parent → child. `start` is sent once, after the child said `ready`; `cancel` at any time after. */
export type ToJob = { type: 'start'; kind: string; workspaceDir: string; args: unknown } | { type: 'cancel' };

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
  | { type: 'failed'; error: ErrorPayload };

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
