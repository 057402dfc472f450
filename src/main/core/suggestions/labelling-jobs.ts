// Labelling jobs of datasets (embedding passes, suggestion refreshes, maps), each in a job process
// started by the one supervisor: this side relays progress as contract events and resolves with the
// result. One job of a kind per dataset: asking again joins the one running.
import type { EventName } from '../../../shared/contract.js';
import type { BackboneName, EmbeddingsProgress, EmbeddingsSummary, MapProgress, MapSummary, SuggestionsProgress, SuggestionsSummary } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import type { embedJob } from '../embeddings/embed-job.js';
import type { PixelBackboneName } from '../embeddings/backbones.js';
import type { CoreEvents } from '../platform/events.js';
import { jobFailure, type JobSupervisor } from '../platform/jobs/supervisor.js';
import type { Workspace } from '../platform/workspace.js';
import type { mapJob, suggestJob } from './suggestion-jobs.js';

export type LabellingJobKind = 'embed' | 'suggest' | 'map';
type Result<K extends LabellingJobKind> = K extends 'embed' ? EmbeddingsSummary : K extends 'suggest' ? SuggestionsSummary : MapSummary;
type Progress = EmbeddingsProgress | SuggestionsProgress | MapProgress;

const KINDS: Record<LabellingJobKind, { progress: EventName; finished: EventName; label: string; again: string }> = {
  embed: { progress: 'embeddings/progress', finished: 'embeddings/finished', label: 'embedding', again: 'Start it again: images already embedded are skipped.' },
  suggest: { progress: 'suggestions/progress', finished: 'suggestions/finished', label: 'suggestion', again: 'Refresh the suggestions again.' },
  map: { progress: 'map/progress', finished: 'map/finished', label: 'map', again: 'Compute the map again.' },
};

export class LabellingJobs {
  private readonly active = new Map<string, { done: Promise<unknown>; backbone?: BackboneName; progress: Progress | null }>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: CoreEvents,
    private readonly jobs: JobSupervisor,
  ) {}

  run<K extends LabellingJobKind>(kind: K, datasetId: number, backbone?: BackboneName): Promise<Result<K>> {
    const key = `${kind}:${datasetId}`;
    const running = this.active.get(key);
    if (running) return running.done as Promise<Result<K>>;
    getDataset(this.ws.db, datasetId);
    const names = KINDS[kind];
    const entry: { done: Promise<unknown>; backbone?: BackboneName; progress: Progress | null } = { done: Promise.resolve(), backbone, progress: null };
    const onEvent = (p: Progress) => {
      entry.progress = p;
      this.events.emit(names.progress, p as never);
    };
    const opts = { key, label: names.label, interruptedHint: names.again, onEvent };
    const job =
      kind === 'embed'
        ? this.jobs.start<typeof embedJob>('embed', { datasetId, backbone: backbone as PixelBackboneName }, opts)
        : kind === 'suggest'
          ? this.jobs.start<typeof suggestJob>('suggest', { datasetId, ...(backbone ? { backbone } : {}) }, opts)
          : this.jobs.start<typeof mapJob>('map', { datasetId, ...(backbone ? { backbone } : {}) }, opts);
    const done = (job.done as Promise<{ status: 'completed'; result: Result<K> } | { status: 'failed' | 'interrupted'; error: Parameters<typeof jobFailure>[0] }>).then((outcome) => {
      this.active.delete(key);
      if (outcome.status === 'completed') {
        this.events.emit(names.finished, outcome.result as never);
        return outcome.result;
      }
      throw jobFailure(outcome.error, names.again);
    });
    done.catch(() => {}); // the caller gets the rejection; this only keeps it from being unhandled
    entry.done = done;
    this.active.set(key, entry);
    return done;
  }

  /** Stops a job at its next check; what was saved stays. */
  async cancel(kind: LabellingJobKind, datasetId: number): Promise<{ cancelled: boolean }> {
    const active = this.active.get(`${kind}:${datasetId}`);
    if (!active) return { cancelled: false };
    await this.jobs.cancel(`${kind}:${datasetId}`);
    await active.done.catch(() => {});
    return { cancelled: true };
  }

  running(kind: LabellingJobKind, datasetId: number): { backbone?: BackboneName; progress: Progress | null } | null {
    const active = this.active.get(`${kind}:${datasetId}`);
    return active ? { backbone: active.backbone, progress: active.progress } : null;
  }
}
