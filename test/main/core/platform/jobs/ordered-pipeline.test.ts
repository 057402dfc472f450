// Work computed several at a time, committed one at a time in the order it was added.
import { describe, expect, it } from 'vitest';
import { OrderedPipeline } from '../../../../../src/main/core/platform/jobs/ordered-pipeline.js';

/** A task that finishes when the test says so. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('an ordered pipeline', () => {
  it('commits in the order items were added even when a later one finishes first', async () => {
    const p = new OrderedPipeline<string>(2);
    const a = gate<string>();
    const b = gate<string>();
    const committed: string[] = [];
    await p.add(() => a.promise, (r) => void committed.push(r));
    const adding = p.add(() => b.promise, (r) => void committed.push(r));
    b.open('b');
    await tick();
    expect(committed).toEqual([]); // b is done but waits for a
    a.open('a');
    await adding;
    await p.drain();
    expect(committed).toEqual(['a', 'b']);
  }, 5000);

  it('runs at most `concurrency` items, and starts the next as soon as any of them finishes', async () => {
    const p = new OrderedPipeline<number>(2);
    const gates = [gate<number>(), gate<number>(), gate<number>()];
    const started: number[] = [];
    const run = (i: number) => () => {
      started.push(i);
      return gates[i]!.promise;
    };
    await p.add(run(0), () => {});
    let secondReturned = false;
    const second = p.add(run(1), () => {}).then(() => (secondReturned = true));
    await tick();
    expect(started).toEqual([0, 1]);
    expect(secondReturned).toBe(false); // two running: the caller waits before adding a third
    gates[1]!.open(1); // the later one frees its slot: a third may start while the first still runs
    await second;
    const third = p.add(run(2), () => {});
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open(0);
    gates[2]!.open(2);
    await third;
    await p.drain();
  }, 5000);

  it('after a failure commits nothing more, waits for the running items, and throws the first error', async () => {
    const p = new OrderedPipeline<string>(3);
    const a = gate<string>();
    const b = gate<string>();
    const c = gate<string>();
    const committed: string[] = [];
    const commit = (r: string) => void committed.push(r);
    await p.add(() => a.promise, commit);
    await p.add(() => b.promise, commit);
    const adding = p.add(() => c.promise, commit);
    a.open('a');
    c.open('c');
    b.fail(new Error('worker crashed'));
    await adding.catch(() => {});
    let drained = false;
    const draining = p.drain().finally(() => (drained = true));
    await expect(draining).rejects.toThrow('worker crashed');
    expect(drained).toBe(true);
    expect(committed).toEqual(['a']);
    await expect(p.add(async () => 'd', commit)).rejects.toThrow('worker crashed');
  });

  it('fails on a commit that throws, and on a task that throws before returning a promise', async () => {
    const p = new OrderedPipeline<number>(1);
    await expect(p.add(async () => 1, () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    const q = new OrderedPipeline<number>(2);
    await q.add(() => { throw new Error('bad batch'); }, () => {});
    await expect(q.drain()).rejects.toThrow('bad batch');
  });
});
