import type { Json, JsonObject } from "./types.js";

/** Reads a dotted path (`data.contact.email.main`) from a JSON document; undefined when absent. */
export function getPath(doc: unknown, path: string): Json | undefined {
  let current: unknown = doc;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current as Json | undefined;
}

/** Writes a dotted path, creating objects on the way (replacing non-objects in the way). */
export function setPath(doc: JsonObject, path: string, value: Json): void {
  const segments = path.split(".");
  const last = segments.pop() as string;
  let current: JsonObject = doc;
  for (const segment of segments) {
    const next = current[segment];
    if (next === null || typeof next !== "object" || Array.isArray(next)) {
      const created: JsonObject = {};
      current[segment] = created;
      current = created;
    } else {
      current = next;
    }
  }
  current[last] = value;
}

export function deletePath(doc: JsonObject, path: string): boolean {
  const segments = path.split(".");
  const last = segments.pop() as string;
  const parent = segments.length === 0 ? doc : getPath(doc, segments.join("."));
  if (parent === null || parent === undefined || typeof parent !== "object" || Array.isArray(parent))
    return false;
  if (!(last in parent)) return false;
  delete (parent as JsonObject)[last];
  return true;
}

/** Values Tracardi treats as "no value": mappings skip them. */
export function isEmpty(value: Json | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    value === "" ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)
  );
}

/** Shallow-recursive dict merge used for session context/properties (later keys win). */
export function mergeObjects(target: JsonObject, source: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(existing) && isPlainObject(value)) mergeObjects(existing, value);
    else target[key] = value;
  }
  return target;
}

export function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
