import type { Json } from "../../../domain/types.js";
import { equals } from "../tql/evaluate.js";

/** Appends items not yet present (by value); an array value appends each of its items. */
export function appendUnique(current: Json | undefined, value: Json): Json[] {
  const list: Json[] = Array.isArray(current)
    ? [...current]
    : current === undefined || current === null
      ? []
      : [current];
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!list.some((existing) => equals(existing, item))) list.push(item);
  }
  return list;
}

export function removeAll(current: Json[], value: Json): Json[] {
  const remove = Array.isArray(value) ? value : [value];
  return current.filter((item) => !remove.some((r) => equals(item, r)));
}
