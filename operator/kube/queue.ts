import { type BackoffOptions, backoffDelay } from "./backoff.js";

export interface ReconcileResult {
  /** Reconcile this key again after this long (time-based checks such as licence expiry). */
  requeueAfterMs?: number;
}

export interface QueueOptions {
  concurrency: number;
  backoff: BackoffOptions;
  handler: (key: string) => Promise<ReconcileResult>;
  onDone?: (key: string, outcome: "success" | "error", seconds: number, err?: unknown) => void;
  onDepth?: (depth: number) => void;
  now?: () => number;
}

/** setTimeout cannot wait longer than 2^31-1 ms; longer requeues wake early and simply reconcile. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A level-triggered work queue of keys, after client-go's: a key queued twice is reconciled once; a key
 * never runs twice at once (re-adds while it runs are deferred until it finishes); failures retry with
 * per-key exponential backoff; successes can ask to be requeued later.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: QueueOptions) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.options.onDepth?.(this.queue.length);
    this.pump();
  }

  /** Adds the key after delayMs; keeps only the earliest pending timer per key. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Forget a deleted key's retry state and timers. */
  forget(key: string): void {
    this.failures.delete(key);
    const t = this.timers.get(key);
    if (t) clearTimeout(t.timer);
    this.timers.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Drops what is queued; reconciles already running finish (await idle()). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.options.onDepth?.(0);
    if (this.running === 0) this.resolveIdle();
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when nothing is queued or running (for tests and graceful shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.options.onDepth?.(this.queue.length);
      this.active.add(key);
      this.running += 1;
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const started = this.now();
    try {
      const result = await this.options.handler(key);
      this.failures.delete(key);
      this.options.onDone?.(key, "success", (this.now() - started) / 1000);
      if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onDone?.(key, "error", (this.now() - started) / 1000, err);
      this.addAfter(key, backoffDelay(attempt, this.options.backoff));
    } finally {
      this.active.delete(key);
      this.running -= 1;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.queue.length === 0 && this.running === 0) this.resolveIdle();
    }
  }
}
