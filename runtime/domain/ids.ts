import { createHash, randomUUID } from "node:crypto";

export const newId: () => string = randomUUID;

/** Tracardi trims ids and lower-cases source ids; an empty id counts as absent. */
export function cleanId(id: string | null | undefined): string | null {
  if (typeof id !== "string") return null;
  const trimmed = id.trim();
  return trimmed === "" ? null : trimmed;
}

/** `"Page View"` → `page-view` (tracardi.md §1.2). */
export function normaliseEventType(type: string): string {
  return type.trim().toLowerCase().replace(/\s+/g, "-");
}

/**
 * A name-based UUID (version 5 layout over SHA-1) for something a task creates: the same task and
 * name always give the same id, so a redelivered message never creates a second copy.
 */
export function derivedId(task: string, name: string): string {
  const hex = createHash("sha1").update(`${task}:${name}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
