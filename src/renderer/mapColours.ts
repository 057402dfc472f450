// What the map's points look like: positions scaled into the WebGL square, and one colour category per
// point for each "colour by" choice, with the legend that explains it. Plain data, tested in Node.
import type { SplitName } from '../shared/domain.js';

export const COLOUR_MODES = ['label', 'split', 'confidence', 'suspects'] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];

/** The facts about one point the colours are taken from. */
export interface PointFacts {
  classId: number | null;
  suggestedClassId: number | null;
  /** The suggestion's confidence in [0, 1], when there is a suggestion. */
  confidence: number | null;
  split: SplitName | null;
  suspect: boolean;
}

export interface LegendEntry {
  label: string;
  colour: string;
  count: number;
}

export interface Colouring {
  /** One integer per point: its index in `palette`. */
  category: Uint16Array;
  palette: string[];
  /** The categories in use, in the palette's order, with how many points each has. */
  legend: LegendEntry[];
}

export interface ClassInfo {
  id: number;
  name: string;
  colour: string;
}

export interface Theme {
  /** The map's background: suggestions are their class colour blended toward it. */
  background: string;
  /** Points with nothing to show (unlabelled, no suggestion). */
  neutral: string;
}

/** Scales positions into [-1, 1] keeping the aspect ratio, with a margin so edge points are not cut. */
export function toClipSpace(xs: ArrayLike<number>, ys: ArrayLike<number>, margin = 0.04): { x: Float32Array; y: Float32Array } {
  const n = xs.length;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, xs[i]!);
    maxX = Math.max(maxX, xs[i]!);
    minY = Math.min(minY, ys[i]!);
    maxY = Math.max(maxY, ys[i]!);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const scale = (2 * (1 - margin)) / span;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (xs[i]! - cx) * scale;
    y[i] = (ys[i]! - cy) * scale;
  }
  return { x, y };
}

function rgb(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  const v = Number.parseInt(full, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** `amount` of the way from colour a to colour b. */
export function mix(a: string, b: string, amount: number): string {
  const [r1, g1, b1] = rgb(a);
  const [r2, g2, b2] = rgb(b);
  const c = (x: number, y: number) => Math.round(x + (y - x) * amount).toString(16).padStart(2, '0');
  return `#${c(r1, r2)}${c(g1, g2)}${c(b1, b2)}`;
}

const SPLIT_COLOURS: Record<SplitName, string> = { train: '#3b82f6', val: '#e0793a', test: '#a463d6' };
/** Low to high confidence, five bands (colour-blind safe: orange → blue). */
const CONFIDENCE_BANDS = [
  { upTo: 0.5, label: 'suggested, under 50%', colour: '#d95f02' },
  { upTo: 0.7, label: 'suggested, 50–70%', colour: '#e6a23c' },
  { upTo: 0.8, label: 'suggested, 70–80%', colour: '#b8b86a' },
  { upTo: 0.9, label: 'suggested, 80–90%', colour: '#5fa2d6' },
  { upTo: Infinity, label: 'suggested, 90% or more', colour: '#1f5fbf' },
];
/** How far a suggestion's colour is blended toward the background: visibly the class, visibly not a label. */
const SUGGESTION_FADE = 0.45;

export function colourPoints(points: readonly PointFacts[], mode: ColourMode, classes: readonly ClassInfo[], theme: Theme): Colouring {
  const palette: string[] = [];
  const labels: string[] = [];
  const index = new Map<string, number>();
  const category = new Uint16Array(points.length);
  const counts: number[] = [];
  const slot = (key: string, label: string, colour: string): number => {
    let at = index.get(key);
    if (at === undefined) {
      at = palette.length;
      index.set(key, at);
      palette.push(colour);
      labels.push(label);
      counts.push(0);
    }
    return at;
  };
  // Declare the categories in legend order first, so the legend reads the same whatever the data.
  const byId = new Map(classes.map((c) => [c.id, c]));
  if (mode === 'label') {
    for (const c of classes) slot(`l${c.id}`, c.name, c.colour);
    for (const c of classes) slot(`s${c.id}`, `${c.name} (suggested)`, mix(c.colour, theme.background, SUGGESTION_FADE));
    slot('none', 'unlabelled, no suggestion', theme.neutral);
  } else if (mode === 'split') {
    for (const s of ['train', 'val', 'test'] as const) slot(s, s, SPLIT_COLOURS[s]);
    slot('none', 'no split (unlabelled)', theme.neutral);
  } else if (mode === 'confidence') {
    CONFIDENCE_BANDS.forEach((b, i) => slot(`c${i}`, b.label, b.colour));
    slot('labelled', 'labelled', mix(theme.neutral, theme.background, 0.5));
    slot('none', 'unlabelled, no suggestion', theme.neutral);
  } else {
    slot('suspect', 'audit suspect', '#d64545');
    slot('labelled', 'not suspected', mix(theme.neutral, theme.background, 0.3));
    slot('none', 'unlabelled', mix(theme.neutral, theme.background, 0.6));
  }
  points.forEach((p, i) => {
    let at: number;
    if (mode === 'label') {
      if (p.classId !== null && byId.has(p.classId)) at = index.get(`l${p.classId}`)!;
      else if (p.classId === null && p.suggestedClassId !== null && byId.has(p.suggestedClassId)) at = index.get(`s${p.suggestedClassId}`)!;
      else at = index.get('none')!;
    } else if (mode === 'split') {
      at = index.get(p.split ?? 'none')!;
    } else if (mode === 'confidence') {
      if (p.classId !== null) at = index.get('labelled')!;
      else if (p.confidence !== null) at = index.get(`c${CONFIDENCE_BANDS.findIndex((b) => p.confidence! < b.upTo)}`)!;
      else at = index.get('none')!;
    } else {
      at = index.get(p.suspect ? 'suspect' : p.classId !== null ? 'labelled' : 'none')!;
    }
    category[i] = at;
    counts[at]!++;
  });
  const legend = palette.map((colour, i) => ({ label: labels[i]!, colour, count: counts[i]! })).filter((e) => e.count > 0);
  return { category, palette, legend };
}
