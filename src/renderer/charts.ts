// Series of the epoch charts, and the colours that tell runs apart when curves are overlaid.
import type { EpochMetrics } from '../shared/runs.js';

export interface Series {
  label: string;
  /** One value per epoch (index 0 = epoch 1); null where there is none. */
  data: (number | null)[];
  color: string;
  dashed?: boolean;
}

const RUN_COLORS = ['#2f6fde', '#e0793a', '#2fa37a', '#a463d6', '#d64f7a', '#c9a227', '#3aa6c2', '#7b8794'];

export function runColor(i: number): string {
  return RUN_COLORS[i % RUN_COLORS.length]!;
}

/** Values by epoch number, so a resumed run with a gap still lines up. */
export function byEpoch(epochs: EpochMetrics[], pick: (e: EpochMetrics) => number | null): (number | null)[] {
  const n = Math.max(0, ...epochs.map((e) => e.epoch));
  const out: (number | null)[] = Array.from({ length: n }, () => null);
  for (const e of epochs) out[e.epoch - 1] = pick(e);
  return out;
}
