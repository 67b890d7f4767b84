/**
 * The queue between stages. The embedded SQLite queue and the Pulsar transport both implement it;
 * stages only see this interface.
 */

import { errorMessage } from "../error-message.js";
import { BackendUnavailableError } from "./unavailable.js";

export type Topic = "collector" | "storage" | "workflow" | "dispatch";

export interface OutgoingMessage {
  /** Messages with the same key are delivered in publish order to one consumer at a time. */
  key: string;
  body: unknown;
  /** `body` already serialised, when the publisher has its JSON text at hand (saves serialising it again). */
  json?: string;
}

export interface Delivery<T = unknown> {
  id: string;
  topic: Topic;
  key: string;
  body: T;
  /** 1 on first delivery; grows with every redelivery. */
  attempt: number;
  /**
   * When the message was first queued (epoch ms), kept across retries and deferrals: how old it is.
   * Undefined when the queue cannot tell (a message queued by an older version).
   */
  queuedAt?: number;
}

/** What a handler decides for one delivery. */
export type Outcome =
  | { kind: "ack"; forward?: ForwardMessage[] }
  | { kind: "retry"; reason: string }
  | { kind: "dead-letter"; reason: string }
  /**
   * Not handled now, no attempt counted: an earlier message of the same key failed (redelivered after
   * it), or the handler has no capacity for it (redelivered after `delayMs`).
   */
  | { kind: "defer"; delayMs?: number };

export interface ForwardMessage extends OutgoingMessage {
  topic: Topic;
}

/**
 * Handles a batch; returns one outcome per delivery, in order. A queue that can do so commits the
 * acks and the forwarded messages atomically (the embedded queue does), otherwise it publishes the
 * forwards before acking, which is at-least-once.
 */
export type BatchHandler<T = unknown> = (
  batch: Delivery<T>[],
  settleEarly?: SettleEarly,
) => Promise<Outcome[]> | Outcome[];

/**
 * Lets a handler settle a delivery of its batch (by index) before the whole batch is done, so a slow
 * delivery does not hold its batch-mates back. The outcome is final: the handler returns the same one
 * for it at the end. Queues that offer it pass it to the handler.
 */
export type SettleEarly = (index: number, outcome: Outcome) => void;

/**
 * A batch handler from a one-message handler. A key's messages are handled one after another; once
 * one fails, the key's later messages in the batch are deferred, not handled, so per-key order holds
 * across retries. With `concurrentKeys`, different keys are handled at the same time (so one slow
 * destination does not hold up the others), and each key's deliveries are settled early, when the
 * queue offers it, as soon as the key is done — or, with `settleEach`, each delivery as soon as it is
 * decided, so its forward goes out before the key's next delivery is handled (the collector's version
 * claims rely on a claimed version leaving at once, see domain/versions.ts). Settling per key costs
 * fewer queue transactions, which is what dispatch wants.
 */
export function inKeyOrder<T>(
  handle: (delivery: Delivery<T>) => Promise<Outcome>,
  options: { concurrentKeys: boolean; settleEach?: boolean } = { concurrentKeys: false },
): BatchHandler<T> {
  return async (batch, settleEarly) => {
    const outcomes: Outcome[] = new Array(batch.length);
    const byKey = new Map<string, number[]>();
    for (const [index, delivery] of batch.entries()) {
      const indices = byKey.get(delivery.key) ?? [];
      indices.push(index);
      byKey.set(delivery.key, indices);
    }
    const runKey = async (indices: number[]) => {
      let blocked = false;
      for (const index of indices) {
        let outcome: Outcome = { kind: "defer" };
        if (!blocked) {
          try {
            outcome = await handle(batch[index] as Delivery<T>);
          } catch (error) {
            outcome = { kind: "retry", reason: errorMessage(error) };
          }
          blocked = outcome.kind !== "ack";
        }
        outcomes[index] = outcome;
        if (options.concurrentKeys && options.settleEach && settleEarly) settleEarly(index, outcome);
      }
      if (options.concurrentKeys && !options.settleEach && settleEarly)
        for (const index of indices) settleEarly(index, outcomes[index] as Outcome);
    };
    if (options.concurrentKeys) await Promise.all([...byKey.values()].map(runKey));
    else for (const indices of byKey.values()) await runKey(indices);
    return outcomes;
  };
}

export interface ConsumeOptions {
  /** Largest batch handed to the handler. */
  maxBatch: number;
  /** Stop adding messages to a batch past this many bytes of bodies (at least one message). */
  maxBatchBytes?: number;
  /** After this many failed attempts a message goes to the dead-letter store. */
  maxAttempts: number;
  /** First retry delay, doubling per attempt up to `retryMaxMs` (queue defaults when absent). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Batches handled at the same time (never two of one key); 1 by default. */
  parallel?: number;
  /**
   * A loop takes the next batch while earlier ones still run, up to this many messages taken and not
   * yet settled: over Pulsar 2 × maxBatch by default; the embedded queue's loops take one batch at a
   * time unless this is set above maxBatch (then one loop takes batches while earlier ones run, up to
   * `parallel` × this many messages).
   */
  maxInFlight?: number;
  /** While this says true, nothing is fetched (messages wait in the queue). */
  paused?: () => boolean;
  /**
   * A consume loop met an error outside the handler (reading or settling a batch) and goes on after
   * a pause; the stage records it as its last error.
   */
  onLoopError?: (error: unknown) => void;
  /** A message was parked as a dead letter (after its transaction committed). */
  onDeadLetter?: (letter: ParkedLetter) => void;
}

/** What a stage learns about a message it has just dead-lettered. */
export interface ParkedLetter {
  topic: Topic;
  key: string;
  reason: string;
  attempts: number;
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

/** Which dead letters a listing, replay or purge is about; every given part must match. */
export interface DeadLetterFilter {
  topic?: Topic;
  /** Letters whose reason contains this text, ignoring case. */
  reason?: string;
  /** Only these letters (ids as listed). */
  ids?: readonly string[];
}

export interface DeadLetterPage {
  /** How many letters match the filter, whatever the page. */
  total: number;
  /** The page of matching letters, newest first. */
  items: DeadLetter[];
}

/** True when the letter matches the filter (for queues that filter in memory). */
export function matchesDeadLetter(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.topic !== undefined && letter.topic !== filter.topic) return false;
  if (filter.ids !== undefined && !filter.ids.includes(letter.id)) return false;
  if (filter.reason !== undefined && !letter.reason.toLowerCase().includes(filter.reason.toLowerCase()))
    return false;
  return true;
}

export interface Queue {
  /** Resolves once every message is durably stored; rejects with QueueUnavailableError otherwise. */
  publish(topic: Topic, messages: OutgoingMessage[]): Promise<void>;
  consume<T>(topic: Topic, handler: BatchHandler<T>, options: ConsumeOptions): Subscription;
  /** Messages published and not yet acked, per topic. */
  backlog(): Promise<Record<Topic, number>>;
  /** When the oldest message still waiting on the topic (not acked) was queued, in epoch ms; null when none waits. */
  oldestWaitingSince(topic: Topic): Promise<number | null>;
  /** The matching dead letters, newest first, `limit` from `offset` (100 from 0 by default). */
  deadLetters(filter?: DeadLetterFilter, window?: { limit: number; offset: number }): Promise<DeadLetterPage>;
  deadLetterCount(): Promise<number>;
  /** Puts the matching dead letters back on their topics with a fresh attempt count; how many. */
  replayDeadLetters(filter: DeadLetterFilter): Promise<number>;
  /** Deletes the matching dead letters for good; how many. */
  deleteDeadLetters(filter: DeadLetterFilter): Promise<number>;
  close(): Promise<void>;
}

/** The queue cannot take more work now; callers answer 503 with Retry-After. */
export class QueueUnavailableError extends BackendUnavailableError {
  constructor(message: string, retryAfterSeconds = 1) {
    super(message, retryAfterSeconds);
    this.name = "QueueUnavailableError";
  }
}

/** A message that cannot be written as JSON (it fails its own publish, never anyone else's). */
export class UnserialisableMessageError extends Error {
  constructor(reason: string) {
    super(`the message cannot be stored as JSON: ${reason}`);
    this.name = "UnserialisableMessageError";
  }
}

/** Messages grouped by the topic they go to, each group in their order. */
export function byTopic<M extends { topic: Topic }>(messages: Iterable<M>): Map<Topic, M[]> {
  const groups = new Map<Topic, M[]>();
  for (const message of messages) {
    const group = groups.get(message.topic);
    if (group === undefined) groups.set(message.topic, [message]);
    else group.push(message);
  }
  return groups;
}

/** The message's JSON text: its `json` when given, or its body serialised now. */
export function messageJson(message: OutgoingMessage): string {
  if (message.json !== undefined) return message.json;
  let json: string | undefined;
  try {
    json = JSON.stringify(message.body);
  } catch (error) {
    throw new UnserialisableMessageError(errorMessage(error));
  }
  if (json === undefined) throw new UnserialisableMessageError("it has no JSON form");
  return json;
}

export const TOPICS: readonly Topic[] = ["collector", "storage", "workflow", "dispatch"];
