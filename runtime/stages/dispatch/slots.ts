/**
 * At most `limit` deliveries in flight per destination. A caller waits up to `waitMs` for a slot;
 * if none frees up (the destination is slow or hanging), it gets none and defers its delivery by
 * `busyDelayMs`, so a stuck receiver holds a bounded number of dispatch loops while a fast one is
 * never slowed down. While a destination stays full, the delay doubles (up to `maxDelayMs`) and
 * callers stop waiting, so a hanging receiver's messages come back seldom instead of every 250 ms;
 * the delay drops back once one of its deliveries ends.
 */
export class DestinationSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly delays = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly waitMs: number,
    private readonly minDelayMs = 250,
    private readonly maxDelayMs = 5000,
  ) {}

  acquire(destination: string): Promise<boolean> {
    const busy = this.inFlight.get(destination) ?? 0;
    if (busy < this.limit) {
      this.inFlight.set(destination, busy + 1);
      return Promise.resolve(true);
    }
    if (this.delays.has(destination)) return Promise.resolve(this.full(destination));
    return new Promise((resolve) => {
      const queue = this.waiters.get(destination) ?? [];
      this.waiters.set(destination, queue);
      const handOver = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(handOver), 1);
        resolve(this.full(destination));
      }, this.waitMs);
      queue.push(handOver);
    });
  }

  /** How long a delivery that got no slot waits before it is tried again. */
  busyDelayMs(destination: string): number {
    return this.delays.get(destination) ?? this.minDelayMs;
  }

  /** Frees a slot, handing it straight to the longest waiter if there is one. */
  release(destination: string): void {
    this.delays.delete(destination);
    const next = this.waiters.get(destination)?.shift();
    if (next) next();
    else this.inFlight.set(destination, (this.inFlight.get(destination) ?? 1) - 1);
  }

  private full(destination: string): false {
    const delay = this.delays.get(destination);
    this.delays.set(
      destination,
      delay === undefined ? this.minDelayMs : Math.min(delay * 2, this.maxDelayMs),
    );
    return false;
  }
}
