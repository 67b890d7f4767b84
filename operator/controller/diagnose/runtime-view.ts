import type { SearchDiskReport } from "../../../runtime/adapters/search/disk.js";
import type { MergingStatus } from "../../../runtime/stages/merge/status.js";

export type { MergingStatus, SearchDiskReport };

/** A part of a runtime's answer: its value, or why there is none (`{error}` in the runtime's status too). */
export type Part<T> = { value: T } | { error: string };

/**
 * What the operator learnt from a runtime's own `/api/v1/status` (private API, with the admin token):
 * `unavailable` says why it could not ask (no ready pod, no answer, refused token).
 */
export type RuntimeStatusView =
  | { state: "unavailable"; message: string }
  | { state: "read"; merging: Part<MergingStatus>; searchDisk: Part<SearchDiskReport | null> };

/**
 * A part of the runtime's JSON answer, taken as the runtime's own type (the same code base writes it);
 * its `{error}` placeholder and an absent field (an older image) become the reason there is none.
 */
export function partOf<T>(value: unknown, what: string): Part<T> {
  if (value === undefined) return { error: `the runtime does not report ${what} (an older image?)` };
  if (value !== null && typeof value === "object" && "error" in value && typeof value.error === "string")
    return { error: value.error };
  return { value: value as T };
}
