// Seeded randomness for the demo generator: every choice derives from (seed, purpose, ids) so files are
// byte-identical for a seed whatever order the concurrent workers finish in. Never Math.random.

import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';

export type Random = () => number;

/** A stream of its own for each (seed, parts...), so streams never overlap or depend on call order. */
export function streamFor(seed: number, ...parts: (string | number)[]): Random {
  return mulberry32(hashString(`${seed}|${parts.join('|')}`));
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
  return shuffleInPlace(items, rand);
}
