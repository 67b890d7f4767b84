import type { DispatchMessage } from "../../domain/destination.js";
import { type BatchHandler, inKeyOrder, type Outcome } from "../../ports/queue.js";
import type { ConfigCache } from "../process/config-cache.js";
import type { LimitOptions } from "./limit.js";
import { DEFAULT_MAX_AGE_MS, turnedAway } from "./max-age.js";
import { DestinationSlots, type Verdict } from "./slots.js";
import { type DeliveryResult, deliverWebhook } from "./webhook.js";

export interface DeliveryMemory {
  delivered(deliveryId: string): Promise<boolean>;
  record(deliveryId: string): Promise<void>;
}

export interface DispatchStageDeps {
  config: Pick<ConfigCache, "current">;
  /**
   * Deliveries in flight to one destination: learnt per destination from its latency and failures,
   * between min and max; more wait, so a hanging receiver is contained.
   */
  concurrency?: LimitOptions;
  /**
   * A delivery its destination turns away (no slot: parked or full) once it has waited this long
   * since it was queued is dead-lettered, not deferred again (TRACARDI_DISPATCH_MAX_AGE); 0: never.
   */
  maxAgeMs?: number;
  /** Aborted when the process stops: deliveries in flight are put back, not counted as attempts. */
  shutdown?: AbortSignal;
  deliver?: typeof deliverWebhook;
  /** Deliveries made (by delivery id), shared by every process: a redelivered message is not sent again. */
  deliveries?: DeliveryMemory;
  onDelivered?: (message: DispatchMessage, result: DeliveryResult) => void;
}

/**
 * Queue handler of the dispatch stage: one delivery per message. A transient failure is retried with
 * exponential backoff by the queue; after the destination's `max_attempts`, or at once for a
 * permanent failure, the message is parked in the dead-letter store with the reason. Deliveries of
 * one profile to one destination keep their order; other keys go on meanwhile, and a destination
 * never holds more deliveries than its limit (at most `concurrency.max`; a receiver that hangs or
 * fails does not earn more than `initial`), so a hanging receiver cannot take all the dispatch loops.
 */
export function dispatchStage(deps: DispatchStageDeps): BatchHandler<DispatchMessage> {
  const deliver = deps.deliver ?? deliverWebhook;
  const slots = new DestinationSlots(deps.concurrency ?? DEFAULT_CONCURRENCY, 50);
  const maxAgeMs = deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  return async (batch, settleEarly) => {
    const config = await deps.config.current();
    const handle = inKeyOrder<DispatchMessage>(
      async (delivery): Promise<Outcome> => {
        const message = delivery.body;
        const destination = config.destination(message.destinationId);
        if (!destination)
          return { kind: "dead-letter", reason: `destination ${message.destinationId} no longer exists` };
        const resource = config.resource(destination.resource.id);
        if (!resource)
          return {
            kind: "dead-letter",
            reason: `resource ${destination.resource.id} of destination ${destination.id} does not exist`,
          };
        if (!resource.enabled) return { kind: "dead-letter", reason: `resource ${resource.id} is disabled` };
        const id = message.deliveryId;
        const settings = destination.destination.init;
        // Turned away before anything else: a parked destination's deliveries cost little each time.
        if (!(await slots.acquire(destination.id, settings.timeout_ms)))
          return turnedAway(delivery, destination.id, slots.busyDelayMs(destination.id), maxAgeMs);
        const started = performance.now();
        let result: DeliveryResult | null = null;
        try {
          if (id !== undefined && (await deps.deliveries?.delivered(id))) return { kind: "ack" };
          const keyed =
            id === undefined
              ? settings
              : { ...settings, headers: { ...settings.headers, "idempotency-key": id } };
          result = await deliver(resource, keyed, message.body, deps.shutdown);
        } finally {
          const tookMs = performance.now() - started;
          const verdict = verdictOf(result, tookMs, deps.shutdown);
          if (result !== null && verdict !== undefined)
            slots.record(destination.id, { latencyMs: tookMs, failed: verdict !== "healthy" });
          slots.release(destination.id, verdict);
        }
        deps.onDelivered?.(message, result);
        if (result.ok) {
          // Not remembered (the memory unreachable): a redelivery would send it again, with the same key.
          if (id !== undefined) await deps.deliveries?.record(id).catch(() => {});
          return { kind: "ack" };
        }
        if (deps.shutdown?.aborted) return { kind: "defer" };
        if (result.permanent) return { kind: "dead-letter", reason: result.reason };
        if (delivery.attempt >= destination.destination.init.max_attempts) {
          return {
            kind: "dead-letter",
            reason: `${result.reason} (gave up after ${delivery.attempt} attempts)`,
          };
        }
        return { kind: "retry", reason: result.reason };
      },
      { concurrentKeys: true },
    );
    return handle(batch, settleEarly);
  };
}

/** The old fixed bulkhead (4) to start from; up to 64 while the receiver keeps up. */
export const DEFAULT_CONCURRENCY: LimitOptions = { initial: 4, min: 1, max: 64 };

/** A failure that says the receiver is in trouble (not a 4xx about this one delivery). */
function inTrouble(result: DeliveryResult): boolean {
  if (result.ok) return false;
  return (
    result.status === undefined || result.status >= 500 || result.status === 408 || result.status === 429
  );
}

/**
 * What a delivery told of its receiver (a refusal within a second counts as a failing answer: it is
 * there to say no); undefined when nothing was sent or a stop aborted it.
 */
function verdictOf(
  result: DeliveryResult | null,
  tookMs: number,
  shutdown?: AbortSignal,
): Verdict | undefined {
  if (result === null || shutdown?.aborted) return undefined;
  if (!inTrouble(result)) return "healthy";
  return result.status !== undefined || tookMs < 1000 ? "failing" : "unanswered";
}
