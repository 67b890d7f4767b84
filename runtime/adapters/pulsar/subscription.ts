import { randomUUID } from "node:crypto";
import { errorMessage } from "../../error-message.js";
import type {
  BatchHandler,
  ConsumeOptions,
  Delivery,
  ForwardMessage,
  Outcome,
  Topic,
} from "../../ports/queue.js";
import { byTopic } from "../../ports/queue.js";
import { handleIsolated, parseBody, serialiseForwards } from "../../ports/queue-isolation.js";
import type { PulsarConsumerSocket } from "./consumer.js";
import {
  attemptOf,
  type OutgoingRecord,
  PROP,
  queuedAtOf,
  type ReceivedMessage,
  retryDelayMs,
} from "./frames.js";
import type { KeyHolds } from "./holds.js";
import type { Lane } from "./names.js";

/**
 * Messages re-published with a delivery delay (retries, deferrals) are not handed out at their
 * time: the broker's delayed-delivery tracker releases what came due once per tick, so they come in
 * bursts. They have their own topic and loops (see PulsarQueue), but the same processing thread: a
 * burst of a failing destination's retries handled at once would take its next tens of milliseconds
 * from a healthy destination's new deliveries. So a loop spreads the redelivered messages it gets
 * (up to a batch of them; more are handled at once) over this long.
 */
const REDELIVERY_SPREAD_MS = 1000;

/** A message this adapter re-published (a retry or deferral), as opposed to one published once. */
function isRedelivery(message: ReceivedMessage): boolean {
  return message.properties[PROP.id] !== undefined;
}

/** What a subscription loop needs from the queue. */
export interface SettleTarget {
  /** Publishes records to a lane of a topic (`fresh` by default); resolves when stored. */
  publish(topic: Topic, records: OutgoingRecord[], lane?: Lane): Promise<void>;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long an idle loop waits for a message before looking at `paused` again. */
  idleWaitMs: number;
}

/**
 * One consume loop on one consumer socket (of a topic or of its retry topic): takes a batch, hands
 * it to the handler, carries out the outcomes (re-publishing retries and defers to the retry topic
 * with a delivery delay, dead letters to the dead-letter topic, forwards before the ack), and
 * acknowledges each message as it settles.
 *
 * It does not wait for a batch to end before taking the next: Key_Shared gives each key to one
 * consumer, so a loop waiting for one hanging delivery would hold every other key it was given. Up
 * to `maxInFlight` messages are taken and not yet settled at a time; a message whose key still has
 * one in flight is held here, in arrival order, until the key is free (per-key order). Messages back
 * from a retry or deferral are spread over a second (REDELIVERY_SPREAD_MS).
 */
export class SubscriptionLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  /** Batches being handled. */
  private readonly batches = new Set<Promise<void>>();
  /** Messages handed to a batch and not settled yet, per key. */
  private readonly keysInFlight = new Map<string, number>();
  private inFlight = 0;
  /** Taken, waiting for an earlier message of their key to settle; in arrival order. */
  private held: ReceivedMessage[] = [];
  /** Taken back from a retry or deferral, waiting for their moment (by `at`); see REDELIVERY_SPREAD_MS. */
  private paced: { message: ReceivedMessage; at: number }[] = [];
  /** No new messages until then: some could not be settled (the broker is unreachable). */
  private backoffUntil = 0;
  /** Ends a wait for a settled message. */
  private nudge: (() => void) | null = null;
  private readonly maxInFlight: number;

  constructor(
    private readonly topic: Topic,
    private readonly socket: PulsarConsumerSocket,
    private readonly handler: BatchHandler,
    private readonly options: ConsumeOptions,
    private readonly holds: KeyHolds,
    private readonly target: SettleTarget,
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? options.maxBatch * 2);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking batches, waits for those in hand, closes the socket (held messages go back). */
  async stop(): Promise<void> {
    this.running = false;
    this.socket.interrupt();
    this.nudge?.();
    await this.loop;
    await Promise.all(this.batches);
    await this.socket.close();
  }

  /** Never ends on an error: one that escapes a step is logged, and the loop goes on after a pause. */
  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (error) {
        this.loopError(error);
        await pause(500);
      }
    }
  }

  private loopError(error: unknown): void {
    process.stderr.write(`queue topic "${this.topic}": consume loop error: ${errorMessage(error)}\n`);
    this.options.onLoopError?.(error);
  }

  private async step(): Promise<void> {
    if (this.options.paused?.()) {
      await pause(Math.min(this.target.idleWaitMs, 100));
      return;
    }
    const now = Date.now();
    this.releasePaced(now);
    const batch = this.freeHeld();
    const room = Math.min(
      this.options.maxBatch - batch.length,
      this.maxInFlight - this.inFlight - batch.length - this.held.length - this.paced.length,
    );
    // Not longer than until the next paced message is due.
    const nextPaced = this.paced[0]?.at;
    const idleWaitMs =
      nextPaced === undefined ? this.target.idleWaitMs : Math.min(this.target.idleWaitMs, nextPaced - now);
    if (room > 0 && now >= this.backoffUntil) {
      const maxBytes = this.options.maxBatchBytes ?? Number.POSITIVE_INFINITY;
      let bytes = batch.reduce((sum, message) => sum + message.text.length, 0);
      const taken = await this.socket.take(
        room,
        Math.max(1, maxBytes - bytes),
        batch.length > 0 ? 0 : Math.max(1, idleWaitMs),
      );
      const heldKeys = new Set(this.held.map((message) => message.key));
      const pacedKeys = new Set(this.paced.map((entry) => entry.message.key));
      for (const message of taken) {
        // Behind its key's paced message: paced too, after it.
        if (pacedKeys.has(message.key)) {
          this.pace(message, now);
          continue;
        }
        const fits = batch.length === 0 || bytes + message.text.length <= maxBytes;
        // Behind its key's messages in flight or held, or over the batch's size: held, in order.
        if (!fits || this.keysInFlight.has(message.key) || heldKeys.has(message.key)) {
          this.held.push(message);
          heldKeys.add(message.key);
          continue;
        }
        if (isRedelivery(message) && this.paced.length < this.options.maxBatch) {
          this.pace(message, now);
          pacedKeys.add(message.key);
          continue;
        }
        bytes += message.text.length;
        batch.push(message);
      }
    } else if (batch.length === 0) {
      await this.settlement(room > 0 ? this.backoffUntil - now : idleWaitMs);
      return;
    }
    // Stopping: messages taken now go back to the broker when the socket closes.
    if (batch.length === 0 || !this.running) {
      this.held.unshift(...batch);
      return;
    }
    this.launch(batch);
  }

  /**
   * Holds a message that came back from a retry or deferral until a random moment within the next
   * `REDELIVERY_SPREAD_MS` (never before an earlier paced message of its key).
   */
  private pace(message: ReceivedMessage, now: number): void {
    let at = now + Math.random() * REDELIVERY_SPREAD_MS;
    for (const entry of this.paced) if (entry.message.key === message.key) at = Math.max(at, entry.at);
    let index = this.paced.findIndex((entry) => entry.at > at);
    if (index < 0) index = this.paced.length;
    this.paced.splice(index, 0, { message, at });
  }

  /** The paced messages whose moment has come join the held ones (in order, behind their key). */
  private releasePaced(now: number): void {
    while (this.paced.length > 0 && (this.paced[0] as { at: number }).at <= now) {
      this.held.push((this.paced.shift() as { message: ReceivedMessage }).message);
    }
  }

  /** The held messages whose key has nothing in flight now (within one batch's limits), in order. */
  private freeHeld(): ReceivedMessage[] {
    if (this.held.length === 0) return [];
    const batch: ReceivedMessage[] = [];
    const kept: ReceivedMessage[] = [];
    const blocked = new Set<string>();
    const maxBytes = this.options.maxBatchBytes ?? Number.POSITIVE_INFINITY;
    let bytes = 0;
    for (const message of this.held) {
      const fits =
        batch.length < this.options.maxBatch &&
        (batch.length === 0 || bytes + message.text.length <= maxBytes);
      if (!fits || blocked.has(message.key) || this.keysInFlight.has(message.key)) {
        blocked.add(message.key);
        kept.push(message);
        continue;
      }
      bytes += message.text.length;
      batch.push(message);
    }
    this.held = kept;
    return batch;
  }

  /** Waits until a message settles (or `ms` pass). */
  private settlement(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.nudge === done) this.nudge = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.nudge = done;
    });
  }

  /** Handles the batch without waiting for it; every message of it is settled or given back in the end. */
  private launch(batch: ReceivedMessage[]): void {
    const open = new Set(batch);
    this.inFlight += batch.length;
    for (const message of batch)
      this.keysInFlight.set(message.key, (this.keysInFlight.get(message.key) ?? 0) + 1);
    const finished = (message: ReceivedMessage) => {
      if (!open.delete(message)) return;
      this.inFlight--;
      const left = (this.keysInFlight.get(message.key) ?? 1) - 1;
      if (left > 0) this.keysInFlight.set(message.key, left);
      else {
        this.keysInFlight.delete(message.key);
        // A held message of this key may go now: wake a loop waiting for messages or room.
        if (this.held.length > 0) this.socket.interrupt();
      }
      this.nudge?.();
    };
    const run = this.handle(batch, finished)
      .then((settled) => {
        // Some could not be settled (broker unreachable): they were given back for redelivery.
        if (!settled) this.backoffUntil = Date.now() + 500;
      })
      .catch((error: unknown) => {
        this.loopError(error);
        this.backoffUntil = Date.now() + 500;
      })
      .finally(() => {
        // Not settled (an error escaped): given back for redelivery.
        for (const message of open) {
          this.socket.nack(message.messageId);
          finished(message);
        }
        this.batches.delete(run);
      });
    this.batches.add(run);
  }

  /**
   * Handles and settles a batch, calling `finished` for each message once it is settled (or given
   * back); false when some message could not be settled (and was nacked).
   */
  private async handle(
    messages: ReceivedMessage[],
    finished: (message: ReceivedMessage) => void,
  ): Promise<boolean> {
    const now = Date.now();
    const decided: { message: ReceivedMessage; outcome: Outcome }[] = [];
    const deliveries: Delivery[] = [];
    const handled: ReceivedMessage[] = [];
    for (const message of messages) {
      if (this.holds.mustWait(message.key, message.properties[PROP.id], now)) {
        decided.push({ message, outcome: { kind: "defer" } });
        continue;
      }
      const parsed = parseBody(message.text);
      if (!parsed.ok) {
        // Not something a handler can ever take: no use retrying it.
        decided.push({ message, outcome: { kind: "dead-letter", reason: parsed.reason } });
        continue;
      }
      handled.push(message);
      deliveries.push({
        id: message.messageId,
        topic: this.topic,
        key: message.key,
        body: parsed.body,
        attempt: attemptOf(message.properties),
        queuedAt: queuedAtOf(message),
      });
    }
    let settled = true;
    const settleOne = async (message: ReceivedMessage, outcome: Outcome) => {
      try {
        await this.settle(message, outcome);
      } catch {
        this.socket.nack(message.messageId);
        settled = false;
      } finally {
        finished(message);
      }
    };
    // Decided without the handler: settled now, in order, not after the batch's slowest delivery.
    const settledFirst = (async () => {
      for (const { message, outcome } of decided) await settleOne(message, outcome);
    })();
    // Settled early (a slow batch-mate does not hold them): forwards out, then the ack.
    const early = new Map<number, Promise<void>>();
    if (deliveries.length > 0) {
      const pauseMs = this.options.retryBaseMs ?? this.target.retryBaseMs;
      const settleEarly = (index: number, outcome: Outcome) => {
        const message = handled[index] as ReceivedMessage;
        early.set(
          index,
          this.forward(serialiseForwards([outcome])).then(([forwarded]) =>
            settleOne(message, forwarded as Outcome),
          ),
        );
      };
      const isolated = await handleIsolated(this.handler, deliveries, pauseMs, settleEarly);
      const outcomes = await this.forward(
        serialiseForwards(isolated.map((outcome, index) => (early.has(index) ? { kind: "ack" } : outcome))),
      );
      await settledFirst;
      for (const [index, message] of handled.entries()) {
        if (!early.has(index)) await settleOne(message, outcomes[index] as Outcome);
      }
    }
    await settledFirst;
    await Promise.all(early.values());
    return settled;
  }

  /**
   * Publishes the forwards of every ack before any ack: all together, or, when that fails, each
   * message's alone, so a forward the broker refuses turns only its own message into a retry.
   */
  private async forward(outcomes: Outcome[]): Promise<Outcome[]> {
    const forwards = outcomes.flatMap((outcome) => (outcome.kind === "ack" ? (outcome.forward ?? []) : []));
    if (forwards.length === 0) return outcomes;
    try {
      await this.publishForwards(forwards);
      return outcomes;
    } catch {
      return Promise.all(
        outcomes.map(async (outcome): Promise<Outcome> => {
          if (outcome.kind !== "ack" || !outcome.forward?.length) return outcome;
          try {
            await this.publishForwards(outcome.forward);
            return outcome;
          } catch (error) {
            return { kind: "retry", reason: `could not forward: ${errorMessage(error)}` };
          }
        }),
      );
    }
  }

  private async publishForwards(forwards: ForwardMessage[]): Promise<void> {
    await Promise.all(
      [...byTopic(forwards)].map(([topic, messages]) =>
        this.target.publish(
          topic,
          messages.map((message) => ({
            key: message.key,
            text: message.json ?? JSON.stringify(message.body),
          })),
        ),
      ),
    );
  }

  private async settle(message: ReceivedMessage, outcome: Outcome): Promise<void> {
    const attempt = attemptOf(message.properties);
    switch (outcome.kind) {
      case "ack":
        this.done(message);
        return;
      case "defer":
        await this.putBack(message, attempt, outcome.delayMs ?? 0);
        return;
      case "retry":
      case "dead-letter": {
        if (outcome.kind === "dead-letter" || attempt >= this.options.maxAttempts) {
          await this.deadLetter(message, outcome.reason, attempt);
          this.options.onDeadLetter?.({
            topic: this.topic,
            key: message.key,
            reason: outcome.reason,
            attempts: attempt,
          });
          this.done(message);
          return;
        }
        const base = this.options.retryBaseMs ?? this.target.retryBaseMs;
        const max = this.options.retryMaxMs ?? this.target.retryMaxMs;
        await this.putBack(message, attempt + 1, retryDelayMs(attempt, base, max));
        return;
      }
    }
  }

  /**
   * Re-publishes the message to the topic's retry lane, to be handled as `attempt` after `delayMs`,
   * then acknowledges it (so it is never lost in between: at worst it comes twice).
   */
  private async putBack(message: ReceivedMessage, attempt: number, delayMs: number): Promise<void> {
    const id = message.properties[PROP.id] ?? randomUUID();
    const now = Date.now();
    const at = this.holds.schedule(message.key, id, now + delayMs);
    const properties: Record<string, string> = {
      ...message.properties,
      [PROP.id]: id,
      [PROP.attempt]: String(attempt),
    };
    const queuedAt = queuedAtOf(message);
    if (queuedAt !== undefined) properties[PROP.queuedAt] = String(queuedAt);
    await this.target.publish(
      this.topic,
      [{ key: message.key, text: message.text, properties, deliverAfterMs: at - now }],
      "retry",
    );
    this.socket.ack(message.messageId);
  }

  private async deadLetter(message: ReceivedMessage, reason: string, attempts: number): Promise<void> {
    await this.target.publish(
      this.topic,
      [
        {
          key: message.key,
          text: message.text,
          properties: {
            [PROP.deadLetterId]: randomUUID(),
            [PROP.topic]: this.topic,
            [PROP.reason]: reason,
            [PROP.attempts]: String(attempts),
            [PROP.failedAt]: new Date().toISOString(),
          },
        },
      ],
      "dead-letters",
    );
  }

  private done(message: ReceivedMessage): void {
    this.holds.release(message.key, message.properties[PROP.id]);
    this.socket.ack(message.messageId);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
