/**
 * The JSON frames of Pulsar's WebSocket API (payloads are base64) and the message properties this
 * adapter keeps its own state in.
 */

/** Message properties set by this adapter (Pulsar properties are string → string). */
export const PROP = {
  /** Delivery attempt this message will be handled as (1 when absent). */
  attempt: "tracardi-attempt",
  /** Stable id of a message across re-publishing (retries, defers), for per-key ordering. */
  id: "tracardi-id",
  /** When the message was first published (epoch ms), kept across re-publishing: its age. */
  queuedAt: "tracardi-queued-at",
  /** Dead letters: id, the topic it failed on, why, after how many attempts, when. */
  deadLetterId: "tracardi-dead-letter-id",
  topic: "tracardi-topic",
  reason: "tracardi-reason",
  attempts: "tracardi-attempts",
  failedAt: "tracardi-failed-at",
} as const;

export type Properties = Record<string, string>;

/** What a producer socket is sent per message. */
export interface ProducerFrame {
  payload: string;
  key: string;
  context: string;
  properties?: Properties;
  deliverAfterMs?: number;
}

export interface OutgoingRecord {
  key: string;
  /** The payload text (JSON). */
  text: string;
  properties?: Properties;
  deliverAfterMs?: number;
}

export function producerFrame(record: OutgoingRecord, context: string): ProducerFrame {
  const frame: ProducerFrame = {
    payload: Buffer.from(record.text, "utf8").toString("base64"),
    key: record.key,
    context,
  };
  if (record.properties && Object.keys(record.properties).length > 0) frame.properties = record.properties;
  if (record.deliverAfterMs !== undefined && record.deliverAfterMs > 0) {
    frame.deliverAfterMs = Math.ceil(record.deliverAfterMs);
  }
  return frame;
}

/** The broker's answer to one produced message. */
export interface ProducerAck {
  context: string;
  ok: boolean;
  error?: string;
}

export function parseProducerAck(text: string): ProducerAck | null {
  const frame = parseObject(text);
  if (!frame || typeof frame.context !== "string") return null;
  const result = typeof frame.result === "string" ? frame.result : "";
  if (result === "ok") return { context: frame.context, ok: true };
  const detail = typeof frame.errorMsg === "string" ? `: ${frame.errorMsg}` : "";
  return { context: frame.context, ok: false, error: `${result || "no result"}${detail}` };
}

/** A message as a consumer socket receives it. */
export interface ReceivedMessage {
  messageId: string;
  key: string;
  /** The payload decoded as UTF-8. */
  text: string;
  properties: Properties;
  redeliveryCount: number;
  /** When the broker stored this copy (epoch ms); undefined if the frame does not say. */
  publishedAt?: number;
}

export function parseReceived(text: string): ReceivedMessage | null {
  const frame = parseObject(text);
  if (!frame || typeof frame.messageId !== "string" || typeof frame.payload !== "string") return null;
  const properties: Properties = {};
  if (frame.properties && typeof frame.properties === "object") {
    for (const [name, value] of Object.entries(frame.properties as Record<string, unknown>)) {
      if (typeof value === "string") properties[name] = value;
    }
  }
  const publishedAt = typeof frame.publishTime === "string" ? Date.parse(frame.publishTime) : Number.NaN;
  return {
    ...(Number.isFinite(publishedAt) ? { publishedAt } : {}),
    messageId: frame.messageId,
    key: typeof frame.key === "string" ? frame.key : "",
    text: Buffer.from(frame.payload, "base64").toString("utf8"),
    properties,
    redeliveryCount: typeof frame.redeliveryCount === "number" ? frame.redeliveryCount : 0,
  };
}

export const ackFrame = (messageId: string): string => JSON.stringify({ messageId });
export const nackFrame = (messageId: string): string =>
  JSON.stringify({ type: "negativeAcknowledge", messageId });
export const permitFrame = (permitMessages: number): string =>
  JSON.stringify({ type: "permit", permitMessages });

/** The attempt number a received message is handled as. */
export function attemptOf(properties: Properties): number {
  const n = Number(properties[PROP.attempt]);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** When the message was first queued (epoch ms): kept in a property once re-published. */
export function queuedAtOf(message: ReceivedMessage): number | undefined {
  const kept = Number(message.properties[PROP.queuedAt]);
  return Number.isFinite(kept) && kept > 0 ? kept : message.publishedAt;
}

/** Delay before attempt `failed + 1` after `failed` failed attempts: base·2^(failed−1), capped. */
export function retryDelayMs(failed: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failed - 1), maxMs);
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
