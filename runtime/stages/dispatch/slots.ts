import { AdaptiveLimit, type LimitOptions } from "./limit.js";

/**
 * What a delivery that held a slot tells of its destination: `healthy` — it answered, and not with
 * trouble (2xx, or a 4xx about this one delivery); `failing` — it answered with trouble (5xx, 408,
 * 429) or refused the connection at once; `unanswered` — no answer until the delivery gave up.
 */
export type Verdict = "healthy" | "failing" | "unanswered";

/** Failing answers in a row that park a destination (Envoy's outlier detection ejects after 5 5xx). */
export const FAILURES_TO_PARK = 5;

/**
 * At most `limit` deliveries in flight per destination: a number is a fixed limit; options make it
 * adaptive per destination (see AdaptiveLimit), learnt from what `record` reports. A caller waits up to `waitMs` for a slot (not
 * at all when the destination has been stuck longer than that, beyond reading the answers already
 * here), and on while the destination keeps answering, up to `maxWaitMs`; if none frees up (the
 * destination is slow or hanging), it gets none and defers its delivery by `busyDelayMs`, so a stuck
 * receiver holds a bounded number of connections while a fast one is never slowed down.
 *
 * A destination whose delivery went unanswered until it gave up (a timeout), or that failed
 * `FAILURES_TO_PARK` times in a row, is parked: one delivery at a time (the probe) until one is
 * answered without trouble, and after a failed answer the next probe only once it has been parked
 * for as long again (between `minDelayMs` and `maxDelayMs`). The deliveries it turns away are deferred
 * until the probe has decided (its timeout) or for as long as it has been parked if that is longer,
 * spread over up to half as long again, so they come back one by one, not every few hundred
 * milliseconds and together in bursts, and not ever more often while its backlog grows. A failing
 * receiver is not hammered with every delivery's retries meanwhile, and neither is the queue.
 */
export class DestinationSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Destinations whose waiters a timer will look at. */
  private readonly sweeps = new Set<string>();
  /** When a delivery of each destination last ended (or it last got busy after being idle). */
  private readonly lastEnded = new Map<string, number>();
  /** Parked destinations: when their probe (or the oldest delivery in flight) will have decided, or the next may go. */
  private readonly decidedBy = new Map<string, number>();
  /** Failing answers in a row, per destination. */
  private readonly failures = new Map<string, number>();
  /** Parked destinations: since when. */
  private readonly parkedSince = new Map<string, number>();
  private readonly limits = new Map<string, AdaptiveLimit>();
  private readonly limitOptions: LimitOptions;

  constructor(
    limit: number | LimitOptions,
    private readonly waitMs: number,
    private readonly minDelayMs = 250,
    private readonly maxDelayMs = 5000,
    private readonly random: () => number = Math.random,
    private readonly maxParkedDelayMs = 5 * 60_000,
    private readonly maxWaitMs = 1000,
  ) {
    this.limitOptions = typeof limit === "number" ? { initial: limit, min: limit, max: limit } : limit;
  }

  /** Deliveries the destination may have in flight now. */
  limitOf(destination: string): number {
    return this.adaptive(destination).limit;
  }

  /**
   * What a delivery that held a slot learnt: answered in `latencyMs`, or `failed` (the receiver is
   * in trouble: a 5xx, 408/429, a timeout, a refused connection). Call before `release`.
   */
  record(destination: string, outcome: { latencyMs: number; failed: boolean }): void {
    const limit = this.adaptive(destination);
    if (outcome.failed) limit.onError();
    else limit.onSuccess(outcome.latencyMs, this.inFlight.get(destination) ?? 1);
  }

  private adaptive(destination: string): AdaptiveLimit {
    let limit = this.limits.get(destination);
    if (!limit) {
      limit = new AdaptiveLimit(this.limitOptions);
      this.limits.set(destination, limit);
    }
    return limit;
  }

  /** A slot for a delivery that gives up after `timeoutMs`; false: none now, defer it. */
  acquire(destination: string, timeoutMs = 0, now = Date.now()): Promise<boolean> {
    const busy = this.inFlight.get(destination) ?? 0;
    const decidedBy = this.decidedBy.get(destination);
    const parked = decidedBy !== undefined;
    if (parked ? busy === 0 && now >= decidedBy : busy < this.limitOf(destination)) {
      this.inFlight.set(destination, busy + 1);
      if (busy === 0) this.lastEnded.set(destination, now);
      if (parked) this.decidedBy.set(destination, now + timeoutMs);
      return Promise.resolve(true);
    }
    // Its probe is out, or the last one failed a moment ago: decided when the next probe ends.
    if (parked) return Promise.resolve(false);
    // No delivery of it ended for longer than the wait: none is likely to within it. Not waiting keeps
    // a batch full of a hanging destination's deliveries short; only answers already here count.
    const stuck = now - (this.lastEnded.get(destination) ?? now) > this.waitMs;
    return new Promise((resolve) => {
      let queue = this.waiters.get(destination);
      if (!queue) {
        queue = [];
        this.waiters.set(destination, queue);
      }
      const waiter: Waiter = { resolve, since: Date.now() };
      queue.push(waiter);
      if (!stuck) return this.sweepLater(destination);
      afterPendingIo(() => {
        const at = queue.indexOf(waiter);
        if (at < 0) return;
        queue.splice(at, 1);
        resolve(false);
      });
    });
  }

  /**
   * One timer per destination with waiters, not one per waiter (hundreds wait on a busy destination,
   * each re-armed every `waitMs` while it answers): every `waitMs` the waiters whose wait is over give
   * up, all at once when the destination no longer answers.
   */
  private sweepLater(destination: string): void {
    if (this.sweeps.has(destination)) return;
    this.sweeps.add(destination);
    setTimeout(() => afterPendingIo(() => this.sweep(destination)), this.waitMs);
  }

  private sweep(destination: string): void {
    this.sweeps.delete(destination);
    const queue = this.waiters.get(destination);
    if (!queue || queue.length === 0) return;
    const now = Date.now();
    // Full but answering (a delivery of it ended within the wait): a slot frees up in a moment, sooner
    // and for less than a deferral would take, so its waiters wait on, up to `maxWaitMs`.
    const answering = now - (this.lastEnded.get(destination) ?? 0) <= this.waitMs;
    const patience = answering ? this.maxWaitMs - this.waitMs : this.waitMs;
    // In order of arrival: those whose wait is over are at the front.
    let over = 0;
    while (over < queue.length && now - (queue[over] as Waiter).since >= patience) over++;
    for (const waiter of queue.splice(0, over)) waiter.resolve(false);
    if (queue.length > 0) this.sweepLater(destination);
  }

  private park(destination: string, now: number): void {
    this.decidedBy.set(destination, now);
    this.parkedSince.set(destination, now);
  }

  /** Whether the destination takes one delivery at a time until one is answered. */
  isParked(destination: string): boolean {
    return this.decidedBy.has(destination);
  }

  /**
   * How long a delivery that got no slot waits before it is tried again: of a parked destination,
   * until its probe has decided, and at least as long as it has been parked (up to
   * `maxParkedDelayMs`), so the deliveries waiting for a long-dead destination come back about as
   * often as new ones arrive, not more often the longer it is dead; otherwise as long as it has
   * been stuck (no delivery of it ended), between `minDelayMs` and `maxDelayMs`. Spread over up to
   * half as long again.
   */
  busyDelayMs(destination: string, now = Date.now()): number {
    const decidedBy = this.decidedBy.get(destination);
    const parkedFor = now - (this.parkedSince.get(destination) ?? now);
    const base =
      decidedBy === undefined
        ? Math.min(this.maxDelayMs, Math.max(this.minDelayMs, now - (this.lastEnded.get(destination) ?? now)))
        : Math.max(this.minDelayMs, decidedBy - now, Math.min(this.maxParkedDelayMs, parkedFor));
    return Math.round(base * (1 + this.random() / 2));
  }

  /**
   * Frees a slot, handing it straight to the longest waiter if there is one (and to more of them
   * when the limit has grown meanwhile; to none when it has shrunk below what is in flight), with
   * what the delivery told of the destination (undefined: nothing, it was not sent): `healthy`
   * unparks it, `unanswered` parks it, `failing` parks it after `FAILURES_TO_PARK` in a row.
   */
  release(destination: string, verdict?: Verdict, now = Date.now()): void {
    this.lastEnded.set(destination, now);
    const parked = this.decidedBy.has(destination);
    if (verdict === "healthy") {
      this.decidedBy.delete(destination);
      this.parkedSince.delete(destination);
      this.failures.delete(destination);
    } else if (verdict === "unanswered" && !parked) {
      this.park(destination, now);
    } else if (verdict === "failing") {
      const inARow = (this.failures.get(destination) ?? 0) + 1;
      this.failures.set(destination, inARow);
      if (!parked && inARow >= FAILURES_TO_PARK) this.park(destination, now);
      // The next probe once it has been parked for as long again: a receiver that answers 500 at
      // once would otherwise take a probe with every delivery.
      if (parked || inARow >= FAILURES_TO_PARK) {
        const parkedFor = now - (this.parkedSince.get(destination) ?? now);
        this.decidedBy.set(
          destination,
          now + Math.min(this.maxDelayMs, Math.max(this.minDelayMs, parkedFor)),
        );
      }
    }
    const queue = this.waiters.get(destination);
    let busy = (this.inFlight.get(destination) ?? 1) - 1;
    // Parked: its waiters are turned away (the next probe goes when acquire allows it).
    const limit = this.decidedBy.has(destination) ? 0 : this.limitOf(destination);
    if (limit === 0) for (const waiter of queue?.splice(0) ?? []) waiter.resolve(false);
    while (busy < limit && queue !== undefined && queue.length > 0) {
      busy++;
      (queue.shift() as Waiter).resolve(true);
    }
    this.inFlight.set(destination, busy);
  }
}

interface Waiter {
  resolve: (slot: boolean) => void;
  /** When it began to wait. */
  since: number;
}

/**
 * Runs `then` once the answers that have arrived meanwhile have been read. Timers run before I/O in
 * a turn of the event loop, so after the loop was busy for longer than a wait, the wait's timer
 * would fire while the answers that free slots are still unread: a healthy destination's delivery
 * would be deferred only because the process was busy. Two turns: the current one may have polled
 * for I/O already.
 */
function afterPendingIo(then: () => void): void {
  setImmediate(() => setImmediate(then));
}
