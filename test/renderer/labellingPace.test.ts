import { describe, expect, it } from 'vitest';
import { describeProgress, pace, PACE_WINDOW_MS, type LabelGiven } from '../../src/renderer/labellingPace.js';

const at = (s: number, suggested: string | null, chosen: string): LabelGiven => ({ at: s * 1000, suggested, chosen });

describe('labelling pace', () => {
  it('says nothing about speed or suggestions before there is something to judge', () => {
    expect(pace([], 0)).toEqual({ perMinute: null, suggestionsRight: null, suggestionsJudged: 0 });
    expect(pace([at(0, null, 'a')], 10_000).perMinute).toBeNull();
  });

  it('counts labels per minute over the recent window only', () => {
    // 30 labels, one every 2 s, ending now: 30 per minute.
    const steady = Array.from({ length: 30 }, (_, i) => at(1000 + i * 2, null, 'a'));
    expect(pace(steady, (1000 + 60) * 1000).perMinute).toBeCloseTo(30, 0);
    // The same labels long ago no longer count.
    expect(pace(steady, 1000 * 1000 + PACE_WINDOW_MS + 120_000).perMinute).toBeNull();
  });

  it('does not read two quick keys as hundreds per minute', () => {
    expect(pace([at(0, null, 'a'), at(0.5, null, 'b')], 1000).perMinute).toBeCloseTo(6, 5);
  });

  it('judges suggestions on the last 50 labels that had one', () => {
    const old = Array.from({ length: 50 }, (_, i) => at(i, 'cat', 'dog')); // all wrong, then pushed out
    const lately = Array.from({ length: 50 }, (_, i) => at(100 + i, 'cat', i % 4 === 0 ? 'dog' : 'cat')); // 75% right
    const noSuggestion = [at(200, null, 'cat')];
    const p = pace([...old, ...lately, ...noSuggestion], 201_000);
    expect(p.suggestionsJudged).toBe(50);
    expect(p.suggestionsRight).toBeCloseTo(0.74, 2); // 13 of 50 are i % 4 === 0
  });

  it('describes progress in the words of the To label view', () => {
    const history = Array.from({ length: 41 }, (_, i) => at(i * (60 / 41), 'a', i < 36 ? 'a' : 'b'));
    const text = describeProgress(312, 2000, pace(history, 60_000));
    expect(text).toBe('312 of 2,000 labelled · 41 labels/min · suggestions 88% right lately');
    expect(describeProgress(0, 2000, pace([], 0))).toBe('0 of 2,000 labelled');
  });
});
