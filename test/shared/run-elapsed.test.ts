// A run's elapsed time: live runs count from their latest start to now, ended runs stop at their end.
import { describe, expect, it } from 'vitest';
import { runElapsedSeconds } from '../../src/shared/runs.js';

const t0 = Date.parse('2026-12-06T10:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000).toISOString();

describe('runElapsedSeconds', () => {
  it('ticks with the clock while the run is live, before any epoch has ended', () => {
    const run = { status: 'running' as const, startedAt: at(0), finishedAt: null, origin: null };
    expect(runElapsedSeconds(run, t0 + 1_000)).toBe(1);
    expect(runElapsedSeconds(run, t0 + 65_000)).toBe(65);
    expect(runElapsedSeconds({ ...run, status: 'queued' }, t0 + 3_000)).toBe(3);
  });

  it('stops at the end of the run, whatever the time now', () => {
    for (const status of ['completed', 'cancelled', 'failed', 'interrupted'] as const) {
      const run = { status, startedAt: at(0), finishedAt: at(42.5), origin: null };
      expect(runElapsedSeconds(run, t0 + 50_000)).toBe(42.5);
      expect(runElapsedSeconds(run, t0 + 86_400_000)).toBe(42.5);
    }
  });

  it('has no figure for runs never started, ended without a time, or trained elsewhere', () => {
    expect(runElapsedSeconds({ status: 'queued', startedAt: null, finishedAt: null, origin: null }, t0)).toBeNull();
    expect(runElapsedSeconds({ status: 'interrupted', startedAt: at(0), finishedAt: null, origin: null }, t0)).toBeNull();
    const origin = { framework: 'pytorch' as const, torch: '2.4', processes: 2, device: 'cpu', host: 'h', importedFrom: '/x' };
    expect(runElapsedSeconds({ status: 'completed', startedAt: at(0), finishedAt: at(5), origin }, t0)).toBeNull();
  });

  it('never goes below zero when the two clocks disagree a little', () => {
    expect(runElapsedSeconds({ status: 'running', startedAt: at(2), finishedAt: null, origin: null }, t0)).toBe(0);
  });
});
