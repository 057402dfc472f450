// The progress of a background job from the job events the api delivers: which job runs (by its
// dataset or audit id) and in which phase, its latest progress, a cancel asked for, and its end
// (its start call answering, or its …/finished event). One job at a time per caller; the store that
// owns the job keeps the calls that start and cancel it.
import { computed, ref, shallowRef } from 'vue';
import type { EventName, EventPayload } from '../../shared/contract.js';
import { api } from '../api/index.js';

/** A job's phases, each with the event that reports its progress (many jobs have one phase). */
export type JobPhases = Record<string, EventName>;

type PhaseName<P extends JobPhases> = keyof P & string;
type ProgressOf<P extends JobPhases> = EventPayload<P[PhaseName<P>]>;

/** What a view shows: nothing running, a phase with its latest progress (null before the first event), or cancelling. */
export type JobState<P extends JobPhases> =
  | { kind: 'idle' }
  | { [K in PhaseName<P>]: { kind: K; progress: EventPayload<P[K]> | null } }[PhaseName<P>]
  | { kind: 'cancelling' };

export interface JobEventsOptions<P extends JobPhases, F extends EventName> {
  /** The id an event names its job by (its dataset, its audit); without one, every event of the phase running is the job's. */
  key?: (payload: ProgressOf<P> | EventPayload<F>) => number | null;
  /** Which progress events are the followed job's, when not simply those with its key. */
  belongs?: (payload: ProgressOf<P>) => boolean;
  /** Whether to follow a job nobody here started (another window, or before a page reload) from this progress event. */
  adopt?: (payload: ProgressOf<P>) => boolean;
  /** The event a job ends with; it ends the jobs followed with `follow` or adopted (a `run` job ends when its call answers). */
  finished?: F;
  /** After a job ended with its finished event. */
  onFinished?: (payload: EventPayload<F>) => void;
}

/** A progress event's share done, in whole percent (null when it does not count images yet). */
export function percentDone(progress: { done?: number; total?: number } | null | undefined): number | null {
  return progress && progress.total !== undefined && progress.total > 0 ? Math.round((100 * (progress.done ?? 0)) / progress.total) : null;
}

export function useJobEvents<P extends JobPhases, F extends EventName = never>(phases: P, options: JobEventsOptions<P, F> = {}) {
  /** The followed job's id (see options.key), null when none or when jobs have no id. */
  const key = ref<number | null>(null);
  /** The phase running, null when no job is followed. */
  const phase = ref<PhaseName<P> | null>(null);
  const progress = shallowRef<ProgressOf<P> | null>(null);
  const cancelling = ref(false);
  /** True for a job that ends with its finished event rather than with its start call's answer. */
  let endsWithEvent = false;
  let listening = false;

  const state = computed<JobState<P>>(() => {
    if (phase.value === null) return { kind: 'idle' };
    if (cancelling.value) return { kind: 'cancelling' };
    return { kind: phase.value, progress: progress.value } as JobState<P>;
  });

  const keyOf = (payload: ProgressOf<P> | EventPayload<F>) => options.key?.(payload) ?? null;
  const belongs = (payload: ProgressOf<P>) => (options.belongs ? options.belongs(payload) : !options.key || keyOf(payload) === key.value);

  function onProgress(event: EventName, payload: ProgressOf<P>): void {
    if (phase.value === null && options.adopt?.(payload)) {
      follow(Object.keys(phases).find((p) => phases[p] === event) as PhaseName<P>, keyOf(payload));
    }
    if (phase.value !== null && phases[phase.value] === event && belongs(payload)) progress.value = payload;
  }

  function onFinished(payload: EventPayload<F>): void {
    if (phase.value === null || !endsWithEvent || keyOf(payload) !== key.value) return;
    end();
    options.onFinished?.(payload);
  }

  /** Subscribes to the phases' events (once; before a job starts, so its first events are not missed). */
  function listen(): void {
    if (listening) return;
    listening = true;
    for (const event of new Set(Object.values(phases))) api().on(event, (payload) => onProgress(event, payload as ProgressOf<P>));
    if (options.finished) api().on(options.finished, (payload) => onFinished(payload as EventPayload<F>));
  }

  function begin(next: PhaseName<P>, id: number | null, from: ProgressOf<P> | null, byEvent: boolean): void {
    listen();
    key.value = id;
    phase.value = next;
    progress.value = from;
    cancelling.value = false;
    endsWithEvent = byEvent;
  }

  /** Runs a phase whose start call answers when the job ends (done or cancelled); returns that answer. */
  function run<T>(next: PhaseName<P>, work: () => Promise<T>, opts: { key?: number | null; progress?: ProgressOf<P> | null } = {}): Promise<T> {
    begin(next, opts.key ?? null, opts.progress ?? null, false);
    return work();
  }

  /** Follows a job until its finished event; following the same job again keeps its progress. */
  function follow(next: PhaseName<P>, id: number | null = null): void {
    const same = phase.value === next && key.value === id;
    begin(next, id, same ? progress.value : null, true);
  }

  /** Asks the job to stop with its kind's cancel call; the state says cancelling until it ends. */
  async function cancel(call: (running: PhaseName<P>) => Promise<unknown>): Promise<void> {
    if (phase.value === null || cancelling.value) return;
    cancelling.value = true;
    await call(phase.value);
  }

  /** The job is over (its call answered, failed, or it was let go). */
  function end(): void {
    key.value = null;
    phase.value = null;
    progress.value = null;
    cancelling.value = false;
    endsWithEvent = false;
  }

  return { key, phase, progress, cancelling, state, listen, run, follow, cancel, end };
}

export type JobEvents<P extends JobPhases, F extends EventName = never> = ReturnType<typeof useJobEvents<P, F>>;
