import type { Outcome } from "../../ports/queue.js";

/** TRACARDI_DISPATCH_MAX_AGE's default: a day. */
export const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

/**
 * The outcome of a delivery its destination has no slot for: deferred by `delayMs`, but not past its
 * maximum age (it comes back then, and is decided then); dead-lettered with the reason once it is
 * that old, so a destination that stays down does not keep its deliveries forever.
 */
export function turnedAway(
  delivery: { queuedAt?: number },
  destinationId: string,
  delayMs: number,
  maxAgeMs: number,
  now = Date.now(),
): Outcome {
  if (maxAgeMs <= 0 || delivery.queuedAt === undefined) return { kind: "defer", delayMs };
  const age = now - delivery.queuedAt;
  if (age >= maxAgeMs)
    return {
      kind: "dead-letter",
      reason: `destination ${destinationId} did not take it within ${describeAge(maxAgeMs)} of it being queued (TRACARDI_DISPATCH_MAX_AGE)`,
    };
  return { kind: "defer", delayMs: Math.min(delayMs, maxAgeMs - age) };
}

function describeAge(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
