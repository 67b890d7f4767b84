/**
 * The queue between stages. The embedded SQLite queue and the Pulsar transport both implement it;
 * stages only see this interface.
 */

export type Topic = "collector" | "storage" | "workflow" | "dispatch";

export interface OutgoingMessage {
  /** Messages with the same key are delivered in publish order to one consumer at a time. */
  key: string;
  body: unknown;
}

export interface Delivery<T = unknown> {
  id: string;
  topic: Topic;
  key: string;
  body: T;
  /** 1 on first delivery; grows with every redelivery. */
  attempt: number;
}

/** What a handler decides for one delivery. */
export type Outcome =
  | { kind: "ack"; forward?: ForwardMessage[] }
  | { kind: "retry"; reason: string }
  | { kind: "dead-letter"; reason: string }
  /** Not handled because an earlier message of the same key failed; redelivered after it, no attempt counted. */
  | { kind: "defer" };

export interface ForwardMessage extends OutgoingMessage {
  topic: Topic;
}

/**
 * Handles a batch; returns one outcome per delivery, in order. A queue that can do so commits the
 * acks and the forwarded messages atomically (the embedded queue does), otherwise it publishes the
 * forwards before acking, which is at-least-once.
 */
export type BatchHandler<T = unknown> = (batch: Delivery<T>[]) => Promise<Outcome[]> | Outcome[];

/**
 * A batch handler from a one-message handler: messages are handled one after another, and once a
 * message of a key fails, the later messages of that key in the batch are deferred, not handled, so
 * per-key order holds across retries.
 */
export function inKeyOrder<T>(handle: (delivery: Delivery<T>) => Promise<Outcome>): BatchHandler<T> {
  return async (batch) => {
    const blocked = new Set<string>();
    const outcomes: Outcome[] = [];
    for (const delivery of batch) {
      if (blocked.has(delivery.key)) {
        outcomes.push({ kind: "defer" });
        continue;
      }
      let outcome: Outcome;
      try {
        outcome = await handle(delivery);
      } catch (error) {
        outcome = { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
      }
      if (outcome.kind !== "ack") blocked.add(delivery.key);
      outcomes.push(outcome);
    }
    return outcomes;
  };
}

export interface ConsumeOptions {
  /** Largest batch handed to the handler. */
  maxBatch: number;
  /** After this many failed attempts a message goes to the dead-letter store. */
  maxAttempts: number;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface DeadLetter {
  id: string;
  topic: Topic;
  key: string;
  body: unknown;
  reason: string;
  attempts: number;
  failedAt: string;
}

export interface Queue {
  /** Resolves once every message is durably stored; rejects with QueueUnavailableError otherwise. */
  publish(topic: Topic, messages: OutgoingMessage[]): Promise<void>;
  consume<T>(topic: Topic, handler: BatchHandler<T>, options: ConsumeOptions): Subscription;
  /** Messages published and not yet acked, per topic. */
  backlog(): Promise<Record<Topic, number>>;
  deadLetters(topic?: Topic, limit?: number): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

/** The queue cannot take more work now; callers answer 503 with Retry-After. */
export class QueueUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
    this.name = "QueueUnavailableError";
  }
}

export const TOPICS: readonly Topic[] = ["collector", "storage", "workflow", "dispatch"];
