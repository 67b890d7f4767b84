import type { Destination, DispatchMessage } from "../../domain/destination.js";
import { deliveryId } from "../../domain/event-ids.js";
import type { StorageMessage } from "../../domain/messages.js";
import type { JsonObject } from "../../domain/types.js";
import { renderTemplate } from "./template.js";

/** Decides whether a destination's optional condition holds for a scope; injected (TQL lives elsewhere). */
export type ConditionCheck = (
  condition: string,
  scope: { profile: JsonObject | null; session: JsonObject | null; event: JsonObject | null },
) => boolean;

/**
 * Which deliveries one stored payload causes (tracardi.md §6): event destinations matching each valid
 * event's source and type, and profile destinations when the profile changed.
 */
export function planDispatch(
  message: StorageMessage,
  destinations: Destination[],
  holds: ConditionCheck,
): DispatchMessage[] {
  const out: DispatchMessage[] = [];
  const profile = message.profile as unknown as JsonObject | null;
  const session = message.session as unknown as JsonObject | null;
  for (const destination of destinations) {
    if (!destination.enabled) continue;
    if (destination.on_profile_change_only) {
      if (profile === null || message.changedFields.length === 0) continue;
      const scope = { profile, session, event: null };
      if (destination.condition && !holds(destination.condition, scope)) continue;
      out.push({
        deliveryId: deliveryId(message.task, destination.id, "profile"),
        destinationId: destination.id,
        kind: "profile",
        profileId: message.profile?.id ?? null,
        eventId: null,
        body: { data: renderTemplate(destination.mapping, scope), changes: message.changedFields },
      });
      continue;
    }
    for (const event of message.events) {
      if (!event.metadata.valid) continue;
      if (destination.source && destination.source.id !== event.source.id) continue;
      if (destination.event_type && destination.event_type.id !== event.type) continue;
      const scope = { profile, session, event: event as unknown as JsonObject };
      if (destination.condition && !holds(destination.condition, scope)) continue;
      out.push({
        deliveryId: deliveryId(message.task, destination.id, `event:${event.id}`),
        destinationId: destination.id,
        kind: "event",
        profileId: event.profile?.id ?? null,
        eventId: event.id,
        body: { data: renderTemplate(destination.mapping, scope), changes: [] },
      });
    }
  }
  return out;
}
