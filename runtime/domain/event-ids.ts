import { createHash } from "node:crypto";
import type { EventIdClaim, EventIdVerdict } from "../ports/store.js";
import { derivedId } from "./ids.js";

/**
 * Who sends a client event id: the source and the profile, or the session of a profile-less hit.
 * Hashed, so the key has a fixed length whatever the ids (each up to 256 characters).
 */
export function eventIdOwner(sourceId: string, profileId: string | null, sessionId: string): string {
  const who = profileId === null ? `session\u0000${sessionId}` : `profile\u0000${profileId}`;
  return createHash("sha1").update(`${sourceId}\u0000${who}`).digest("hex");
}

/**
 * The stored id of an event whose client id another owner holds: a UUID named by owner and id, so
 * the same event re-sent by the same owner gets the same one (and stays within 512 bytes).
 */
export function scopedEventId(owner: string, clientId: string): string {
  return derivedId(`event-id:${owner}`, clientId);
}

/** A stored claim of a client event id. */
export interface EventIdRow {
  owner: string;
  task: string;
  /** When the owner's task claimed it (epoch ms). */
  at: number;
}

/**
 * What a claim finds, and what to write: `insert` a new row, `renew` the row for this task (the
 * owner re-sent it after the window; only if the row still holds `row.task`), or nothing.
 */
export function judgeEventId(
  row: EventIdRow | null,
  claim: EventIdClaim,
  now: number,
  windowMs: number,
): { verdict: EventIdVerdict; write: "insert" | "renew" | null } {
  if (row === null) return { verdict: "first", write: "insert" };
  if (row.task === claim.task) return { verdict: "first", write: null };
  if (row.owner !== claim.owner) return { verdict: "foreign", write: null };
  if (row.at < now - windowMs) return { verdict: "first", write: "renew" };
  return { verdict: "duplicate", write: null };
}

/** Keys of the deliveries a task's storage message causes: the same task always gives the same one. */
export function deliveryId(task: string, destinationId: string, target: string): string {
  return derivedId(`delivery:${task}`, `${destinationId}\u0000${target}`, task);
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `TRACARDI_DEDUPE_WINDOW`: a whole number with a unit, `90s`, `30m`, `24h`, `7d`, or plain seconds
 * (`86400`); `0` switches deduplication off. Null when the text is not one of these.
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  if (!match) return null;
  const unit = UNITS[(match[2] || "s").toLowerCase()] as number;
  return Number(match[1]) * unit;
}
