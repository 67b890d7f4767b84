import { getPath, isEmpty, isPlainObject, setOwn, setPath } from "../../../domain/paths.js";
import { WRITABLE_PROFILE_ROOTS } from "../../../domain/profile-fields.js";
import type { Json, JsonObject, Profile } from "../../../domain/types.js";

/** Profile fields a mapping may write (tracardi.md §4 step 13). */
const WRITABLE_ROOTS: ReadonlySet<string> = new Set(WRITABLE_PROFILE_ROOTS);

export type ProfileOp = "equals" | "equals-if-not-exists" | "append" | "add" | "increment";

export class MappingError extends Error {}

export interface ProfileWrite {
  target: string;
  op: ProfileOp;
  value: Json;
}

/**
 * Applies one write to a profile; returns true when the profile changed. Records the time and the
 * event of the change in `metadata.fields`, which merging and field-change logs read.
 */
export function applyProfileWrite(
  profile: Profile,
  write: ProfileWrite,
  eventId: string,
  now: string,
): boolean {
  const root = write.target.split(".")[0] ?? "";
  if (!WRITABLE_ROOTS.has(root)) {
    throw new MappingError(`profile field "${write.target}" cannot be written by a mapping`);
  }
  const doc = profile as unknown as JsonObject;
  const current = getPath(doc, write.target);
  const next = nextValue(write, current);
  if (next === undefined || JSON.stringify(next) === JSON.stringify(current)) return false;
  setPath(doc, write.target, next);
  setOwn(profile.metadata.fields, write.target, [now, eventId]);
  return true;
}

function nextValue(write: ProfileWrite, current: Json | undefined): Json | undefined {
  const { op, value, target } = write;
  switch (op) {
    case "equals":
      if (target === "consents") return consents(current, value);
      return isEmpty(value) ? undefined : value;
    case "equals-if-not-exists":
      return isEmpty(value) || !isEmpty(current) ? undefined : value;
    case "append": {
      if (isEmpty(value)) return undefined;
      const list: Json[] = Array.isArray(current) ? [...current] : isEmpty(current) ? [] : [current as Json];
      for (const item of Array.isArray(value) ? value : [value]) {
        if (!list.some((existing) => JSON.stringify(existing) === JSON.stringify(item))) list.push(item);
      }
      return list;
    }
    case "add":
    case "increment": {
      const amount = op === "increment" ? value : value;
      if (typeof amount !== "number") return undefined;
      if (current !== undefined && current !== null && typeof current !== "number") {
        throw new MappingError(`profile field "${target}" is not a number`);
      }
      return (current ?? 0) + amount;
    }
  }
}

/** `consents` takes a dict `{id: {revoke}}` or a list of consent ids. */
function consents(current: Json | undefined, value: Json): Json | undefined {
  const merged: JsonObject = isPlainObject(current) ? { ...current } : {};
  if (Array.isArray(value)) {
    for (const id of value) if (typeof id === "string") setOwn(merged, id, { revoke: null });
  } else if (isPlainObject(value)) {
    for (const [id, consent] of Object.entries(value))
      setOwn(merged, id, isPlainObject(consent) ? consent : { revoke: null });
  } else {
    return undefined;
  }
  return merged;
}
