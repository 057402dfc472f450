// Labelling from scratch (issue 17) in the studio: the To label queue (one image at a time, keys,
// auto-advance, skip, undo), progress, the held-out rule, suggestions shown in the grid, bulk
// acceptance, and the background jobs that keep suggestions fresh as labels arrive (embeddings
// first when missing, then a suggestions refresh; both cancelable, neither blocks anything).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { describeChange } from '../../shared/edits.js';
import type { ErrorPayload } from '../../shared/errors.js';
import type {
  AcceptResult,
  HoldoutRule,
  LabellingProgress,
  LabellingQueue,
  QueueImage,
  QueueStrategy,
  Suggestion,
  SuggestionsStatus,
} from '../../shared/labelling.js';
import { api } from '../api/index.js';
import { embedMissing } from '../composables/embedMissing.js';
import { useJobEvents, type JobState } from '../composables/jobEvents.js';
import { useClassesStore } from './classes.js';
import { asPayload } from './errors.js';
import { useLabelsStore } from './labels.js';

/** Images fetched per queue call, and how low the queue may run before the next call. */
const QUEUE_BATCH = 20;
const QUEUE_LOW = 5;
/** New labels that make a background refresh worth it (the first refresh needs two classes labelled). */
export const REFRESH_EVERY = 10;

/** The background job's phases: embeddings first when missing, then the suggestions refresh. */
const SUGGESTIONS_JOB = { embedding: 'embeddings/progress', suggesting: 'suggestions/progress' } as const;

/** What the background job is doing, for one quiet line in the view. */
export type BackgroundJob = JobState<typeof SUGGESTIONS_JOB>;

/** A suggestion as the labeller's grid and preview show it. */
export type ShownSuggestion = Pick<Suggestion, 'imageId' | 'classId' | 'className' | 'confidence'>;

/** One label given in this view, to put the image back in front on undo. */
interface Given {
  image: QueueImage;
}

export const useLabellingStore = defineStore('labelling', () => {
  const datasetId = ref<number | null>(null);
  const queue = ref<QueueImage[]>([]);
  const method = ref<LabellingQueue['method'] | null>(null);
  const strategy = ref<QueueStrategy>('active');
  const remaining = ref<number | null>(null);
  const progress = ref<LabellingProgress | null>(null);
  const holdout = ref<HoldoutRule | null>(null);
  const status = ref<SuggestionsStatus | null>(null);
  const job = useJobEvents(SUGGESTIONS_JOB, { belongs: (p) => p.datasetId === datasetId.value });
  const loading = ref(false);
  const busy = ref(false);
  const error = ref<ErrorPayload | null>(null);
  /** The background job's failure, shown quietly (labelling goes on without fresh suggestions). */
  const jobError = ref<ErrorPayload | null>(null);
  /** Suggestions of unlabelled images by id, for the labeller grid. */
  const suggestions = shallowRef(new Map<number, ShownSuggestion>());
  const skipped = new Set<number>();
  const given: Given[] = [];
  let queueGeneration = 0;

  const current = computed(() => queue.value[0] ?? null);
  const upcoming = computed(() => queue.value.slice(1, 7));

  function lastAction(text: string): void {
    useLabelsStore().lastAction = text;
  }

  /** Points the store at a dataset, forgetting the last one's queue and suggestions. */
  function use(id: number): void {
    job.listen();
    if (datasetId.value === id) return;
    datasetId.value = id;
    queue.value = [];
    skipped.clear();
    given.length = 0;
    suggestions.value = new Map();
    status.value = null;
    holdout.value = null;
    progress.value = null;
    jobError.value = null;
  }

  /**
   * The To label view is showing the queue. Picking the next images reads every unlabelled one (a
   * second or two at 100,000 images, and the core answers one call at a time), so a background
   * refresh fetches a new queue only for that view; opening it fetches one anyway.
   */
  let queueShown = false;

  async function open(id: number): Promise<void> {
    queueShown = true;
    use(id);
    loading.value = true;
    error.value = null;
    try {
      const [h] = await Promise.all([api().call('splits/holdout', { datasetId: id }), refill(true), loadStatus()]);
      holdout.value = h;
    } catch (e) {
      error.value = asPayload(e);
    } finally {
      loading.value = false;
    }
  }

  /** Tops the queue up; `reset` fetches it anew in the core's current order (after a refresh). */
  async function refill(reset = false): Promise<void> {
    const id = datasetId.value;
    if (id === null) return;
    const mine = ++queueGeneration;
    const head = reset ? current.value : null;
    const keep = reset ? [] : queue.value;
    const result = await api().call('queue/next', {
      datasetId: id,
      count: QUEUE_BATCH,
      strategy: strategy.value,
      skip: [...skipped, ...keep.map((q) => q.imageId)],
    });
    if (mine !== queueGeneration || id !== datasetId.value) return;
    method.value = result.method;
    remaining.value = result.remaining;
    progress.value = result.progress;
    const fresh = result.images.filter((img) => img.imageId !== head?.imageId);
    // The image on screen stays on screen; only its suggestion is brought up to date.
    const updatedHead = head ? (result.images.find((img) => img.imageId === head.imageId) ?? (await latest(head))) : null;
    if (mine !== queueGeneration) return;
    const seen = new Set(queue.value.map((q) => q.imageId));
    queue.value = reset ? [...(updatedHead ? [updatedHead] : []), ...fresh] : [...queue.value, ...fresh.filter((img) => !seen.has(img.imageId))];
  }

  /** The image's suggestion as the core has it now (it may be labelled elsewhere meanwhile: then gone). */
  async function latest(image: QueueImage): Promise<QueueImage | null> {
    const page = await api().call('suggestions/list', { datasetId: datasetId.value!, imageIds: [image.imageId] });
    const s = page.items[0];
    return { ...image, suggested: s?.className ?? null, suggestedClassId: s?.classId ?? null, confidence: s?.confidence ?? null };
  }

  async function loadStatus(): Promise<void> {
    if (datasetId.value === null) return;
    status.value = await api().call('suggestions/status', { datasetId: datasetId.value });
  }

  async function loadProgress(): Promise<void> {
    if (datasetId.value === null) return;
    progress.value = await api().call('queue/progress', { datasetId: datasetId.value });
  }

  function advance(): void {
    queue.value = queue.value.slice(1);
    if (queue.value.length < QUEUE_LOW) void refill().catch((e) => (error.value = asPayload(e)));
  }

  /** Labels the image in view with a class (source user) or with its suggestion (source suggestion). */
  async function label(classId: number, source: 'user' | 'suggestion' = 'user'): Promise<boolean> {
    const image = current.value;
    const id = datasetId.value;
    if (!image || id === null || busy.value) return false;
    busy.value = true;
    error.value = null;
    try {
      const change = await api().call('labels/set', { datasetId: id, imageIds: [image.imageId], classId, source });
      given.push({ image });
      const name = useClassesStore().list.find((c) => c.id === classId)?.name ?? '';
      lastAction(`${source === 'suggestion' ? 'Accepted' : 'Labelled'} ${image.path.slice(image.path.lastIndexOf('/') + 1)} → ${name}${change.changed === 0 ? ' (already)' : ''}`);
      advance();
      void afterLabels(1);
      return true;
    } catch (e) {
      error.value = asPayload(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  /** Enter: the suggestion becomes the label (source 'suggestion' in the history). */
  function acceptCurrent(): Promise<boolean> {
    const s = current.value?.suggestedClassId;
    if (s === null || s === undefined) {
      lastAction('No suggestion for this image yet: press its class key');
      return Promise.resolve(false);
    }
    return label(s, 'suggestion');
  }

  /** Passes over the image in view for this session (it stays unlabelled, and comes back another day). */
  function skip(): void {
    const image = current.value;
    if (!image) return;
    skipped.add(image.imageId);
    lastAction(`Skipped ${image.path.slice(image.path.lastIndexOf('/') + 1)}`);
    advance();
  }

  /** Ctrl+Z / Ctrl+Shift+Z through the dataset's history; an undone label brings its image back in front. */
  async function history(direction: 'undo' | 'redo'): Promise<void> {
    const id = datasetId.value;
    if (id === null || busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      const change = await api().call(direction === 'undo' ? 'labels/undo' : 'labels/redo', { datasetId: id });
      lastAction(change.editId === null ? `Nothing to ${direction}` : describeChange(direction, change));
      const touched = new Set(change.imageIds);
      if (direction === 'undo') {
        const at = given.findLastIndex((g) => touched.has(g.image.imageId));
        if (at >= 0) {
          const [back] = given.splice(at, 1);
          queue.value = [await latest(back!.image) ?? back!.image, ...queue.value.filter((q) => q.imageId !== back!.image.imageId)];
        }
      } else if (current.value && touched.has(current.value.imageId)) {
        given.push({ image: current.value });
        advance();
      }
      if (change.classChange) await useClassesStore().refresh();
      await loadProgress();
    } catch (e) {
      error.value = asPayload(e);
    } finally {
      busy.value = false;
    }
  }

  /** Counts labels since the last refresh and starts one in the background once enough arrived. */
  async function afterLabels(n: number): Promise<void> {
    try {
      if (status.value) status.value = { ...status.value, labelsSinceRefresh: status.value.labelsSinceRefresh + n };
      await Promise.all([loadProgress(), useClassesStore().refresh()]);
      if (job.phase.value === null && needsRefresh()) void refreshSuggestions();
    } catch (e) {
      error.value = asPayload(e);
    }
  }

  /** Enough new labels, at least two classes labelled, and no refresh that failed on this very state. */
  function needsRefresh(): boolean {
    const s = status.value;
    if (!s || jobError.value) return false;
    const classes = useClassesStore().list.filter((c) => c.count > 0).length;
    if (classes < 2) return false;
    return s.last === null ? true : s.labelsSinceRefresh >= REFRESH_EVERY;
  }

  /** Embeds what is missing, then refreshes suggestions; the queue picks the new order up after. */
  async function refreshSuggestions(): Promise<void> {
    const id = datasetId.value;
    if (id === null || job.phase.value !== null) return;
    jobError.value = null;
    try {
      if (!(await embedMissing(job, id))) return;
      const summary = await job.run('suggesting', () => api().call('suggestions/refresh', { datasetId: id }), { key: id });
      if (summary.status === 'skipped' && summary.note) lastAction(summary.note);
      if (id !== datasetId.value) return;
      await Promise.all([loadStatus(), queueShown ? refill(true) : Promise.resolve(), suggestions.value.size > 0 ? loadSuggestions() : Promise.resolve()]);
    } catch (e) {
      jobError.value = asPayload(e);
    } finally {
      job.end();
    }
  }

  async function cancelJob(): Promise<void> {
    const id = datasetId.value;
    if (id === null) return;
    try {
      await job.cancel((phase) => api().call(phase === 'embedding' ? 'embeddings/cancel' : 'suggestions/cancel', { datasetId: id }));
    } catch (e) {
      jobError.value = asPayload(e);
    }
  }

  /** The To label view closed: its queue waits until it opens again. */
  function leave(): void {
    queueShown = false;
  }

  function setStrategy(next: QueueStrategy): Promise<void> {
    strategy.value = next;
    return refill(true);
  }

  /** Every suggestion of the dataset, for the grid (unlabelled images only carry one). */
  async function loadSuggestions(id = datasetId.value): Promise<void> {
    if (id === null) return;
    use(id);
    if (status.value === null) await loadStatus();
    const all = await api().call('suggestions/byImage', { datasetId: id });
    const names = new Map(all.classes.map((c) => [c.id, c.name]));
    const next = new Map<number, ShownSuggestion>();
    all.imageIds.forEach((imageId, i) => {
      const classId = all.classIds[i]!;
      next.set(imageId, { imageId, classId, className: names.get(classId) ?? '', confidence: all.confidences[i]! });
    });
    suggestions.value = next;
  }

  /** Bulk acceptance: how many would be accepted (preview) or accept them (one undoable edit). */
  async function accept(args: { imageIds?: number[]; minConfidence?: number; classId?: number }, preview: boolean): Promise<AcceptResult | null> {
    const id = datasetId.value;
    if (id === null) return null;
    error.value = null;
    try {
      const result = await api().call('suggestions/accept', { datasetId: id, ...args, preview });
      if (!preview && result.count > 0) {
        useLabelsStore().patchLabels(result.accepted.map((a) => ({ imageId: a.imageId, classId: a.classId, className: a.class })));
        const next = new Map(suggestions.value);
        for (const a of result.accepted) next.delete(a.imageId);
        suggestions.value = next;
        const gone = new Set(result.accepted.map((a) => a.imageId));
        queue.value = queue.value.filter((q) => !gone.has(q.imageId));
        lastAction(`Accepted ${result.count.toLocaleString('en-US')} suggestion${result.count === 1 ? '' : 's'} as labels (Ctrl+Z undoes)`);
        void useClassesStore().refresh();
        void afterLabels(result.count);
      } else if (!preview) {
        lastAction('No suggestion matched: nothing accepted');
      }
      return result;
    } catch (e) {
      error.value = asPayload(e);
      return null;
    }
  }

  return {
    datasetId,
    queue,
    current,
    upcoming,
    method,
    strategy,
    remaining,
    progress,
    holdout,
    status,
    job: job.state,
    loading,
    busy,
    error,
    jobError,
    suggestions,
    use,
    open,
    leave,
    refill,
    afterLabels,
    label,
    acceptCurrent,
    skip,
    history,
    refreshSuggestions,
    cancelJob,
    setStrategy,
    loadSuggestions,
    accept,
  };
});
