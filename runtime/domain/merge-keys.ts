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

/** The strong identifier: two profiles holding different values of it are never merged automatically. */
export const STRONG_IDENTIFIER = "data.identifier.id";

/**
 * Values that never identify anyone (compared case-insensitively after trimming; `*` matches any run
 * of characters). Empty and whitespace-only values are always ignored. `TRACARDI_MERGE_IGNORED_VALUES`
 * adds to this list.
 */
export const DEFAULT_IGNORED_MERGE_VALUES: readonly string[] = [
  "undefined",
  "null",
  "none",
  "nil",
  "nan",
  "0",
  "-",
  "n/a",
  "anonymous",
  "guest",
  "unknown",
  "[object object]",
  "test@test.com",
  "test@example.com",
  "user@example.com",
  "email@example.com",
  "example@example.com",
  "*@test.com",
];

/** Decides whether a merge-key value identifies nobody. */
export type IgnoredValues = (value: string) => boolean;

/** Compiles patterns into a matcher; `*` is a wildcard, everything else literal, case-insensitive. */
export function ignoredValues(patterns: readonly string[]): IgnoredValues {
  const exact = new Set<string>();
  const wildcards: RegExp[] = [];
  for (const raw of patterns) {
    const pattern = raw.trim().toLowerCase();
    if (pattern === "") continue;
    if (!pattern.includes("*")) exact.add(pattern);
    else {
      const body = pattern
        .split("*")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*");
      wildcards.push(new RegExp(`^${body}$`, "s"));
    }
  }
  return (value) => {
    const text = value.trim().toLowerCase();
    return text === "" || exact.has(text) || wildcards.some((re) => re.test(text));
  };
}

export const DEFAULT_IGNORED: IgnoredValues = ignoredValues(DEFAULT_IGNORED_MERGE_VALUES);

/** `<prefix>-<md5("<salt>-<value>") as 8-4-4-4-12>`, as Tracardi computes it. */
export function hashedId(prefix: string, value: string, salt: string): string {
  const h = createHash("md5").update(`${salt}-${value}`).digest("hex");
  return `${prefix}-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function isMergeId(id: string): boolean {
  return /^(emm|emb|emp|phm|phb|pho|pwa|iid|ipk|mrg)-[0-9a-f]{8}-/.test(id);
}

/** The value of a merge-key field that can identify someone (trimmed), or null. */
export function identifyingValue(profile: Profile, field: string, ignored: IgnoredValues): string | null {
  const value = getPath(profile, field);
  if (typeof value !== "string" && typeof value !== "number") return null;
  const text = String(value).trim();
  return ignored(text) ? null : text;
}

/** The hashed ids of the profile's current merge-key values (never of ignored values). */
export function currentMergeIds(profile: Profile, salt: string, ignored: IgnoredValues): Set<string> {
  const ids = new Set<string>();
  for (const [field, prefix] of MERGE_KEYS) {
    const text = identifyingValue(profile, field, ignored);
    if (text !== null) ids.add(hashedId(prefix, text, salt));
  }
  return ids;
}

/**
 * Makes the hashed ids in `ids` follow the profile's current merge-key values: the id of a new value
 * joins `ids` and is marked for merging (`metadata.system.aux.auto_merge`); the id of a value the
 * profile no longer holds (changed, removed, or now ignored) leaves `ids` and the mark. `mrg-` ids of
 * merge-profiles nodes are left alone. Returns whether `ids` changed.
 */
export function markMergeIds(
  profile: Profile,
  salt: string,
  ignored: IgnoredValues = DEFAULT_IGNORED,
): boolean {
  const current = currentMergeIds(profile, salt, ignored);
  const stale = (id: string) => isMergeId(id) && !id.startsWith("mrg-") && !current.has(id);
  const kept = profile.ids.filter((id) => !stale(id));
  const removed = kept.length !== profile.ids.length;
  profile.ids = kept;
  const marker = profile.metadata.system.aux;
  marker.auto_merge = marker.auto_merge.filter((id) => !stale(id));
  if (marker.force_merge) marker.force_merge = marker.force_merge.filter((id) => !stale(id));
  const added = [...current].filter((id) => !profile.ids.includes(id));
  addIds(profile, added, false);
  return removed || added.length > 0;
}

/**
 * The same for fields named by a workflow's merge-profiles nodes: known merge keys keep their
 * prefix, any other field gets `mrg-` over its name and value. Keys of several nodes accumulate.
 * `force` records the ids so the merge they find skips the identifier and shared-value rails.
 * Returns whether `ids` or the marks changed.
 */
export function markMergeKeys(
  profile: Profile,
  fields: string[],
  salt: string,
  options: { ignored?: IgnoredValues; force?: boolean } = {},
): boolean {
  const ignored = options.ignored ?? DEFAULT_IGNORED;
  const ids: string[] = [];
  for (const field of fields) {
    const text = identifyingValue(profile, field, ignored);
    if (text === null) continue;
    const prefix = MERGE_KEYS.get(field);
    ids.push(prefix === undefined ? hashedId("mrg", `${field}:${text}`, salt) : hashedId(prefix, text, salt));
  }
  const fresh = ids.filter((id) => !profile.ids.includes(id));
  addIds(profile, fresh, false);
  if (!options.force) return fresh.length > 0;
  // A forced key marks its ids even when the profile held them already.
  return addIds(profile, ids, true) || fresh.length > 0;
}

function addIds(profile: Profile, ids: string[], force: boolean): boolean {
  let changed = false;
  const aux = profile.metadata.system.aux;
  for (const id of ids) {
    if (!profile.ids.includes(id)) {
      profile.ids.push(id);
      changed = true;
    }
    if (!aux.auto_merge.includes(id)) {
      aux.auto_merge.push(id);
      changed = true;
    }
    if (force) {
      aux.force_merge ??= [];
      if (!aux.force_merge.includes(id)) {
        aux.force_merge.push(id);
        changed = true;
      }
    }
  }
  return changed;
}
