/**
 * Lets the collector handle different profiles at the same time: work under `shared` runs
 * alongside other shared work, work under `exclusive` (a merge, which touches several profiles)
 * runs alone. A waiting exclusive call goes before shared calls that come after it, so merges are
 * not starved.
 */
export class ExclusiveGate {
  private sharedRunning = 0;
  private exclusiveRunning = false;
  private readonly queue: { exclusive: boolean; start: () => void }[] = [];

  shared<T>(work: () => Promise<T>): Promise<T> {
    return this.run(false, work);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.run(true, work);
  }

  private async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    if (!this.mayStart(exclusive) || this.queue.length > 0)
      await new Promise<void>((start) => this.queue.push({ exclusive, start }));
    else this.enter(exclusive);
    try {
      return await work();
    } finally {
      if (exclusive) this.exclusiveRunning = false;
      else this.sharedRunning--;
      this.admit();
    }
  }

  private mayStart(exclusive: boolean): boolean {
    return exclusive ? !this.exclusiveRunning && this.sharedRunning === 0 : !this.exclusiveRunning;
  }

  private enter(exclusive: boolean): void {
    if (exclusive) this.exclusiveRunning = true;
    else this.sharedRunning++;
  }

  /** Starts waiting calls in arrival order while they may start. */
  private admit(): void {
    for (let next = this.queue[0]; next && this.mayStart(next.exclusive); next = this.queue[0]) {
      this.queue.shift();
      this.enter(next.exclusive);
      next.start();
    }
  }
}

/** Runs work holding every one of some named locks; others wanting one of them wait (no deadlock: taken in order). */
export class KeyedLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async with<T>(names: string[], work: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const name of [...new Set(names)].sort()) releases.push(await this.take(name));
      return await work();
    } finally {
      for (const release of releases) release();
    }
  }

  private async take(name: string): Promise<() => void> {
    const before = this.tails.get(name) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.tails.set(name, tail);
    await before;
    return () => {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    };
  }
}
