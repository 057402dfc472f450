// Label quality audits: the settings of the fold models, and what an audit reports (suspected wrong
// labels, duplicates with different labels, near-duplicates leaking across splits, class imbalance).
import { z } from 'zod';
import type { SplitName } from './domain.js';
import type { ErrorPayload } from './errors.js';
import type { BackendName } from './runs.js';

export const SUSPECT_RANKINGS = ['self-confidence', 'normalized-margin'] as const;
export type SuspectRanking = (typeof SUSPECT_RANKINGS)[number];

/**
 * The fold models are small and quick on purpose: they only need out-of-sample probabilities good
 * enough to rank labels, not the best test accuracy.
 */
export const AuditSettingsSchema = z.object({
  /** K: every image is predicted by the one of K models that did not train on it. */
  folds: z.number().int('folds must be a whole number').min(2, 'use at least 2 folds').max(20, 'use at most 20 folds').default(5),
  imageSize: z.number().int().min(30, 'image size must be at least 30 for three conv blocks').max(256, 'image size is at most 256 for an audit').default(64),
  colorMode: z.enum(['rgb', 'grayscale']).default('rgb'),
  epochs: z.number().int().min(1, 'train for at least 1 epoch').max(200).default(8),
  batchSize: z.number().int().min(1).max(1024).default(32),
  learningRate: z.number().gt(0).max(1).default(0.001),
  filters: z.array(z.number().int().min(1).max(512)).min(1).max(6).default([16, 32, 64]),
  denseUnits: z.number().int().min(1).max(4096).default(64),
  /** Random horizontal flip while training the fold models (no rotation: it costs time, gains little here). */
  flip: z.boolean().default(true),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  ranking: z.enum(SUSPECT_RANKINGS).default('self-confidence'),
  /** Also list images whose most probable class is not their label (ranked with the confident suspects by the same score). */
  disagreements: z.boolean().default(true),
  /** Two images are near-duplicates when their 64-bit dHashes differ in at most this many bits. */
  nearDuplicateDistance: z.number().int().min(0).max(32).default(6),
  /**
   * …and their pixels (at the audit's image size) correlate at least this much. dHash alone is coarse:
   * on look-alike pictures (one face, one backdrop) unrelated pairs fall within 6 bits; re-encoded,
   * resized or brightened copies keep a correlation above 0.99.
   */
  nearDuplicateCorrelation: z.number().min(0).max(1).default(0.99),
  /** A class is flagged as rare below this fraction of an even share (0.5: half of total / classes). */
  rareClassShare: z.number().min(0).max(1).default(0.5),
  /** Worker threads of the engine (default: all cores). */
  threads: z.number().int().min(1).max(64).optional(),
});
export type AuditSettings = z.infer<typeof AuditSettingsSchema>;
export type AuditSettingsInput = z.input<typeof AuditSettingsSchema>;
export const DEFAULT_AUDIT_SETTINGS: AuditSettings = AuditSettingsSchema.parse({});

export type AuditStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface Audit {
  id: number;
  datasetId: number;
  status: AuditStatus;
  error: string | null;
  settings: AuditSettings;
  /** Model output order. */
  classes: string[];
  images: number;
  backend: BackendName | null;
  seconds: number | null;
  createdAt: string;
  finishedAt: string | null;
}

/** An image whose given label the fold models confidently disagree with. */
export interface Suspect {
  imageId: number;
  path: string;
  hash: string;
  split: SplitName | null;
  /** The label the audit saw (still the current label: fixed and kept images are left out). */
  label: string;
  labelClassId: number;
  suggested: string;
  suggestedClassId: number;
  /** The ranking value: lower is more suspect (self-confidence, or the normalized margin). */
  score: number;
  /** p(given label). */
  selfConfidence: number;
  /** p(given label) − max over other classes of p. */
  margin: number;
  /** p(suggested class). */
  suggestedConfidence: number;
  /**
   * How it was found: off the diagonal of the confident joint, pruned by noise rate (both confident
   * learning), or only because the most probable class is not the label (shown as not confident).
   */
  rule: 'confident-joint' | 'noise-rate' | 'disagreement';
  probabilities: Record<string, number>;
}

export interface AuditImageRef {
  imageId: number;
  path: string;
  hash: string;
  label: string | null;
  split: SplitName | null;
}

/** The same file content (same hash) under more than one label. */
export interface ConflictingDuplicate {
  hash: string;
  labels: string[];
  images: AuditImageRef[];
}

/** Two images that look the same (dHash within the distance) in different splits: a test image seen in training. */
export interface Leak {
  a: AuditImageRef;
  b: AuditImageRef;
  /** Hamming distance of the two dHashes (0 for identical files). */
  distance: number;
  /** Pearson correlation of the two images' pixels at the audit's image size (1 for identical files). */
  correlation: number;
  exact: boolean;
}

export interface ClassImbalance {
  counts: { class: string; count: number; share: number }[];
  /** Largest class count / smallest (Infinity shown as null when a class is empty). */
  ratio: number | null;
  /** Classes below `rareClassShare` of an even share. */
  rare: string[];
}

export interface ConfidentJointSummary {
  /** Rows: given label; columns: the class the image confidently belongs to (Northcutt et al. 2021). */
  classes: string[];
  joint: number[][];
  /** The joint rescaled to the label counts: estimated images per (given label, true class). */
  calibrated: number[][];
  thresholds: number[];
}

/**
 * Whether an audit's suspects mean something (core/quality/reliability.ts has the thresholds and why):
 * enough images in every class, and fold models clearly better than guessing the largest class.
 */
export interface AuditReliability {
  reliable: boolean;
  /** Why not, one sentence each in the user's words; empty when reliable. */
  reasons: string[];
  /** What to do about it; null when reliable. */
  advice: string | null;
  minImagesPerClass: number;
  /** The out-of-fold accuracy these class sizes need (null without images). */
  minAccuracy: number | null;
}

export interface AuditReport {
  auditId: number;
  datasetId: number;
  status: AuditStatus;
  error: string | null;
  settings: AuditSettings;
  backend: BackendName | null;
  seconds: number | null;
  images: number;
  /** Images a fold model has predicted so far (all of them once the audit completed). */
  predicted: number;
  folds: number;
  /** Out-of-sample accuracy of the fold models against the given labels. */
  accuracy: number | null;
  suspects: Suspect[];
  /** Suspects left out because someone fixed the label since, or said the label is right. */
  resolved: { relabelled: number; kept: number };
  duplicates: ConflictingDuplicate[];
  leaks: Leak[];
  imbalance: ClassImbalance | null;
  confidentJoint: ConfidentJointSummary | null;
  /** Completed audits only: whether its suspects can be trusted, and why not. */
  reliability: AuditReliability | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface AuditProgress {
  auditId: number;
  phase: 'preparing' | 'training' | 'predicting' | 'hashing' | 'done';
  fold: number;
  folds: number;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number | null;
  accuracy: number | null;
  /** Preparing / hashing: images done so far / to do. */
  done?: number;
  total?: number;
}

export interface AuditFinished {
  auditId: number;
  status: AuditStatus;
  error: string | null;  /** A failed job's error as thrown, with its code, field, file and hint (STYLE.md §6). */
  failure?: ErrorPayload;
}

export const LEAK_ACTIONS = ['move', 'drop'] as const;
export type LeakAction = (typeof LEAK_ACTIONS)[number];

export interface LeakResolution {
  imageId: number;
  action: LeakAction;
  /** move: the split the image went to. */
  split: SplitName | null;
  excluded: boolean;
}
