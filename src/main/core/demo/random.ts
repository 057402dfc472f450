// Seeded randomness for the demo generator: every choice derives from (seed, purpose, ids) so files are
// byte-identical for a seed whatever order the concurrent workers finish in. Never Math.random.

export type Random = () => number;

/** mulberry32: tiny 32-bit PRNG, plenty for procedural art; returns floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream of its own for each (seed, parts...), so streams never overlap or depend on call order. */
export function streamFor(seed: number, ...parts: (string | number)[]): Random {
  // FNV-1a over the seed and the parts, then one mulberry32 step to spread the bits.
  let h = 0x811c9dc5;
  for (const ch of `${seed}|${parts.join('|')}`) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mulberry32(h);
}

export function uniform(rand: Random, min: number, max: number): number {
  return min + (max - min) * rand();
}

export function intBetween(rand: Random, min: number, maxInclusive: number): number {
  return min + Math.floor(rand() * (maxInclusive - min + 1));
}

export function pick<T>(rand: Random, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick() from an empty list');
  return item;
}

/** Approximately normal (sum of uniforms), mean 0 and standard deviation 1. Cheap enough per pixel. */
export function gaussian(rand: Random): number {
  // Four uniforms have variance 4/12; scaling by √3 brings it to 1.
  return (rand() + rand() + rand() + rand() - 2) * SQRT3;
}
const SQRT3 = Math.sqrt(3);

export function shuffle<T>(rand: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}
