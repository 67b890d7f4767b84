import type { DeadLetter, Topic } from "../../ports/queue.js";
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

/** The newest `limit` dead letters of one topic, newest first, read with the admin API's peek. */
export async function listDeadLetters(admin: PulsarAdmin, where: DeadLetterTopic, limit: number) {
  const count = await admin.backlog(where.path, where.subscription);
  const positions: number[] = [];
  for (let n = count; n >= 1 && positions.length < limit; n--) positions.push(n);
  const peeked = await Promise.all(positions.map((n) => admin.peek(where.path, where.subscription, n)));
  const letters: DeadLetter[] = [];
  for (const message of peeked) {
    if (!message) continue;
    const letter = toDeadLetter(where.topic, message.key, message.text, message.properties);
    if (letter) letters.push(letter);
  }
  return letters;
}

/**
 * Finds one dead letter by reading the dead-letter subscription with a short-lived consumer; when
 * found, `replay` runs and then the letter is acknowledged (removed). Letters read and not matched
 * go back to the broker when the consumer closes.
 */
export async function takeDeadLetter(
  admin: PulsarAdmin,
  wsUrl: string,
  where: DeadLetterTopic,
  id: string,
  replay: (message: ReceivedMessage) => Promise<void>,
  options: { token?: string; connectTimeoutMs: number },
): Promise<boolean> {
  let remaining = await admin.backlog(where.path, where.subscription);
  if (remaining === 0) return false;
  const reader = new PulsarConsumerSocket(wsUrl, where.path, where.subscription, {
    subscriptionType: "Shared",
    nackDelayMs: 1000,
    ...options,
  });
  try {
    const deadline = Date.now() + 10_000;
    while (remaining > 0 && Date.now() < deadline) {
      const batch = await reader.take(Math.min(remaining, 500), Number.POSITIVE_INFINITY, 1000);
      remaining -= batch.length;
      for (const message of batch) {
        if (deadLetterId(where.topic, message.properties) !== id) continue;
        await replay(message);
        reader.ack(message.messageId);
        return true;
      }
    }
    return false;
  } finally {
    await reader.close();
  }
}
