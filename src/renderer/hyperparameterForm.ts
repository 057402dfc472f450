// The train form's fields, read from the shared zod schema (kind, bounds, options, defaults), and its
// validation: the schema's own messages, attached to the field they are about.
import type { z } from 'zod';
import { CheckedHyperparametersSchema, DEFAULT_HYPERPARAMETERS, HyperparametersSchema, type Hyperparameters, type HyperparametersInput } from '../shared/hyperparameters.js';
import { issueInWords } from '../shared/user-words.js';

export type FieldKind = 'int' | 'number' | 'enum' | 'bool' | 'list';

export interface Field {
  /** Dotted path in the hyperparameters object, e.g. augmentation.rotation. */
  path: string;
  label: string;
  hint: string;
  kind: FieldKind;
  group: 'Model' | 'Training' | 'Augmentation';
  options?: readonly string[];
  min?: number;
  max?: number;
  step?: number;
}

export type FormValues = Record<string, string | boolean>;

/** Words for people; the schema knows the rest. Fields missing here still appear, named by key. */
const WORDS: Record<string, { label: string; hint: string; group: Field['group'] }> = {
  preset: { label: 'Model preset', hint: 'seed-cnn: the seed report\'s CNN on pixels. face-embedding: a dense head on the faces\' 128-d descriptors. transfer: a dense head on a pretrained backbone\'s image features.', group: 'Model' },
  backbone: { label: 'Backbone', hint: 'transfer only. mobilenet: MobileNetV2 ImageNet features (1792-d, the default). centernet: MobileNetV3 COCO-object features (480-d).', group: 'Model' },
  imageSize: { label: 'Image size (px)', hint: 'Images are resized to a square of this side.', group: 'Model' },
  colorMode: { label: 'Colour', hint: 'Grayscale trains faster and ignores colour cues.', group: 'Model' },
  filters: { label: 'Conv filters per block', hint: 'One Conv2D(3×3) + MaxPool block per number, e.g. 16, 32, 64.', group: 'Model' },
  padding: { label: 'Conv padding', hint: 'valid (seed default): each 3×3 conv trims a 1-pixel border. same: zero-padded, keeps the size; ~40% more work, often a few points more accurate.', group: 'Model' },
  denseUnits: { label: 'Dense units', hint: 'Width of the hidden dense layer.', group: 'Model' },
  dropout: { label: 'Dropout', hint: 'Fraction dropped before the last layer; 0 turns it off.', group: 'Model' },
  epochs: { label: 'Epochs', hint: 'Passes over the training split.', group: 'Training' },
  batchSize: { label: 'Batch size', hint: 'Images per gradient step.', group: 'Training' },
  optimizer: { label: 'Optimizer', hint: 'Adam is the seed default.', group: 'Training' },
  learningRate: { label: 'Learning rate', hint: 'Step size of the optimizer.', group: 'Training' },
  patience: { label: 'Early-stop patience', hint: 'Stop after this many epochs without a better val_loss; 0 never stops early.', group: 'Training' },
  seed: { label: 'Random seed', hint: 'Same seed, same data → the same run.', group: 'Training' },
  'cropToFace.enabled': { label: 'Crop to the face', hint: 'Train on the detected face instead of the whole picture.', group: 'Model' },
  'cropToFace.margin': { label: 'Face crop margin', hint: 'Extra room around the face, as a fraction of its size.', group: 'Model' },
  'augmentation.flip': { label: 'Random horizontal flip', hint: '', group: 'Augmentation' },
  'augmentation.rotation': { label: 'Random rotation', hint: 'Fraction of a turn: 0.1 = ±36°.', group: 'Augmentation' },
  'augmentation.zoom': { label: 'Random zoom', hint: '0.1 = ±10%; 0 turns it off.', group: 'Augmentation' },
  'augmentation.contrast': { label: 'Random contrast', hint: '0.2 = ×0.8–1.2; 0 turns it off.', group: 'Augmentation' },
  augmentedViews: { label: 'Augmented views', hint: 'transfer only: copies of each training image drawn with the augmentation settings, each embedded once and trained on with the originals (never val or test). A view costs one more backbone pass per training image, as much as embedding it. Off (0) by default: with 50 labelled images per class, views lowered mobilenet\'s test accuracy by about 1 point and raised centernet\'s by 2–3.', group: 'Augmentation' },
};

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (['default', 'optional', 'prefault'].includes(defOf(s).type)) s = defOf(s).innerType!;
  return s;
}

function describe(path: string, schema: z.ZodType): Field[] {
  const s = unwrap(schema);
  const def = defOf(s);
  const words = WORDS[path] ?? { label: path, hint: '', group: path.startsWith('augmentation.') ? 'Augmentation' : 'Training' };
  if (def.type === 'object') return Object.entries(def.shape ?? {}).flatMap(([k, v]) => describe(`${path}.${k}`, v));
  const base = { path, ...words };
  if (def.type === 'number') {
    const n = s as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
    const kind = n.isInt ? 'int' : 'number';
    const step = n.isInt ? 1 : (n.maxValue ?? 1) <= 1 ? 0.0001 : 0.01;
    return [{ ...base, kind, ...(n.minValue !== null && Number.isFinite(n.minValue) ? { min: n.minValue } : {}), ...(n.maxValue !== null && Number.isFinite(n.maxValue) ? { max: n.maxValue } : {}), step }];
  }
  if (def.type === 'enum') return [{ ...base, kind: 'enum', options: (s as unknown as { options: string[] }).options }];
  if (def.type === 'boolean') return [{ ...base, kind: 'bool' }];
  if (def.type === 'array') return [{ ...base, kind: 'list' }];
  return [];
}

export const FIELDS: Field[] = Object.entries(HyperparametersSchema.shape).flatMap(([k, v]) => describe(k, v as z.ZodType));

function get(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function set(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys.at(-1)!] = value;
}

/** Form values (strings as typed) from hyperparameters. */
export function toForm(hp: Hyperparameters): FormValues {
  const out: FormValues = {};
  for (const f of FIELDS) {
    const v = get(hp, f.path);
    out[f.path] = f.kind === 'bool' ? Boolean(v) : Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

export interface Checked {
  /** The parsed hyperparameters when every field is valid. */
  value: Hyperparameters | null;
  /** One message per field path, in the schema's words. */
  errors: Record<string, string>;
}

export function check(values: FormValues): Checked {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of FIELDS) {
    const raw = values[f.path];
    if (f.kind === 'bool') set(input, f.path, Boolean(raw));
    else if (f.kind === 'enum') set(input, f.path, raw);
    else if (typeof raw !== 'string' || raw.trim() === '') errors[f.path] = 'give a value';
    else if (f.kind !== 'list' && !Number.isFinite(Number(raw))) errors[f.path] = `must be ${f.kind === 'int' ? 'a whole number' : 'a number'}`;
    else if (f.kind === 'list') set(input, f.path, raw.split(/[\s,]+/).filter(Boolean).map(Number));
    else set(input, f.path, Number(raw));
  }
  const parsed = CheckedHyperparametersSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const at = issue.path.map(String).join('.');
      const field = FIELDS.find((f) => at === f.path || at.startsWith(`${f.path}.`));
      const key = field?.path ?? at;
      if (field && errors[key] === undefined) {
        errors[key] = field.kind === 'list' && at !== field.path ? `each block ${issueInWords(issue)}` : issueInWords(issue);
      }
    }
  }
  return { value: parsed.success && Object.keys(errors).length === 0 ? parsed.data : null, errors };
}

export const PRESET_CHOICES: { id: string; label: string; hp: Hyperparameters }[] = [
  { id: 'seed', label: 'Seed defaults (256 px, 50 epochs)', hp: DEFAULT_HYPERPARAMETERS },
  { id: 'quick', label: 'Quick (64 px, 12 epochs)', hp: { ...DEFAULT_HYPERPARAMETERS, imageSize: 64, epochs: 12 } },
  { id: 'faces', label: 'Face embedding (seconds; needs face analysis)', hp: { ...DEFAULT_HYPERPARAMETERS, preset: 'face-embedding', dropout: 0.3 } },
  { id: 'transfer', label: 'Transfer (pretrained features; about a minute)', hp: { ...DEFAULT_HYPERPARAMETERS, preset: 'transfer', epochs: 30, dropout: 0.3 } },
];

/** What a head on stored vectors (face-embedding, transfer) never reads: it trains on vectors, not on pixels. */
const HEAD_IGNORES = ['imageSize', 'colorMode', 'filters', 'padding', 'cropToFace', 'augmentation', 'augmentedViews'];

/** One honest line per preset: what it learns from, how long it takes, when it is the better choice. */
export const PRESET_DESCRIPTIONS: Record<string, string> = {
  'seed-cnn': 'Learns everything from your pixels (the seed report\'s CNN): minutes to hours on a CPU; the choice with many images per class, or pictures unlike everyday photos.',
  'face-embedding': 'Learns a small head on each face\'s 128-d identity descriptor: seconds, after the face analysis; the choice when the classes are people.',
  transfer: 'Learns a small head on a pretrained backbone\'s features (the backbone stays frozen; each image is embedded once, on every core, and the Backbone field says how long the run takes here): the choice with few labelled images per class. Augmented views are off by default: measured, they help centernet by a few points and not mobilenet.',
};

/** Why a whole group of fields is off for this preset, or null. */
export function groupUnusedBecause(values: FormValues): string | null {
  if (values.preset === 'face-embedding') return "Not used by face-embedding: it trains on the faces' descriptors, not on pixels.";
  return null;
}

/** Why a field does not matter with the other values as they are (shown disabled), or null. */
export function unusedBecause(path: string, values: FormValues): string | null {
  const preset = String(values.preset);
  if (preset === 'transfer' && path === 'augmentedViews') return null;
  // A transfer run draws its augmented views with the augmentation settings, when it has views.
  if (preset === 'transfer' && path.startsWith('augmentation.')) return Number(values.augmentedViews) > 0 ? null : 'used when augmented views is above 0';
  if ((preset === 'face-embedding' || preset === 'transfer') && HEAD_IGNORES.some((p) => path === p || path.startsWith(`${p}.`))) {
    return `not used by ${preset}`;
  }
  if (path === 'augmentedViews') return 'used by the transfer preset';
  if (path === 'backbone' && preset !== 'transfer') return 'used by the transfer preset';
  if (path === 'cropToFace.margin' && values['cropToFace.enabled'] !== true) return 'used when crop to the face is on';
  return null;
}

export type { HyperparametersInput };
