// The CLI's one number parser and one set of number formats, used by every command.
import { describe, expect, it } from 'vitest';
import { countFlag, numberFlag, parseNumber, parseRunId } from '../../../src/main/cli/flags.js';
import { duration, fixed, percent } from '../../../src/main/cli/format.js';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as { code: string; field: string; message: string };
  }
  throw new Error('accepted');
};

describe('number flags', () => {
  it('reads whole numbers and decimals, and refuses what only Number() would accept', () => {
    expect(parseNumber('--x', '12', { integer: true })).toBe(12);
    expect(parseNumber('--x', '0.25')).toBe(0.25);
    expect(parseNumber('--x', '1e-3')).toBe(0.001);
    for (const bad of ['', ' ', '0x10', 'Infinity', '1,5', 'ten']) expect(() => parseNumber('--x', bad)).toThrow(/--x must be a number/);
    for (const bad of ['1.5', '1e3', '']) expect(() => parseNumber('--n', bad, { integer: true })).toThrow(/--n must be a whole number/);
  });

  it('names the flag and the accepted range in an invalid-argument error', () => {
    expect(refusal(() => countFlag('--limit')('-1'))).toMatchObject({ code: 'invalid-argument', field: '--limit', message: '--limit must be a whole number ≥ 0, got "-1".' });
    expect(refusal(() => numberFlag('--min-score', { min: 0, max: 1 })('2'))).toMatchObject({ message: '--min-score must be a number from 0 to 1, got "2".' });
    expect(refusal(() => numberFlag('--threshold', { max: 2, check: (n) => n > 0, accepts: 'a distance in (0, 2]' })('0'))).toMatchObject({ message: '--threshold must be a distance in (0, 2], got "0".' });
  });

  it('reads run ids as `facet runs` lists them', () => {
    expect(parseRunId('7')).toBe(7);
    expect(refusal(() => parseRunId('0'))).toMatchObject({ field: 'RUN' });
    expect(refusal(() => parseRunId('best'))).toMatchObject({ message: expect.stringContaining('"best" is not a run id') });
  });
});

describe('number formats', () => {
  it('writes percentages, fixed-point numbers and durations, with "-" for a missing value', () => {
    expect(percent(0.9234)).toBe('92.3%');
    expect(percent(1, 0)).toBe('100%');
    expect(percent(null)).toBe('-');
    expect(fixed(0.123456)).toBe('0.1235');
    expect(fixed(undefined)).toBe('-');
    expect(duration(42)).toBe('42 s');
    expect(duration(210)).toBe('3.5 min');
  });
});
