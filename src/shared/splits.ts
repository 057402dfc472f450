// Split specifications: "80/10/10" as users type them, fractions as the core stores them.
import { z } from 'zod';
import type { SplitFractions } from './domain.js';

export const DEFAULT_SPLIT: SplitFractions = { train: 0.8, val: 0.1, test: 0.1 };
export const DEFAULT_SEED = 42;

const percent = z.number().finite().min(0, 'must be 0 or more').max(100, 'must be 100 or less');

/** Percentages per split; they must add up to 100 and leave something to train on. */
export const SplitPercentSchema = z
  .object({ train: percent, val: percent, test: percent })
  .refine((s) => Math.abs(s.train + s.val + s.test - 100) < 1e-6, {
    message: 'train, val and test percentages must add up to 100 (e.g. 80/10/10)',
  })
  .refine((s) => s.train > 0, { message: 'the train split must be more than 0%' });
export type SplitPercent = z.infer<typeof SplitPercentSchema>;

/** "80/10/10" or "62.5/12.5/25" → percentages; throws a readable message when malformed. */
export function parseSplitSpec(spec: string): SplitPercent {
  const parts = spec.split('/').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) {
    throw new Error(`"${spec}" is not a split: give train/val/test percentages such as 80/10/10`);
  }
  const [train, val, test] = parts.map(Number) as [number, number, number];
  const parsed = SplitPercentSchema.safeParse({ train, val, test });
  if (!parsed.success) throw new Error(`"${spec}": ${parsed.error.issues[0]?.message ?? 'invalid split'}`);
  return parsed.data;
}

export function percentToFractions(p: SplitPercent): SplitFractions {
  return { train: p.train / 100, val: p.val / 100, test: p.test / 100 };
}

export function formatSplit(f: SplitFractions): string {
  const pct = (x: number) => String(Math.round(x * 1000) / 10);
  return `${pct(f.train)}/${pct(f.val)}/${pct(f.test)}`;
}
