// Whether an audit's suspects can be trusted. Confident learning ranks labels by out-of-fold
// probabilities; when the fold models are weak, or a class has too few images to learn it and to
// measure its confidence threshold, most "suspects" are the models' own mistakes, not wrong labels.
import type { AuditReliability } from '../../../shared/quality.js';

/**
 * Below 20 images a class's out-of-fold accuracy is measured on under 20 images: its 95% interval is
 * wider than ±20 points (1.96·√(0.7·0.3/20) ≈ 0.20), and with 5 folds each fold model learns the
 * class from at most 16 examples. Neither the class's confidence threshold nor its suspects can then
 * be told apart from noise.
 */
export const MIN_IMAGES_PER_CLASS = 20;

/**
 * The fold models must close at least this share of the gap between always guessing the largest
 * class and being always right (a skill score; 0.6 is where Landis & Koch's "substantial" agreement
 * begins). With three even classes that is 73%, with two 80%, with ten 64%.
 */
export const MIN_SKILL = 0.6;

export interface ReliabilityInput {
  /** Images the audit covers per class (classes without images are left out). */
  classCounts: { class: string; images: number }[];
  /** Out-of-fold accuracy against the given labels. */
  accuracy: number | null;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function names(list: { class: string; images: number }[]): string {
  const parts = list.map((c) => `“${c.class}” has ${c.images}`);
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** The accuracy the fold models need with these class sizes: the largest class's share plus MIN_SKILL of the rest. */
export function minAccuracy(classCounts: ReliabilityInput['classCounts']): number | null {
  const total = classCounts.reduce((n, c) => n + c.images, 0);
  if (total === 0) return null;
  const largest = Math.max(...classCounts.map((c) => c.images)) / total;
  return largest + MIN_SKILL * (1 - largest);
}

export function auditReliability(input: ReliabilityInput): AuditReliability {
  const counts = input.classCounts.filter((c) => c.images > 0);
  const reasons: string[] = [];
  const advice: string[] = [];
  const small = counts.filter((c) => c.images < MIN_IMAGES_PER_CLASS);
  if (small.length > 0) {
    reasons.push(
      `Too few images per class: ${names(small)} ${small.length === 1 && small[0]!.images === 1 ? 'image' : 'images'}; an audit needs at least ${MIN_IMAGES_PER_CLASS} in every class to tell the models' own mistakes from wrong labels.`,
    );
    advice.push(`label at least ${MIN_IMAGES_PER_CLASS} images in every class`);
  }
  const floor = minAccuracy(counts);
  if (input.accuracy !== null && floor !== null && input.accuracy < floor) {
    const total = counts.reduce((n, c) => n + c.images, 0);
    const largest = Math.max(...counts.map((c) => c.images)) / total;
    reasons.push(
      `The fold models are right on only ${pct(input.accuracy)} of the images they never saw; with these classes an audit needs at least ${pct(floor)} (always guessing the largest class gets ${pct(largest)}), so many suspects are the models' mistakes.`,
    );
    advice.push('make the fold models stronger with more images, more epochs or a larger image size (facet audit DATASET --epochs 16 --image-size 96)');
  }
  return {
    reliable: reasons.length === 0,
    reasons,
    advice: advice.length ? `To get an audit you can rely on: ${advice.join('; ')}; then audit again.` : null,
    minImagesPerClass: MIN_IMAGES_PER_CLASS,
    minAccuracy: floor,
  };
}
