import { createHash } from "node:crypto";
import { getPath } from "./paths.js";
import type { Profile } from "./types.js";

/** Merge-key fields and the prefixes of their hashed ids in `profile.ids` (tracardi.md §8.1). */
export const MERGE_KEYS: ReadonlyMap<string, string> = new Map([
  ["data.contact.email.main", "emm"],
  ["data.contact.email.business", "emb"],
  ["data.contact.email.private", "emp"],
  ["data.contact.phone.main", "phm"],
  ["data.contact.phone.business", "phb"],
  ["data.contact.phone.mobile", "pho"],
  ["data.contact.phone.whatsapp", "pwa"],
  ["data.identifier.id", "iid"],
  ["data.identifier.pk", "ipk"],
]);

/** `<prefix>-<md5("<salt>-<value>") as 8-4-4-4-12>`, as Tracardi computes it. */
export function hashedId(prefix: string, value: string, salt: string): string {
  const h = createHash("md5").update(`${salt}-${value}`).digest("hex");
  return `${prefix}-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function isMergeId(id: string): boolean {
  return /^(emm|emb|emp|phm|phb|pho|pwa|iid|ipk|mrg)-[0-9a-f]{8}-/.test(id);
}

/**
 * Adds the hashed ids of the profile's merge-key values to `ids`, and marks the new ones for merging
 * (`metadata.system.aux.auto_merge`). Returns the ids added.
 */
export function markMergeIds(profile: Profile, salt: string): string[] {
  return mark(profile, [...MERGE_KEYS], salt);
}

/**
 * The same for fields named by a workflow's merge-profiles nodes: known merge keys keep their
 * prefix, any other field gets `mrg-` over its name and value. Keys of several nodes accumulate.
 */
export function markMergeKeys(profile: Profile, fields: string[], salt: string): string[] {
  return mark(
    profile,
    fields.map((field) => [field, MERGE_KEYS.get(field) ?? null]),
    salt,
  );
}

function mark(profile: Profile, keys: [string, string | null][], salt: string): string[] {
  const added: string[] = [];
  for (const [field, prefix] of keys) {
    const value = getPath(profile, field);
    if (typeof value !== "string" && typeof value !== "number") continue;
    const text = String(value).trim();
    if (text === "") continue;
    const id = prefix === null ? hashedId("mrg", `${field}:${text}`, salt) : hashedId(prefix, text, salt);
    if (profile.ids.includes(id)) continue;
    profile.ids.push(id);
    added.push(id);
  }
  if (added.length > 0) {
    const marker = profile.metadata.system.aux.auto_merge;
    for (const id of added) if (!marker.includes(id)) marker.push(id);
  }
  return added;
}
