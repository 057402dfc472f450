import { describe, expect, it } from 'vitest';
import { colourPoints, mix, toClipSpace, type PointFacts } from '../../src/renderer/mapColours.js';

const theme = { background: '#ffffff', neutral: '#888888' };
const classes = [
  { id: 1, name: 'cat', colour: '#3b82f6' },
  { id: 2, name: 'dog', colour: '#e0793a' },
];
const p = (over: Partial<PointFacts>): PointFacts => ({ classId: null, suggestedClassId: null, confidence: null, split: null, suspect: false, ...over });

describe('map colours', () => {
  it('scales any coordinates into the WebGL square, keeping the aspect ratio', () => {
    const { x, y } = toClipSpace([10, 30, 20], [5, 5, 10], 0);
    expect([...x]).toEqual([-1, 1, 0]);
    // y spans 5 of x's 20: it keeps that proportion instead of stretching to [-1, 1].
    expect([...y].map((v) => Math.round(v * 100) / 100)).toEqual([-0.25, -0.25, 0.25]);
    const one = toClipSpace([3], [4]);
    expect([one.x[0], one.y[0]]).toEqual([0, 0]);
  });

  it('colours labels by class, suggestions as a faded class colour, and counts them apart', () => {
    const points = [p({ classId: 1, split: 'train' }), p({ suggestedClassId: 1, confidence: 0.95 }), p({ suggestedClassId: 2, confidence: 0.4 }), p({})];
    const c = colourPoints(points, 'label', classes, theme);
    const colourOf = (i: number) => c.palette[c.category[i]!];
    expect(colourOf(0)).toBe('#3b82f6');
    expect(colourOf(1)).toBe(mix('#3b82f6', '#ffffff', 0.45));
    expect(colourOf(1)).not.toBe(colourOf(0));
    expect(colourOf(3)).toBe('#888888');
    expect(c.legend).toEqual([
      { label: 'cat', colour: '#3b82f6', count: 1 },
      { label: 'cat (suggested)', colour: mix('#3b82f6', '#ffffff', 0.45), count: 1 },
      { label: 'dog (suggested)', colour: mix('#e0793a', '#ffffff', 0.45), count: 1 },
      { label: 'unlabelled, no suggestion', colour: '#888888', count: 1 },
    ]);
  });

  it('colours by split, confidence band and audit suspicion', () => {
    const points = [p({ classId: 1, split: 'test', suspect: true }), p({ suggestedClassId: 2, confidence: 0.9 }), p({ suggestedClassId: 2, confidence: 0.55 }), p({})];
    const split = colourPoints(points, 'split', classes, theme);
    expect(split.legend.map((e) => [e.label, e.count])).toEqual([['test', 1], ['no split (unlabelled)', 3]]);
    const conf = colourPoints(points, 'confidence', classes, theme);
    expect(conf.legend.map((e) => [e.label, e.count])).toEqual([
      ['suggested, 50–70%', 1],
      ['suggested, 90% or more', 1],
      ['labelled', 1],
      ['unlabelled, no suggestion', 1],
    ]);
    const suspects = colourPoints(points, 'suspects', classes, theme);
    expect(suspects.legend.map((e) => [e.label, e.count])).toEqual([['audit suspect', 1], ['unlabelled', 3]]);
  });

  it('mixes hex colours', () => {
    expect(mix('#000000', '#ffffff', 0.5)).toBe('#808080');
    expect(mix('#fff', '#000', 0)).toBe('#ffffff');
  });
});
