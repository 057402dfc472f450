// The Train view's time estimate: asks the core (runs/estimate) once the settings stop changing,
// keeps only the answer to the latest settings, and says what to offer when the run is long. The
// seed CNN's shows under the image size (its speed depends on it, and a faster size is one click);
// the transfer preset's under the backbone (what it embeds first, with which, then the head).
import { ref, watch, type Ref } from 'vue';
import { estimateBasis, type RunEstimate } from '../shared/estimate.js';
import type { Hyperparameters } from '../shared/hyperparameters.js';

/** Field note for the image-size field: the estimate, and the faster size as a one-click change. */
export interface FieldNote {
  text: string;
  action?: { label: string; path: string; value: string };
  /** More on hover: what the figure rests on. */
  title?: string;
}

/** What the image-size field shows for an estimate (null: nothing to show). */
export function imageSizeNote(estimate: RunEstimate | null, estimating: boolean): FieldNote | null {
  if (estimating && estimate === null) return { text: 'Estimating the training time on this machine…' };
  if (estimate === null || estimate.seconds === null) return null;
  const text = `Training: ${estimate.text}.`;
  const title = estimateBasis(estimate) ?? undefined;
  if (estimate.faster === null) return { text, title };
  return { text, title, action: { label: `Use ${estimate.faster.imageSize} px`, path: 'imageSize', value: String(estimate.faster.imageSize) } };
}

/** What the backbone field shows for a transfer run's estimate (null: nothing to show). */
export function transferNote(estimate: RunEstimate | null, estimating: boolean): FieldNote | null {
  if (estimating && estimate === null) return { text: 'Estimating the embedding and training time on this machine…' };
  if (estimate === null || estimate.seconds === null || estimate.embedding === null) return null;
  return { text: `This run takes ${estimate.text}.`, title: estimateBasis(estimate) ?? undefined };
}

/** The presets that get an estimate, and the field each shows it under. */
const ESTIMATED: Partial<Record<Hyperparameters['preset'], { field: string; note: typeof imageSizeNote }>> = {
  'seed-cnn': { field: 'imageSize', note: imageSizeNote },
  transfer: { field: 'backbone', note: transferNote },
};

/** The form's notes for the preset in the form: its estimate under the field it depends on most. */
export function estimateNotes(preset: string | undefined, estimate: RunEstimate | null, estimating: boolean): Record<string, FieldNote | null> {
  const at = ESTIMATED[preset as Hyperparameters['preset']];
  return at ? { [at.field]: at.note(estimate, estimating) } : {};
}

/**
 * `ask` is runs/estimate (the runs store's `estimate`). `refresh`: asked again when it changes too
 * (a finished run may have embedded the images a transfer estimate counted).
 */
export function useRunEstimate(
  ask: (datasetId: number, hp: Hyperparameters) => Promise<RunEstimate>,
  datasetId: () => number, settings: () => Hyperparameters | null, delayMs = 600, refresh: () => unknown = () => null,
) {
  const estimate: Ref<RunEstimate | null> = ref(null);
  const estimating = ref(false);
  let latest = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(
    () => JSON.stringify([datasetId(), settings(), refresh()]),
    () => {
      clearTimeout(timer);
      const hp = settings();
      const ticket = ++latest;
      estimate.value = null;
      if (hp === null || ESTIMATED[hp.preset] === undefined) {
        estimating.value = false;
        return;
      }
      estimating.value = true;
      timer = setTimeout(() => {
        ask(datasetId(), hp).then(
          (e) => { if (ticket === latest) estimate.value = e; },
          // An estimate is a hint: without one the form still works.
          () => undefined,
        ).finally(() => { if (ticket === latest) estimating.value = false; });
      }, delayMs);
    },
    { immediate: true },
  );
  return { estimate, estimating };
}
