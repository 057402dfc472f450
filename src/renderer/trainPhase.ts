// What the live training panel says: one phase at a time, in the user's words, with only the numbers
// of that phase — never "Decoding images" beside an epoch and batch, never a batch while preparing.
import type { TrainProgress } from '../shared/runs.js';

export interface PhaseLine {
  title: string;
  /** The phase's own position (images prepared, epoch and batch), or null. */
  detail: string | null;
  /** Share of the whole run done, or null when unknown (an indeterminate bar). */
  fraction: number | null;
}

const STARTING = 'Starting the training process…';

function preparing(p: TrainProgress): PhaseLine {
  const counted = p.toPrepare ? { detail: `${p.prepared ?? 0} / ${p.toPrepare} images`, fraction: (p.prepared ?? 0) / p.toPrepare } : { detail: null, fraction: null };
  switch (p.task) {
    case 'decoding':
      return p.toPrepare ? { title: 'Decoding images into the cache', ...counted } : { title: 'Checking the image cache', detail: null, fraction: null };
    case 'embedding':
      return { title: 'Embedding images with the pretrained backbone', ...counted };
    case 'views':
      return { title: 'Embedding augmented views of the training images (once per view)', ...counted, detail: counted.detail?.replace(' images', ' views') ?? null };
    case 'model':
      return { title: 'Building the model', detail: null, fraction: null };
    default:
      return { title: STARTING, detail: null, fraction: null };
  }
}

/** The phase line of a run's latest progress event; before any event, the epochs done so far. */
export function describeTrainProgress(p: TrainProgress | null, run: { epochsDone: number; epochs: number }): PhaseLine {
  if (!p) return { title: STARTING, detail: null, fraction: run.epochs ? run.epochsDone / run.epochs : null };
  switch (p.phase) {
    case 'preparing':
      return preparing(p);
    case 'training':
      return {
        title: 'Training',
        detail: `epoch ${p.epoch} / ${p.epochs}${p.batches ? ` · batch ${p.batch} / ${p.batches}` : ''}`,
        fraction: p.batches ? (p.epoch - 1 + p.batch / p.batches) / p.epochs : (p.epoch - 1) / p.epochs,
      };
    case 'validating':
      return { title: 'Validating', detail: `epoch ${p.epoch} / ${p.epochs}`, fraction: p.epoch / p.epochs };
    case 'evaluating':
      return { title: 'Evaluating on the test split', detail: null, fraction: 1 };
    case 'done':
      return { title: 'Done', detail: null, fraction: 1 };
  }
}
