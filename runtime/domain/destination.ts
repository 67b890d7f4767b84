import { setOwn } from "./paths.js";
import type { Json, JsonObject } from "./types.js";

/** Credentials of an external system (tracardi.md §6). Secret fields never leave the private API. */
export interface Resource {
  id: string;
  name: string;
  type: "webhook";
  enabled: boolean;
  credentials: { url: string; username?: string; password?: string; [key: string]: string | undefined };
}

export interface WebhookSettings {
  method: "POST" | "PUT" | "PATCH" | "GET" | "DELETE";
  headers: Record<string, string>;
  timeout_ms: number;
  /** Delivery attempts before the message is parked in the dead-letter store. */
  max_attempts: number;
}

/** Binds a resource to a dispatcher, for events (source + type) or for profile changes. */
export interface Destination {
  id: string;
  name: string;
  enabled: boolean;
  resource: { id: string };
  /** true: a profile destination, sent when the profile changed; false: an event destination. */
  on_profile_change_only: boolean;
  source: { id: string } | null;
  event_type: { id: string } | null;
  /** Optional TQL condition over {profile, session, event}. */
  condition: string | null;
  /** Template rendered against {profile, session, event}: `"profile@data.contact.email.main"` or `"{{event@type}}"`. */
  mapping: Json;
  destination: { type: "webhook"; init: WebhookSettings };
}

/** One delivery to one destination (topic "dispatch"), rendered when it was planned. */
export interface DispatchMessage {
  /**
   * Names this delivery: the same stored payload always gives the same one, so a redelivered message
   * is delivered once (sent as `Idempotency-Key`). Absent on messages queued by older versions.
   */
  deliveryId?: string;
  destinationId: string;
  kind: "event" | "profile";
  profileId: string | null;
  eventId: string | null;
  body: { data: Json; changes: string[] };
}

const SECRET = /pass|secret|token|key/i;

/** The resource as the API shows it: secret credential values replaced by "***". */
export function redactResource(resource: Resource): Resource {
  const credentials: Resource["credentials"] = { url: resource.credentials.url };
  for (const [name, value] of Object.entries(resource.credentials)) {
    if (name !== "url" && value !== undefined) setOwn(credentials, name, SECRET.test(name) ? "***" : value);
  }
  return { ...resource, credentials };
}

export type TemplateScope = {
  profile: JsonObject | null;
  session: JsonObject | null;
  event: JsonObject | null;
};
