import { randomUUID } from "node:crypto";

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
