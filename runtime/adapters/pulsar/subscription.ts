import { randomUUID } from "node:crypto";
import type {
  BatchHandler,
  ConsumeOptions,
  Delivery,
  ForwardMessage,
  Outcome,
  Topic,
} from "../../ports/queue.js";
import { errorMessage, handleIsolated, parseBody, serialiseForwards } from "../../ports/queue-isolation.js";
import type { PulsarConsumerSocket } from "./consumer.js";
import { attemptOf, type OutgoingRecord, PROP, type ReceivedMessage, retryDelayMs } from "./frames.js";
import type { KeyHolds } from "./holds.js";

/** What a subscription loop needs from the queue. */
export interface SettleTarget {
  /** Publishes records to a topic (its dead-letter topic with `deadLetters`); resolves when stored. */
  publish(topic: Topic, records: OutgoingRecord[], deadLetters?: boolean): Promise<void>;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long an idle loop waits for a message before looking at `paused` again. */
  idleWaitMs: number;
}

/**
 * One consume loop on one consumer socket: takes a batch, hands it to the handler, carries out the
 * outcomes (re-publishing retries and defers with a delivery delay, dead letters to the dead-letter
 * topic, forwards before the ack), then acknowledges.
 */
export class SubscriptionLoop {
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly topic: Topic,
    private readonly socket: PulsarConsumerSocket,
    private readonly handler: BatchHandler,
    private readonly options: ConsumeOptions,
    private readonly holds: KeyHolds,
    private readonly target: SettleTarget,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking batches, waits for the one in hand, closes the socket. */
  async stop(): Promise<void> {
    this.running = false;
    this.socket.interrupt();
    await this.loop;
    await this.socket.close();
  }

  /** Never ends on an error: one that escapes a batch is logged, and the loop goes on after a pause. */
  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (error) {
        process.stderr.write(`queue topic "${this.topic}": consume loop error: ${errorMessage(error)}\n`);
        this.options.onLoopError?.(error);
        await pause(500);
      }
    }
  }

  private async step(): Promise<void> {
    if (this.options.paused?.()) {
      await pause(Math.min(this.target.idleWaitMs, 100));
      return;
    }
    const messages = await this.socket.take(
      this.options.maxBatch,
      this.options.maxBatchBytes ?? Number.POSITIVE_INFINITY,
      this.target.idleWaitMs,
    );
    // Stopping: messages taken now go back to the broker when the socket closes.
    if (messages.length === 0 || !this.running) return;
    const settled = await this.handle(messages);
    // Some could not be settled (broker unreachable): they were given back for redelivery.
    if (!settled) await pause(500);
  }

  /** Handles and settles a batch; false when some message could not be settled (and was nacked). */
  private async handle(messages: ReceivedMessage[]): Promise<boolean> {
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
      });
    }
    let settled = true;
    const settleOne = async (message: ReceivedMessage, outcome: Outcome) => {
      try {
        await this.settle(message, outcome);
      } catch {
        this.socket.nack(message.messageId);
        settled = false;
      }
    };
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
      for (const [index, message] of handled.entries()) {
        if (!early.has(index)) decided.push({ message, outcome: outcomes[index] as Outcome });
      }
    }
    for (const { message, outcome } of decided) await settleOne(message, outcome);
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
    const byTopic = new Map<Topic, OutgoingRecord[]>();
    for (const message of forwards) {
      const list = byTopic.get(message.topic) ?? [];
      list.push({ key: message.key, text: message.json ?? JSON.stringify(message.body) });
      byTopic.set(message.topic, list);
    }
    await Promise.all([...byTopic].map(([topic, records]) => this.target.publish(topic, records)));
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

  /** Re-publishes the message to be handled as `attempt` after `delayMs`, then acknowledges it. */
  private async putBack(message: ReceivedMessage, attempt: number, delayMs: number): Promise<void> {
    const id = message.properties[PROP.id] ?? randomUUID();
    const now = Date.now();
    const at = this.holds.schedule(message.key, id, now + delayMs);
    await this.target.publish(this.topic, [
      {
        key: message.key,
        text: message.text,
        properties: { ...message.properties, [PROP.id]: id, [PROP.attempt]: String(attempt) },
        deliverAfterMs: at - now,
      },
    ]);
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
      true,
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
