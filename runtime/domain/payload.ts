import { cleanId, derivedId, normaliseEventType } from "./ids.js";
import type { JsonObject } from "./types.js";

/** `POST /track` body (tracardi.md §1.2). Validated by the JSON schema in stages/collect/schema.ts. */
export interface TrackerPayload {
  source: { id: string };
  session?: { id: string; metadata?: JsonObject } | null;
  profile?: { id: string; primary_id?: string; ids?: string[]; metadata?: JsonObject } | null;
  context?: JsonObject | null;
  properties?: JsonObject | null;
  request?: JsonObject | null;
  events: EventPayload[];
  options?: PayloadOptions | null;
  profile_less?: boolean;
  debug?: boolean;
}

export interface EventPayload {
  id?: string;
  type: string;
  properties?: JsonObject | null;
  options?: JsonObject | null;
  context?: JsonObject | null;
  tags?: string[];
  time?: { insert?: string; create?: string; update?: string } | null;
}

export interface PayloadOptions {
  saveSession?: boolean;
  saveEvents?: boolean;
  saveProfile?: boolean;
  [key: string]: unknown;
}

/** Who the payload belongs to, decided at acceptance so the caller learns the final ids at once. */
export interface ResolvedIdentity {
  profileId: string | null;
  sessionId: string;
  /** The profile did not exist before this payload. */
  profileCreated: boolean;
  /** The session did not exist before this payload. */
  sessionCreated: boolean;
  /** No session id was sent: the session is only for processing. */
  artificialSession: boolean;
}

/**
 * The message the collection stage queues on topic "collector". `payload` is the body as the client
 * sent it (intake queues the request's own JSON text); `normalisedPayload` gives what is processed.
 */
export interface AcceptedPayload {
  task: string;
  receivedAt: string;
  source: { id: string; channel: string; transitional: boolean };
  identity: ResolvedIdentity;
  payload: TrackerPayload;
  request: { ip: string | null; headers: Record<string, string> };
}

/**
 * The payload as processed: the verified source's id, normalised event types and an id on every
 * event. An event sent without an id gets one derived from the task, so a redelivered message
 * gives its events the same ids again and storage stays idempotent.
 */
export function normalisedPayload(message: AcceptedPayload): TrackerPayload {
  return {
    ...message.payload,
    source: { id: message.source.id },
    events: message.payload.events.map((event, index) => ({
      ...event,
      id: cleanId(event.id) ?? derivedId(message.task, `event-${index}`),
      type: normaliseEventType(event.type),
    })),
  };
}
