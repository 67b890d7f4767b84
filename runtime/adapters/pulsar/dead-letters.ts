import {
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterPage,
  matchesDeadLetter,
  type Topic,
} from "../../ports/queue.js";
import { bodyOrText } from "../../ports/queue-isolation.js";
import type { PulsarAdmin } from "./admin.js";
import { PulsarConsumerSocket } from "./consumer.js";
import { PROP, type Properties, type ReceivedMessage } from "./frames.js";

export interface DeadLetterTopic {
  topic: Topic;
  path: string;
  subscription: string;
}

/** A dead letter's id names its topic, so a replay knows where to look: `<topic>:<uuid>`. */
export function deadLetterId(topic: Topic, properties: Properties): string | null {
  const id = properties[PROP.deadLetterId];
  return id ? `${topic}:${id}` : null;
}

export function toDeadLetter(
  topic: Topic,
  key: string,
  text: string,
  properties: Properties,
): DeadLetter | null {
  const id = deadLetterId(topic, properties);
  if (!id) return null;
  return {
    id,
    topic,
    key,
    body: bodyOrText(text),
    reason: properties[PROP.reason] ?? "",
    attempts: Number(properties[PROP.attempts] ?? 0),
    failedAt: properties[PROP.failedAt] ?? "",
  };
}

/** Peeks at most this many messages at once (each peek is one admin request). */
const PEEK_CONCURRENCY = 16;

/**
 * The dead letters at the given backlog positions (from 1, oldest first), in that order. A position
 * past the end (acknowledged meanwhile) or a message without a dead-letter id is left out.
 */
async function peekLetters(admin: PulsarAdmin, where: DeadLetterTopic, positions: number[]) {
  const letters: (DeadLetter | null)[] = new Array(positions.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < positions.length) {
      const index = next++;
      const message = await admin.peek(where.path, where.subscription, positions[index] as number);
      if (message) letters[index] = toDeadLetter(where.topic, message.key, message.text, message.properties);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PEEK_CONCURRENCY, positions.length) }, worker));
  return letters.filter((letter): letter is DeadLetter => letter !== null);
}

/** Backlog positions `from` down to `to` (both from 1; newest first). */
function positionsDown(from: number, to: number): number[] {
  const positions: number[] = [];
  for (let n = from; n >= Math.max(1, to); n--) positions.push(n);
  return positions;
}

/**
 * A page of dead letters, newest first, read with the admin API's peek (one request per message;
 * nothing moves). Without a `reason` or `ids` filter the total is the subscriptions' backlog and only
 * the page is read (on several topics, the newest `offset + limit` of each, merged by failure time);
 * with one, every dead letter of the topics is read to filter and count them.
 */
export async function pageDeadLetters(
  admin: PulsarAdmin,
  wheres: DeadLetterTopic[],
  filter: DeadLetterFilter,
  window: { limit: number; offset: number },
): Promise<DeadLetterPage> {
  const counts = await Promise.all(wheres.map((w) => admin.backlog(w.path, w.subscription)));
  const byTime = (a: DeadLetter, b: DeadLetter) => b.failedAt.localeCompare(a.failedAt);
  if (filter.reason === undefined && filter.ids === undefined) {
    const total = counts.reduce((sum, n) => sum + n, 0);
    if (wheres.length === 1) {
      const newest = (counts[0] ?? 0) - window.offset;
      const items = await peekLetters(
        admin,
        wheres[0] as DeadLetterTopic,
        positionsDown(newest, newest - window.limit + 1),
      );
      return { total, items };
    }
    const depth = window.offset + window.limit;
    const lists = await Promise.all(
      wheres.map((w, i) =>
        peekLetters(admin, w, positionsDown(counts[i] ?? 0, (counts[i] ?? 0) - depth + 1)),
      ),
    );
    return { total, items: lists.flat().sort(byTime).slice(window.offset, depth) };
  }
  const lists = await Promise.all(
    wheres.map((w, i) => peekLetters(admin, w, positionsDown(counts[i] ?? 0, 1))),
  );
  const matching = lists
    .flat()
    .filter((letter) => matchesDeadLetter(letter, filter))
    .sort(byTime);
  return { total: matching.length, items: matching.slice(window.offset, window.offset + window.limit) };
}

/**
 * Takes the matching dead letters off one topic's dead-letter subscription with a short-lived
 * consumer: `handle` runs on each batch of matches, then they are acknowledged (removed). Letters
 * read and not matched go back to the broker when the consumer closes. Returns how many were taken.
 */
export async function takeDeadLetters(
  admin: PulsarAdmin,
  wsUrl: string,
  where: DeadLetterTopic,
  filter: DeadLetterFilter,
  handle: (messages: ReceivedMessage[]) => Promise<void>,
  options: { token?: string; connectTimeoutMs: number },
): Promise<number> {
  let remaining = await admin.backlog(where.path, where.subscription);
  if (remaining === 0) return 0;
  const reader = new PulsarConsumerSocket(wsUrl, where.path, where.subscription, {
    subscriptionType: "Shared",
    nackDelayMs: 1000,
    ...options,
  });
  let taken = 0;
  try {
    // Each read waits at most a second; a few empty reads in a row end the pass (the consumer may
    // still be connecting, or another pass holds the rest).
    let emptyReads = 0;
    while (remaining > 0 && emptyReads < 5) {
      const batch = await reader.take(Math.min(remaining, 500), Number.POSITIVE_INFINITY, 1000);
      emptyReads = batch.length === 0 ? emptyReads + 1 : 0;
      remaining -= batch.length;
      const matches = batch.filter((message) => {
        const letter = toDeadLetter(where.topic, message.key, message.text, message.properties);
        return letter !== null && matchesDeadLetter(letter, filter);
      });
      if (matches.length === 0) continue;
      await handle(matches);
      for (const message of matches) reader.ack(message.messageId);
      taken += matches.length;
      if (filter.ids !== undefined && taken >= filter.ids.length) break;
    }
    return taken;
  } finally {
    await reader.close();
  }
}
