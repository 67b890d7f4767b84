import { cleanId, newId, normaliseEventType } from "../../domain/ids.js";
import type { AcceptedPayload, TrackerPayload } from "../../domain/payload.js";
import type { BridgeType, EventSource } from "../../domain/types.js";
import type { Queue } from "../../ports/queue.js";
import type { IdentityIndex } from "../../ports/store.js";
import { resolveIdentity } from "./identity.js";
import type { SourceVerifier } from "./sources.js";

export interface CollectRequest {
  payload: TrackerPayload;
  bridge: BridgeType;
  profileLess: boolean;
  ip: string | null;
  headers: Record<string, string>;
}

export interface TrackResponse {
  task: string;
  ux: unknown[];
  response: Record<string, unknown>;
  profile: { id: string } | null;
  session: { id: string };
  errors: string[];
  warnings: string[];
}

export type CollectResult =
  | { kind: "rejected"; reason: string }
  | { kind: "accepted"; response: TrackResponse | null };

export interface CollectDeps {
  sources: SourceVerifier;
  identity: IdentityIndex;
  queue: Queue;
  now?: () => Date;
}

/**
 * The collection stage: verify the source, decide identities, assign event ids, and put the payload
 * on the durable queue. Resolves only once the payload is durable; QueueUnavailableError otherwise.
 */
export async function collect(request: CollectRequest, deps: CollectDeps): Promise<CollectResult> {
  const check = await deps.sources.verify(request.payload.source.id, request.bridge);
  if (!check.ok) return { kind: "rejected", reason: check.reason };
  if (request.payload.events.length === 0) return { kind: "accepted", response: null };

  const source = check.source;
  const identity = await resolveIdentity(deps.identity, {
    payload: request.payload,
    profileLess: request.profileLess,
    staticProfileId: source.config.static_profile_id === true || source.config.replace_profile_id === true,
    newId,
  });
  const message: AcceptedPayload = {
    task: newId(),
    receivedAt: (deps.now?.() ?? new Date()).toISOString(),
    source: { id: source.id, channel: source.channel, transitional: source.transitional },
    identity,
    payload: normalise(request.payload, source),
    request: { ip: request.ip, headers: request.headers },
  };
  await deps.queue.publish("collector", [{ key: identity.profileId ?? identity.sessionId, body: message }]);
  return {
    kind: "accepted",
    response: {
      task: message.task,
      ux: [],
      response: {},
      profile: identity.profileId === null ? null : { id: identity.profileId },
      session: { id: identity.sessionId },
      errors: [],
      warnings: [],
    },
  };
}

/**
 * Trimmed ids, normalised event types and an id on every event, fixed before queueing. Changes the
 * payload in place: it is this request's own parsed body.
 */
function normalise(payload: TrackerPayload, source: EventSource): TrackerPayload {
  payload.source = { id: source.id };
  for (const event of payload.events) {
    event.id = cleanId(event.id) ?? newId();
    event.type = normaliseEventType(event.type);
  }
  return payload;
}

/** Headers Tracardi stores with an event: everything but credentials. */
export function storableHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === "authorization" || name === "cookie" || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
