// Data health: the label-free checks of a dataset's pictures (blurry, dark, near-duplicate groups, …),
// the thresholds that decide them (changeable without reading an image again), and the report.
import { z } from 'zod';

export const HEALTH_ISSUE_TYPES = [
  'blurry',
  'dark',
  'overexposed',
  'low-information',
  'grayscale',
  'odd-aspect-ratio',
  'odd-size',
  'near-duplicate',
  'outlier',
] as const;
export type HealthIssueType = (typeof HEALTH_ISSUE_TYPES)[number];

/** What each type means, in the user's words (view, CLI). */
export const HEALTH_ISSUE_LABELS: Record<HealthIssueType, string> = {
  blurry: 'blurry',
  dark: 'too dark',
  overexposed: 'overexposed',
  'low-information': 'nearly empty',
  grayscale: 'grayscale in a colour set',
  'odd-aspect-ratio': 'odd aspect ratio',
  'odd-size': 'odd size',
  'near-duplicate': 'near-duplicate',
  outlier: 'outlier',
};

export const HealthThresholdsSchema = z.object({
  /** Blurry above this blur effect (0 sharp … 1 flat; Crété-Roffet et al. 2007). */
  blurry: z.number().min(0).max(1).default(0.5),
  /** Dark when even the 99th luminance percentile is below this (0..255). */
  dark: z.number().min(0).max(255).default(70),
  /** Overexposed when even the 5th luminance percentile is above this (0..255). */
  overexposed: z.number().min(0).max(255).default(200),
  /** Nearly empty below this luminance entropy, in bits (0..8). */
  lowInformation: z.number().min(0).max(8).default(2),
  /** Grayscale below this mean channel spread (0..255), flagged only when most of the set is in colour. */
  grayscale: z.number().min(0).max(255).default(4),
  /** Odd when width/height is this factor or more away from the set's median aspect ratio. */
  aspectRatioFactor: z.number().min(1).max(100).default(1.6),
  /** Odd when √(width·height) is this factor or more away from the set's median size. */
  sizeFactor: z.number().min(1).max(100).default(3),
  /** Near-duplicates: dHashes at most this many bits apart… */
  duplicateHashBits: z.number().int().min(0).max(32).default(10),
  /** …and 16×16 gray signatures correlating at least this much (pixel check against look-alikes). */
  duplicateCorrelation: z.number().min(0).max(1).default(0.96),
  /** Near-duplicates by embedding: cosine distance at most this (where embeddings exist). */
  duplicateEmbeddingDistance: z.number().min(0).max(2).default(0.02),
  /** Outlier when the mean distance to its nearest neighbours is this many times the set's median. */
  outlier: z.number().min(1).max(100).default(2.2),
});
export type HealthThresholds = z.infer<typeof HealthThresholdsSchema>;
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = HealthThresholdsSchema.parse({});

export interface HealthIssue {
  type: HealthIssueType;
  imageId: number;
  path: string;
  /** Content hash (thumbnails). */
  hash: string;
  label: string | null;
  /** Severity in (0, 1]: how far past the threshold; higher is worse. Sorts the list. */
  score: number;
  /** The measure the threshold was compared with (its unit depends on the type). */
  value: number;
  /** Near-duplicates: the group's number (1, 2, …); null for other types. */
  group: number | null;
}

export interface HealthReport {
  datasetId: number;
  /** Images checked / usable images (unchecked ones were imported before the checks existed or failed to read). */
  checked: number;
  images: number;
  /** Whether embeddings fed the near-duplicate and outlier checks (and which backbone). */
  embeddings: string | null;
  thresholds: HealthThresholds;
  issues: HealthIssue[];
  /** Issues per type; near-duplicate counts groups, not images. */
  summary: Record<HealthIssueType, number>;
  /** Suspected wrong labels from the latest completed audit (null: no audit yet). */
  likelyWrongLabels: number | null;
  /**
   * Pictures being measured right now (after an import or rescan, in the health job): the report
   * holds what was measured before it; null when no measuring is under way.
   */
  measuring: HealthProgress | null;
}

/** The health job's progress (the `health/progress` event): pictures measured of those to measure. */
export interface HealthProgress {
  datasetId: number;
  done: number;
  total: number;
  /**
   * 'measuring' (the default: each new picture's own checks, done of total) or 'comparing' (the
   * pictures with each other for near-duplicates and outliers: no count; about a minute at 100,000).
   */
  phase?: 'measuring' | 'comparing';
  /** True on the job's last event; `error` says why when it did not complete. */
  finished: boolean;
  error?: string;
}

/** "37 blurry · 12 near-duplicate groups · 18 likely wrong labels" (types with none left out); null when all is well. */
export function healthLine(summary: Record<HealthIssueType, number>, likelyWrongLabels: number | null = null): string | null {
  const parts = HEALTH_ISSUE_TYPES.filter((type) => summary[type] > 0).map((type) =>
    type === 'near-duplicate' ? `${summary[type]} near-duplicate group${summary[type] === 1 ? '' : 's'}` : `${summary[type]} ${HEALTH_ISSUE_LABELS[type]}`,
  );
  if (likelyWrongLabels) parts.push(`${likelyWrongLabels} likely wrong label${likelyWrongLabels === 1 ? '' : 's'}`);
  return parts.length ? parts.join(' · ') : null;
}
