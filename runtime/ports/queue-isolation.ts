/**
 * Per-message isolation for queue consumers: what one message does (a body that does not parse, a
 * handler that throws on it, a forward that cannot be serialised) fails that message alone, never
 * its batch. Both queue adapters run their loops through these helpers.
 */
import { errorMessage } from "../error-message.js";
import {
  type BatchHandler,
  type Delivery,
  messageJson,
  type Outcome,
  type SettleEarly,
  type Topic,
} from "./queue.js";

export type ParsedBody = { ok: true; body: unknown } | { ok: false; reason: string };

/** A queued body; a text that is not JSON gives the reason to dead-letter it (no retry can help). */
export function parseBody(text: string): ParsedBody {
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: `payload is not JSON: ${errorMessage(error)}` };
  }
}

/** A stored body for listing (dead letters): its value, or the text itself when it is not JSON. */
export function bodyOrText(text: string): unknown {
  const parsed = parseBody(text);
  return parsed.ok ? parsed.body : text;
}

/** After this many deliveries failed alone and none succeeded, the handler's trouble is not theirs. */
const FAILURES_BEFORE_PAUSE = 3;

/**
 * Runs `handler` on the batch. When it throws or answers with fewer outcomes than deliveries, the
 * batch is halved and each half handled again, down to single deliveries: only a delivery that fails
 * alone gets a retry with the handler's reason. Once a delivery is not acked, its key's later
 * deliveries in the batch are deferred (per-key order holds across the retry).
 *
 * When several deliveries fail alone and nothing succeeds (a backend is down, not a message bad),
 * the rest of the batch is deferred by `pauseMs` without an attempt counted.
 */
export async function handleIsolated<T>(
  handler: BatchHandler<T>,
  batch: Delivery<T>[],
  pauseMs = 1000,
  settleEarly?: SettleEarly,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(batch.length);
  // Settled early by the handler: final, never handled again when the rest of its call is bisected.
  const settled = new Set<number>();
  const stoppedKeys = new Set<string>();
  let succeeded = false;
  let failedAlone = 0;
  const run = async (indices: number[]): Promise<void> => {
    const live: number[] = [];
    for (const index of indices) {
      if (settled.has(index)) continue;
      if (stoppedKeys.has(keyAt(batch, index))) outcomes[index] = { kind: "defer" };
      else if (!succeeded && failedAlone >= FAILURES_BEFORE_PAUSE)
        outcomes[index] = { kind: "defer", delayMs: pauseMs };
      else live.push(index);
    }
    if (live.length === 0) return;
    const early: SettleEarly | undefined = settleEarly
      ? (n, outcome) => {
          const index = live[n];
          if (index === undefined || settled.has(index)) return;
          settled.add(index);
          outcomes[index] = outcome;
          if (outcome.kind !== "ack") stoppedKeys.add(keyAt(batch, index));
          settleEarly(index, outcome);
        }
      : undefined;
    const answer = await answerOf(
      handler,
      live.map((index) => batch[index] as Delivery<T>),
      early,
    );
    if (answer.ok) {
      succeeded = true;
      for (const [n, index] of live.entries()) {
        if (settled.has(index)) continue;
        const outcome = answer.outcomes[n] as Outcome;
        outcomes[index] = outcome;
        if (outcome.kind !== "ack") stoppedKeys.add(keyAt(batch, index));
      }
      return;
    }
    const unsettled = live.filter((index) => !settled.has(index));
    if (unsettled.length === 0) return;
    if (unsettled.length === 1) {
      const index = unsettled[0] as number;
      outcomes[index] = { kind: "retry", reason: answer.reason };
      stoppedKeys.add(keyAt(batch, index));
      failedAlone++;
      return;
    }
    const half = Math.ceil(unsettled.length / 2);
    await run(unsettled.slice(0, half));
    await run(unsettled.slice(half));
  };
  await run(batch.map((_, index) => index));
  return outcomes;
}

function keyAt<T>(batch: Delivery<T>[], index: number): string {
  return (batch[index] as Delivery<T>).key;
}

type Answer = { ok: true; outcomes: Outcome[] } | { ok: false; reason: string };

async function answerOf<T>(
  handler: BatchHandler<T>,
  batch: Delivery<T>[],
  settleEarly?: SettleEarly,
): Promise<Answer> {
  let outcomes: Outcome[];
  try {
    outcomes = await handler(batch, settleEarly);
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
  if (!Array.isArray(outcomes)) return { ok: false, reason: "handler returned no outcomes" };
  for (let i = 0; i < batch.length; i++) {
    if (outcomes[i] === undefined || outcomes[i] === null) {
      return {
        ok: false,
        reason: `handler returned ${outcomes.length} outcomes for ${batch.length} messages`,
      };
    }
  }
  return { ok: true, outcomes };
}

/**
 * Serialises the forwarded messages of every ack (sets `json`). An ack whose forwards cannot be
 * serialised (too deep, cyclic, not JSON at all) becomes a retry with the reason; the others keep
 * their acks. Forwards to a topic `asObjects` names stay as they are (a consumer on this thread
 * takes them as objects, and serialises them itself if it queues them).
 */
export function serialiseForwards(
  outcomes: Outcome[],
  asObjects: (topic: Topic) => boolean = () => false,
): Outcome[] {
  return outcomes.map((outcome) => {
    if (outcome.kind !== "ack" || outcome.forward === undefined || outcome.forward.length === 0)
      return outcome;
    try {
      const forward = outcome.forward.map((message) =>
        asObjects(message.topic) ? message : { ...message, json: messageJson(message) },
      );
      return { ...outcome, forward };
    } catch (error) {
      return { kind: "retry", reason: `forwarded message cannot be serialised: ${errorMessage(error)}` };
    }
  });
}
