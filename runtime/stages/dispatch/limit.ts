export interface LimitOptions {
  /** Deliveries in flight allowed at first (and after nothing was learnt yet). */
  initial: number;
  /** Never fewer (at least 1). */
  min: number;
  /** Never more (TRACARDI_DISPATCH_MAX_CONCURRENCY). */
  max: number;
}

/** Latency above `RISE × baseline + SLACK_MS` counts as rising: the receiver is queueing work. */
const RISE = 2;
/**
 * Loopback and LAN latencies are fractions of a millisecond; their jitter, and the delay of this
 * process's own busy event loop (which is in every measured latency), alone is no signal.
 */
const SLACK_MS = 5;
/** The baseline is the lowest latency of the last one or two windows of this many answers. */
const WINDOW = 500;

/**
 * How many deliveries one destination may have in flight, learnt from its answers the way TCP
 * congestion control learns a window: it doubles per round trip while the receiver's latency stays
 * near the lowest seen lately (slow start), and after the first back-off grows by one per round
 * trip; a failure (5xx, timeout, refused connection) halves it, at most once per round trip, never
 * below `min`; a rising latency takes a tenth off, but not below `initial`: a latency that rises
 * while nothing fails may be this process's own load, and `initial` was always safe to send. Growth needs answers that
 * use the limit, so a receiver that hangs or fails never earns more than it started with. Pure:
 * the caller measures latencies and reports them.
 */
export class AdaptiveLimit {
  private value: number;
  private slowStart = true;
  private windowMin = Number.POSITIVE_INFINITY;
  private previousWindowMin = Number.POSITIVE_INFINITY;
  private inWindow = 0;
  /** Answers still to come before the next back-off: one per round trip, not one per answer. */
  private holdOff = 0;

  constructor(private readonly options: LimitOptions) {
    if (options.min < 1 || options.max < options.min)
      throw new Error("concurrency limits: need 1 ≤ min ≤ max");
    this.value = clamp(options.initial, options.min, options.max);
  }

  get limit(): number {
    return Math.floor(this.value);
  }

  /** The lowest latency of late (ms); Infinity before the first answer. */
  get baselineMs(): number {
    return Math.min(this.windowMin, this.previousWindowMin);
  }

  /** A delivery was answered in `latencyMs` while `inFlight` deliveries (itself included) were out. */
  onSuccess(latencyMs: number, inFlight: number): void {
    this.observe(latencyMs);
    if (this.holdOff > 0) this.holdOff--;
    if (latencyMs > RISE * this.baselineMs + SLACK_MS) {
      if (this.value > this.options.initial) this.backOff(0.9, this.options.initial);
      return;
    }
    // Only a limit that is used tells whether more would be taken.
    if (inFlight * 2 < this.limit) return;
    this.value = Math.min(this.options.max, this.value + (this.slowStart ? 1 : 1 / this.value));
  }

  /** A delivery failed in a way that says the receiver is in trouble: 5xx, 408/429, timeout, refused. */
  onError(): void {
    if (this.holdOff > 0) this.holdOff--;
    this.backOff(0.5, this.options.min);
  }

  private backOff(factor: number, floor: number): void {
    if (this.holdOff > 0) return;
    this.slowStart = false;
    this.value = Math.max(floor, this.value * factor);
    this.holdOff = this.limit;
  }

  private observe(latencyMs: number): void {
    this.windowMin = Math.min(this.windowMin, latencyMs);
    if (++this.inWindow < WINDOW) return;
    this.previousWindowMin = this.windowMin;
    this.windowMin = Number.POSITIVE_INFINITY;
    this.inWindow = 0;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
