import { describe, expect, it } from 'vitest';
import { formatSplit, parseSplitSpec, percentToFractions, SplitPercentSchema } from '../../src/shared/splits.js';

describe('parseSplitSpec', () => {
  it('reads train/val/test percentages, decimals and spaces allowed', () => {
    expect(parseSplitSpec('80/10/10')).toEqual({ train: 80, val: 10, test: 10 });
    expect(parseSplitSpec('62.5/12.5/25')).toEqual({ train: 62.5, val: 12.5, test: 25 });
    expect(parseSplitSpec(' 70 / 30 / 0 ')).toEqual({ train: 70, val: 30, test: 0 });
    expect(parseSplitSpec('100/0/0')).toEqual({ train: 100, val: 0, test: 0 });
  });

  it.each([
    ['80/10', /train\/val\/test percentages such as 80\/10\/10/],
    ['80/10/10/0', /train\/val\/test/],
    ['a/b/c', /train\/val\/test/],
    ['', /train\/val\/test/],
    ['-10/60/50', /train\/val\/test/],
    ['80/10/5', /add up to 100/],
    ['0/50/50', /train split must be more than 0/],
    ['1e2/0/0', /train\/val\/test/],
    ['150/0/0', /100 or less|add up/],
  ])('refuses %j with a message saying what a split looks like', (spec, message) => {
    expect(() => parseSplitSpec(spec)).toThrow(message);
    try {
      parseSplitSpec(spec);
    } catch (error) {
      expect((error as Error).message).toContain(`"${spec}"`);
    }
  });

  it('accepts sums that are 100 up to floating-point error', () => {
    expect(SplitPercentSchema.safeParse({ train: 33.3, val: 33.3, test: 33.4 }).success).toBe(true);
  });
});

describe('fractions', () => {
  it('converts percentages to fractions and back to the spec users type', () => {
    const f = percentToFractions({ train: 62.5, val: 12.5, test: 25 });
    expect(f).toEqual({ train: 0.625, val: 0.125, test: 0.25 });
    expect(formatSplit(f)).toBe('62.5/12.5/25');
    expect(formatSplit(percentToFractions({ train: 80, val: 10, test: 10 }))).toBe('80/10/10');
  });
});
