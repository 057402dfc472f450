// Labelling jobs of datasets (embedding passes, suggestion refreshes, maps), each in its own process
// like face analysis: this side starts the process, relays its progress as events and resolves with
// its result. One job of a kind per dataset: asking again joins the one running.
import { FacetError, type ErrorPayload } from '../../../shared/errors.js';
import type { EventName } from '../../../shared/contract.js';
import type { BackboneName, EmbeddingsSummary, MapSummary, SuggestionsSummary } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import type { CoreEvents } from '../platform/events.js';
import { builtSibling } from '../platform/files/built-file.js';
import { forkLauncher, type ChildHandle, type ProcessLauncher } from '../platform/jobs/child-process.js';
import type { Workspace } from '../platform/workspace.js';
import type { FromLabelling, LabellingJobKind, ToLabelling } from './labelling-process.js';

type Result<K extends LabellingJobKind> = K extends 'embed' ? EmbeddingsSummary : K extends 'suggest' ? SuggestionsSummary : MapSummary;

const EVENTS: Record<LabellingJobKind, { progress: EventName; finished: EventName; noun: string }> = {
  embed: { progress: 'embeddings/progress', finished: 'embeddings/finished', noun: 'embedding pass' },
  suggest: { progress: 'suggestions/progress', finished: 'suggestions/finished', noun: 'suggestion refresh' },
  map: { progress: 'map/progress', finished: 'map/finished', noun: 'map' },
};

const CANCEL_GRACE_MS = 10_000;

export class LabellingJobs {
  private readonly active = new Map<string, { child: ChildHandle<ToLabelling, FromLabelling>; done: Promise<unknown>; backbone?: BackboneName }>();
  /** The latest progress of each running job, for status calls. */
  private readonly latest = new Map<string, unknown>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly launcher: ProcessLauncher = forkLauncher,
  ) {}

  run<K extends LabellingJobKind>(kind: K, datasetId: number, backbone?: BackboneName): Promise<Result<K>> {
    const key = `${kind}:${datasetId}`;
    const running = this.active.get(key);
    if (running) return running.done as Promise<Result<K>>;
    getDataset(this.ws.db, datasetId);
    const entry = builtSibling(import.meta.url, './labelling-process.js');
    const child = this.launcher(entry, [this.ws.dir, kind, String(datasetId), ...(backbone ? [backbone] : [])]) as ChildHandle<ToLabelling, FromLabelling>;
    const names = EVENTS[kind];
    const done = new Promise<Result<K>>((resolve, reject) => {
      let outcome: { result: Result<K> } | { error: ErrorPayload } | null = null;
      child.onMessage((m) => {
        if (m.type === 'progress') {
          this.latest.set(key, m.progress);
          this.events.emit(names.progress, m.progress as never);
        } else if (m.type === 'finished') outcome = { result: m.result as Result<K> };
        else outcome = { error: m.error };
      });
      child.onExit((code) => {
        this.active.delete(key);
        this.latest.delete(key);
        const o = outcome as { result: Result<K> } | { error: ErrorPayload } | null;
        if (o && 'result' in o) {
          this.events.emit(names.finished, o.result as never);
          resolve(o.result);
          return;
        }
        const e = o?.error;
        reject(
          new FacetError(e?.code ?? 'internal', e?.message ?? `The ${names.noun} process exited unexpectedly (code ${code ?? 'signal'}).`, {
            ...(e?.file ? { file: e.file } : {}),
            ...(e?.field ? { field: e.field } : {}),
            hint: e?.hint ?? `Start the ${names.noun} again: work already saved is kept.`,
          }),
        );
      });
    });
    done.catch(() => {}); // the caller gets the rejection; this only keeps it from being unhandled
    this.active.set(key, { child, done, backbone });
    return done;
  }

  /** Stops a job at its next check; what was saved stays. */
  async cancel(kind: LabellingJobKind, datasetId: number): Promise<{ cancelled: boolean }> {
    const active = this.active.get(`${kind}:${datasetId}`);
    if (!active) return { cancelled: false };
    active.child.send({ type: 'cancel' });
    const timer = setTimeout(() => active.child.kill(), CANCEL_GRACE_MS);
    await active.done.catch(() => {});
    clearTimeout(timer);
    return { cancelled: true };
  }

  running(kind: LabellingJobKind, datasetId: number): { backbone?: BackboneName; progress: unknown } | null {
    const key = `${kind}:${datasetId}`;
    const active = this.active.get(key);
    return active ? { backbone: active.backbone, progress: this.latest.get(key) ?? null } : null;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.active.keys()].map((key) => {
        const [kind, id] = key.split(':') as [LabellingJobKind, string];
        return this.cancel(kind, Number(id));
      }),
    );
  }
}
