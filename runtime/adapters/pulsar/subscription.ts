import { randomUUID } from "node:crypto";
import type { BatchHandler, ConsumeOptions, Delivery, Outcome, Topic } from "../../ports/queue.js";
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

  private async run(): Promise<void> {
    while (this.running) {
      if (this.options.paused?.()) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.target.idleWaitMs, 100)));
        continue;
      }
      const messages = await this.socket.take(
        this.options.maxBatch,
        this.options.maxBatchBytes ?? Number.POSITIVE_INFINITY,
        this.target.idleWaitMs,
      );
      // Stopping: messages taken now go back to the broker when the socket closes.
      if (messages.length === 0 || !this.running) continue;
      try {
        await this.handle(messages);
      } catch {
        // Could not settle (broker unreachable): give the messages back for redelivery.
        for (const message of messages) this.socket.nack(message.messageId);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async handle(messages: ReceivedMessage[]): Promise<void> {
    const now = Date.now();
    const waiting: ReceivedMessage[] = [];
    const ready: ReceivedMessage[] = [];
    for (const message of messages) {
      if (this.holds.mustWait(message.key, message.properties[PROP.id], now)) waiting.push(message);
      else ready.push(message);
    }
    for (const message of waiting) await this.putBack(message, attemptOf(message.properties), 0);

    const deliveries: Delivery[] = [];
    const handled: ReceivedMessage[] = [];
    for (const message of ready) {
      let body: unknown;
      try {
        body = JSON.parse(message.text);
      } catch {
        // Not something a handler can ever take: no use retrying it.
        await this.deadLetter(message, "payload is not JSON", attemptOf(message.properties));
        this.done(message);
        continue;
      }
      handled.push(message);
      deliveries.push({
        id: message.messageId,
        topic: this.topic,
        key: message.key,
        body,
        attempt: attemptOf(message.properties),
      });
    }
    if (deliveries.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = await this.handler(deliveries);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      outcomes = deliveries.map(() => ({ kind: "retry", reason }));
    }
    // Forwards of the whole batch go out together, before any ack.
    const forwards = new Map<Topic, OutgoingRecord[]>();
    for (const outcome of outcomes) {
      if (outcome?.kind !== "ack") continue;
      for (const message of outcome.forward ?? []) {
        const list = forwards.get(message.topic) ?? [];
        list.push({ key: message.key, text: message.json ?? JSON.stringify(message.body) });
        forwards.set(message.topic, list);
      }
    }
    await Promise.all([...forwards].map(([topic, records]) => this.target.publish(topic, records)));

    for (const [index, message] of handled.entries()) {
      const outcome = outcomes[index] ?? { kind: "retry", reason: "handler returned no outcome" };
      await this.settle(message, outcome);
    }
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
