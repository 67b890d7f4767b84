import { newId } from "../../domain/ids.js";
import type { AcceptedPayload, TrackerPayload } from "../../domain/payload.js";
import type { BridgeType } from "../../domain/types.js";
import type { Queue } from "../../ports/queue.js";
import type { IdentityIndex } from "../../ports/store.js";
import { resolveIdentity } from "./identity.js";
import type { SourceVerifier } from "./sources.js";

export interface CollectRequest {
  payload: TrackerPayload;
  /**
   * The exact text the payload was parsed from (the body less a byte-order mark), when it came as
   * JSON: queued as is, not serialised again, since it parses to the very value that was validated.
   */
  payloadJson: string | null;
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
 * The collection stage: verify the source, decide identities, and put the payload on the durable
 * queue. Resolves only once the payload is durable; QueueUnavailableError otherwise.
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
    payload: request.payload,
    task: newId(),
    receivedAt: (deps.now?.() ?? new Date()).toISOString(),
    source: { id: source.id, channel: source.channel, transitional: source.transitional },
    identity,
    request: { ip: request.ip, headers: request.headers },
  };
  await Promise.all([
    deps.queue.publish("collector", [
      {
        key: identity.profileId ?? identity.sessionId,
        body: message,
        json: request.payloadJson === null ? undefined : withPayloadJson(message, request.payloadJson),
      },
    ]),
    deps.identity.persisted(),
  ]);
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
 * The message's JSON with the payload spliced in as received. Serialising the parsed payload again
 * would cost the intake about a tenth of its CPU; the collector normalises it when it processes it.
 */
function withPayloadJson(message: AcceptedPayload, payloadJson: string): string {
  const { task, receivedAt, source, identity, request } = message;
  return `{"payload":${payloadJson},${JSON.stringify({ task, receivedAt, source, identity, request }).slice(1)}`;
}

/** Headers Tracardi stores with an event: everything but credentials. */
export function storableHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (name === "authorization" || name === "cookie" || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
