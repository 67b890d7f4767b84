/**
 * At most `limit` deliveries in flight per destination. A caller waits up to `waitMs` for a slot;
 * if none frees up (the destination is slow or hanging), it gets none and defers its delivery, so a
 * stuck receiver holds a bounded number of dispatch loops while a fast one is never slowed down.
 */
export class DestinationSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(
    private readonly limit: number,
    private readonly waitMs: number,
  ) {}

  acquire(destination: string): Promise<boolean> {
    const busy = this.inFlight.get(destination) ?? 0;
    if (busy < this.limit) {
      this.inFlight.set(destination, busy + 1);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const queue = this.waiters.get(destination) ?? [];
      this.waiters.set(destination, queue);
      const handOver = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(handOver), 1);
        resolve(false);
      }, this.waitMs);
      queue.push(handOver);
    });
  }

  /** Frees a slot, handing it straight to the longest waiter if there is one. */
  release(destination: string): void {
    const next = this.waiters.get(destination)?.shift();
    if (next) next();
    else this.inFlight.set(destination, (this.inFlight.get(destination) ?? 1) - 1);
  }
}
