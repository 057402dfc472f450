// Work items computed up to `concurrency` at once (e.g. one per worker thread) whose results are
// committed one at a time in the order the items were added: a new item starts as soon as any
// running one finishes, and a stopped pass has stored a prefix of its items, as a one-at-a-time
// pass would have. After a failure nothing more is committed: every running item is waited for
// (none is left behind) and the first error is thrown.

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Item<R> {
  settled: Promise<void>;
  outcome?: Outcome<R>;
  commit: (result: R) => void | Promise<void>;
}

export class OrderedPipeline<R> {
  private readonly items: Item<R>[] = [];
  private running = 0;
  private failure: Outcome<R> | undefined;

  constructor(private readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new Error(`An ordered pipeline needs a concurrency of at least 1, not ${concurrency}.`);
  }

  /**
   * Starts `compute` now, and returns once fewer than `concurrency` items are running (committing
   * those finished in order meanwhile): the caller's next add starts at once.
   */
  async add(compute: () => Promise<R>, commit: (result: R) => void | Promise<void>): Promise<void> {
    // Checked without awaiting first, so that `compute` starts within this call.
    if (this.failure !== undefined) await this.throwIfFailed();
    const item: Item<R> = { commit, settled: Promise.resolve() };
    this.running++;
    const settle = (outcome: Outcome<R>) => {
      item.outcome = outcome;
      this.running--;
    };
    // An async wrapper: a compute that throws at once is a failed item like any other.
    item.settled = (async () => compute())().then((value) => settle({ ok: true, value }), (error: unknown) => settle({ ok: false, error }));
    this.items.push(item);
    while (this.running >= this.concurrency) {
      await Promise.race(this.items.filter((i) => i.outcome === undefined).map((i) => i.settled));
      await this.commitReady();
    }
    await this.commitReady();
    await this.throwIfFailed();
  }

  /** Waits for every item and commits them; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.items.map((i) => i.settled));
    await this.commitReady();
    await this.throwIfFailed();
  }

  /** Commits the finished items at the head of the queue. */
  private async commitReady(): Promise<void> {
    while (this.failure === undefined && this.items[0]?.outcome !== undefined) {
      const item = this.items.shift()!;
      const outcome = item.outcome!;
      if (!outcome.ok) {
        this.failure = outcome;
        break;
      }
      try {
        await item.commit(outcome.value);
      } catch (error) {
        this.failure = { ok: false, error };
      }
    }
  }

  private async throwIfFailed(): Promise<void> {
    if (this.failure === undefined) return;
    // Nothing keeps running behind the caller's back: wait for the rest, commit none of it.
    await Promise.all(this.items.map((i) => i.settled));
    this.items.length = 0;
    throw (this.failure as { error: unknown }).error;
  }
}
