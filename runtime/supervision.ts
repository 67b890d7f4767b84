/** How a crashed thread or loop is restarted, and when its crashing is reported. */
export interface RestartPolicy {
  /** This many crashes within `windowMs` make the process report the failure (`/readyz` 503). */
  maxRestarts: number;
  windowMs: number;
  /** Delay before the first restart; doubles with every crash still in the window, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface Crash {
  at: number;
  message: string;
}

/**
 * The crashes of one supervised thing within the policy's window: how long to wait before the next
 * restart, and whether it crashes too often to be called healthy. Times are passed in (pure).
 */
export class CrashHistory {
  private crashes: Crash[] = [];

  constructor(readonly policy: RestartPolicy) {}

  /** Records a crash; returns how long to wait before restarting. */
  crashed(at: number, error: unknown): number {
    this.forget(at);
    this.crashes.push({ at, message: describeError(error) });
    const { baseDelayMs, maxDelayMs } = this.policy;
    return Math.min(baseDelayMs * 2 ** (this.crashes.length - 1), maxDelayMs);
  }

  /** Crashes within the window ending at `now`. */
  recent(now: number): number {
    this.forget(now);
    return this.crashes.length;
  }

  get last(): Crash | null {
    return this.crashes.at(-1) ?? null;
  }

  /** True once `maxRestarts` crashes fall within the window ending at `now`. */
  failing(now: number): boolean {
    return this.policy.maxRestarts > 0 && this.recent(now) >= this.policy.maxRestarts;
  }

  /**
   * What the process reports while `failing`: a stable sentence (logged once with `pipeline problem: `,
   * and again with `pipeline recovered: ` when the crashes leave the window).
   */
  problem(what: string, now: number): string | null {
    if (!this.failing(now)) return null;
    return `${what} crashed ${this.policy.maxRestarts} or more times in ${duration(this.policy.windowMs)}`;
  }

  private forget(now: number): void {
    this.crashes = this.crashes.filter((crash) => now - crash.at < this.policy.windowMs);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export function errorStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function duration(ms: number): string {
  const minutes = ms / 60_000;
  if (!Number.isInteger(minutes)) return `${Math.round(ms / 1000)} s`;
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
