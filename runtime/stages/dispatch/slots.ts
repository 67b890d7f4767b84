/**
 * At most `limit` deliveries in flight per destination. A caller waits up to `waitMs` for a slot (not
 * at all when the destination has been stuck longer than that); if none frees up (the destination is
 * slow or hanging), it gets none and defers its delivery by
 * `busyDelayMs`, so a stuck receiver holds a bounded number of dispatch loops while a fast one is
 * never slowed down. The delay is as long as the destination has been stuck (no delivery of it
 * ended), between `minDelayMs` and `maxDelayMs`: a hanging receiver's messages come back seldom
 * instead of every 250 ms, a busy but working one's soon.
 */
export class DestinationSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  /** When a delivery of each destination last ended (or it last got busy after being idle). */
  private readonly lastEnded = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly waitMs: number,
    private readonly minDelayMs = 250,
    private readonly maxDelayMs = 5000,
  ) {}

  acquire(destination: string, now = Date.now()): Promise<boolean> {
    const busy = this.inFlight.get(destination) ?? 0;
    if (busy < this.limit) {
      this.inFlight.set(destination, busy + 1);
      if (busy === 0) this.lastEnded.set(destination, now);
      return Promise.resolve(true);
    }
    // No delivery of it ended for longer than the wait: none is likely to within it. Not waiting keeps
    // a batch full of a hanging destination's deliveries short, so its loop goes on to other ones.
    if (now - (this.lastEnded.get(destination) ?? now) > this.waitMs) return Promise.resolve(false);
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

  /** How long a delivery that got no slot waits before it is tried again. */
  busyDelayMs(destination: string, now = Date.now()): number {
    const stuckFor = now - (this.lastEnded.get(destination) ?? now);
    return Math.min(this.maxDelayMs, Math.max(this.minDelayMs, stuckFor));
  }

  /** Frees a slot, handing it straight to the longest waiter if there is one. */
  release(destination: string): void {
    this.lastEnded.set(destination, Date.now());
    const next = this.waiters.get(destination)?.shift();
    if (next) next();
    else this.inFlight.set(destination, (this.inFlight.get(destination) ?? 1) - 1);
  }
}
