import { createHash } from "node:crypto";
import { derivedId } from "../../domain/ids.js";
import type { EventPayload } from "../../domain/payload.js";

/** Id of the internal event source that system events carry (tracardi.md §1.1). */
export const INTERNAL_SOURCE_ID = `@internal-${createHash("md5").update("tracardi-internal-source-110").digest("hex").slice(0, 20)}`;

export interface SystemEventInput {
  task: string;
  eventTypes: string[];
  profileCreated: boolean;
  /** The session is new or was ended before this payload. */
  visitStarted: boolean;
  sessionCreated: boolean;
  saveSession: boolean;
  now: Date;
}

/**
 * `profile-created`, `session-opened`, `visit-started` (tracardi.md §4 step 12). Ids derive from the
 * payload's task id, so processing a redelivered payload produces the same events, not new ones.
 */
export function systemEvents(input: SystemEventInput): EventPayload[] {
  if (input.eventTypes.includes("visit-ended")) return [];
  const at = (secondsBefore: number) => new Date(input.now.getTime() - secondsBefore * 1000).toISOString();
  const events: EventPayload[] = [];
  if (input.profileCreated) {
    events.push({
      id: derivedId(input.task, "profile-created"),
      type: "profile-created",
      time: { insert: at(3) },
    });
  }
  if (input.saveSession && input.sessionCreated) {
    events.push({
      id: derivedId(input.task, "session-opened"),
      type: "session-opened",
      time: { insert: at(2) },
    });
  }
  if (input.saveSession && input.visitStarted) {
    events.push({
      id: derivedId(input.task, "visit-started"),
      type: "visit-started",
      time: { insert: at(1) },
      properties: { "trigger-event-types": input.eventTypes },
    });
  }
  return events;
}
