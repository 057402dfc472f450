// The Train view's time estimate: asks the core (runs/estimate) once the settings stop changing,
// keeps only the answer to the latest settings, and says what to offer when the run is long.
import { ref, watch, type Ref } from 'vue';
import type { RunEstimate } from '../shared/estimate.js';
import type { Hyperparameters } from '../shared/hyperparameters.js';

/** Field note for the image-size field: the estimate, and the faster size as a one-click change. */
export interface FieldNote {
  text: string;
  action?: { label: string; path: string; value: string };
}

/** What the image-size field shows for an estimate (null: nothing to show). */
export function imageSizeNote(estimate: RunEstimate | null, estimating: boolean): FieldNote | null {
  if (estimating && estimate === null) return { text: 'Estimating the training time on this machine…' };
  if (estimate === null || estimate.seconds === null) return null;
  const text = `Training: ${estimate.text}.`;
  if (estimate.faster === null) return { text };
  return { text, action: { label: `Use ${estimate.faster.imageSize} px`, path: 'imageSize', value: String(estimate.faster.imageSize) } };
}

/** `ask` is runs/estimate (the runs store's `estimate`). */
export function useRunEstimate(
  ask: (datasetId: number, hp: Hyperparameters) => Promise<RunEstimate>,
  datasetId: () => number, settings: () => Hyperparameters | null, delayMs = 600,
) {
  const estimate: Ref<RunEstimate | null> = ref(null);
  const estimating = ref(false);
  let latest = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(
    () => JSON.stringify([datasetId(), settings()]),
    () => {
      clearTimeout(timer);
      const hp = settings();
      const ticket = ++latest;
      estimate.value = null;
      if (hp === null || hp.preset !== 'seed-cnn') {
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
