import { APPLIED_TASKS_KEPT } from "./applied-tasks.js";
import { STRONG_IDENTIFIER } from "./merge-keys.js";
import { getPath, isPlainObject, setOwn, setPath } from "./paths.js";
import type { Json, JsonObject, Profile } from "./types.js";

/**
 * Merges duplicates into one profile (tracardi.md §8.3), avoiding Tracardi's known bugs (§13):
 * personal data and `data.*` survive (#892), counters are summed once (#850), nothing is lost
 * when several merge keys apply (#875).
 *
 * The survivor is the earliest inserted profile; it keeps its id, so most clients never see an id
 * change. Conflicting scalar values take the most recently changed one (by `metadata.fields`),
 * falling back to the survivor's; lists are united; `data.metrics` numbers (lifetime counters) and
 * `stats`, `interests` are summed. The survivor's `data.identifier.id`, when it has one, never
 * changes to another profile's (only a forced merge can join profiles holding different ones).
 */
export function mergeProfiles(profiles: Profile[], now: Date): { survivor: Profile; merged: string[] } {
  if (profiles.length === 0) throw new Error("nothing to merge");
  const ordered = [...profiles].sort(
    (a, b) => a.metadata.time.insert.localeCompare(b.metadata.time.insert) || a.id.localeCompare(b.id),
  );
  const survivor = structuredClone(ordered[0] as Profile);
  const others = ordered.slice(1);
  for (const other of others) {
    survivor.primary_id ??= other.primary_id;
    survivor.ids = union(survivor.ids, other.ids);
    survivor.segments = union(survivor.segments, other.segments);
    survivor.stats.visits += other.stats.visits;
    survivor.stats.views += other.stats.views;
    survivor.stats.counters = sumNumbers(survivor.stats.counters, other.stats.counters);
    survivor.interests = sumNumbers(survivor.interests, other.interests);
    survivor.consents = { ...survivor.consents, ...other.consents };
    const visit = survivor.metadata.time.visit;
    const otherVisit = other.metadata.time.visit;
    visit.count += otherVisit.count;
    visit.current = latest(visit.current, otherVisit.current);
    visit.last = latest(visit.last, otherVisit.last);
    visit.tz ??= otherVisit.tz;
    survivor.traits = mergeDocs(survivor.traits, other.traits, "traits", survivor, other);
    survivor.data = mergeDocs(survivor.data, other.data, "data", survivor, other);
    survivor.aux = { ...other.aux, ...survivor.aux };
    for (const [field, stamp] of Object.entries(other.metadata.fields)) {
      const fields = survivor.metadata.fields;
      const mine = Object.hasOwn(fields, field) ? fields[field] : undefined;
      if (!mine || mine[0] < stamp[0]) setOwn(fields, field, stamp);
    }
  }
  const identifier = getPath(ordered[0], STRONG_IDENTIFIER);
  if (identifier !== undefined && identifier !== null)
    setPath(survivor as unknown as JsonObject, STRONG_IDENTIFIER, identifier);
  survivor.metadata.system.aux.auto_merge = [];
  delete survivor.metadata.system.aux.force_merge;
  // A merged-away profile's redelivered payload now lands on the survivor: it must know it was applied.
  const applied = others.flatMap((p) => p.metadata.system.aux.applied_tasks ?? []);
  if (applied.length > 0) {
    const all = union(survivor.metadata.system.aux.applied_tasks ?? [], applied);
    survivor.metadata.system.aux.applied_tasks = all.slice(-APPLIED_TASKS_KEPT);
  }
  survivor.metadata.time.update = now.toISOString();
  return { survivor, merged: others.map((p) => p.id) };
}

function mergeDocs(mine: JsonObject, theirs: JsonObject, path: string, a: Profile, b: Profile): JsonObject {
  const out: JsonObject = { ...mine };
  for (const [key, value] of Object.entries(theirs)) {
    const field = `${path}.${key}`;
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    if (current === undefined || current === null) setOwn(out, key, value);
    else if (value === null || value === undefined) continue;
    else if (isPlainObject(current) && isPlainObject(value))
      setOwn(out, key, mergeDocs(current, value, field, a, b));
    else if (Array.isArray(current) || Array.isArray(value))
      setOwn(out, key, union(asList(current), asList(value)));
    else if (typeof current === "number" && typeof value === "number" && field.startsWith("data.metrics.")) {
      setOwn(out, key, current + value);
    } else if (changedLater(field, b, a)) setOwn(out, key, value);
  }
  return out;
}

/** Whether `field` (or the object holding it) changed later in `b` than in `a`. */
function changedLater(field: string, b: Profile, a: Profile): boolean {
  const stamp = (p: Profile) => {
    for (let f = field; f.includes("."); f = f.slice(0, f.lastIndexOf("."))) {
      const s = Object.hasOwn(p.metadata.fields, f) ? p.metadata.fields[f] : undefined;
      if (s) return s[0];
    }
    return p.metadata.time.update ?? p.metadata.time.insert;
  };
  return stamp(b) > stamp(a);
}

function asList(value: Json): Json[] {
  return Array.isArray(value) ? value : [value];
}

function union<T>(a: T[], b: T[]): T[] {
  const seen = new Set(a.map((x) => JSON.stringify(x)));
  const out = [...a];
  for (const x of b) {
    const key = JSON.stringify(x);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(x);
    }
  }
  return out;
}

function sumNumbers(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) setOwn(out, k, (Object.hasOwn(out, k) ? (out[k] ?? 0) : 0) + v);
  return out;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
