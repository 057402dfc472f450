import { describe, expect, it } from 'vitest';
import { ago, describeProgress } from '../../src/renderer/labellingPace.js';

describe('labelling progress line', () => {
  it('reads like the issue asks once everything is known', () => {
    expect(describeProgress({ labelled: 312, total: 2000, labelsPerMinute: 41.3, recentSuggestionAccuracy: 0.871, recentSuggestionSample: 50 })).toBe(
      '312 of 2,000 labelled · 41 labels/min · suggestions 87% right lately',
    );
  });

  it('leaves out what is not known yet, and a percentage of too few suggestions', () => {
    expect(describeProgress({ labelled: 0, total: 2000, labelsPerMinute: null, recentSuggestionAccuracy: null, recentSuggestionSample: 0 })).toBe('0 of 2,000 labelled');
    expect(describeProgress({ labelled: 4, total: 40, labelsPerMinute: 2.45, recentSuggestionAccuracy: 1, recentSuggestionSample: 3 })).toBe('4 of 40 labelled · 2.5 labels/min');
  });

  it('says how long ago in the largest unit that fits', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(ago('2026-12-06T11:59:50Z', now)).toBe('10 s ago');
    expect(ago('2026-12-06T11:56:00Z', now)).toBe('4 min ago');
    expect(ago('2026-12-06T09:00:00Z', now)).toBe('3 h ago');
  });
});
