// Classification metrics from predicted probabilities: cross-entropy, accuracy, confusion matrix and
// per-class precision / recall / F1 (a class never predicted has precision 0, as scikit-learn's
// zero_division=0; F1 is 0 when precision + recall is 0).
import type { PerClassMetrics, Prediction, PredictionFace } from '../../../shared/runs.js';

const EPSILON = 1e-7; // Keras clips probabilities to [ε, 1 − ε] before the log.

export interface ClassificationMetrics {
  loss: number;
  accuracy: number;
  confusion: number[][];
  perClass: PerClassMetrics[];
}

export function argmax(probs: Float32Array | number[], offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (probs[offset + j]! > probs[offset + best]!) best = j;
  return best;
}

/** One image's prediction from the model's k probabilities (in `classes` order), with the face used if any. */
export function predictionOf(path: string, classes: string[], probs: Float32Array, face?: PredictionFace): Prediction {
  const best = argmax(probs, 0, classes.length);
  return {
    path,
    class: classes[best]!,
    confidence: probs[best]!,
    probabilities: Object.fromEntries(classes.map((c, i) => [c, probs[i]!])),
    ...(face ? { face } : {}),
  };
}

/** probs: n·k row-major probabilities; labels: n true class indices. */
export function classificationMetrics(probs: Float32Array, labels: ArrayLike<number>, classes: string[]): ClassificationMetrics {
  const k = classes.length;
  const n = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, probs[i * k + label]!));
    lossSum -= Math.log(p);
    const predicted = argmax(probs, i * k, k);
    if (predicted === label) correct++;
    confusion[label]![predicted]! += 1;
  }
  const perClass = classes.map((name, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { class: name, precision, recall, f1, support };
  });
  return { loss: n === 0 ? 0 : lossSum / n, accuracy: n === 0 ? 0 : correct / n, confusion, perClass };
}
