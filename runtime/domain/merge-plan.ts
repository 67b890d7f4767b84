import {
  currentMergeIds,
  DEFAULT_IGNORED,
  type IgnoredValues,
  identifyingValue,
  STRONG_IDENTIFIER,
} from "./merge-keys.js";
import type { MergeSkip, Profile } from "./types.js";

export interface MergeRailSettings {
  ignored: IgnoredValues;
  /** A merge id held by more profiles than this merges nothing (0: no cap). */
  maxProfiles: number;
}

export interface MergeRails extends MergeRailSettings {
  salt: string;
}

/** TRACARDI_MERGE_MAX_PROFILES defaults to 50, as Unomi caps merges. */
export const DEFAULT_MERGE_RAILS: MergeRailSettings = { ignored: DEFAULT_IGNORED, maxProfiles: 50 };

export interface MergePlan {
  /** Profiles to merge with the base (the base not included). */
  merge: Profile[];
  skipped: MergeSkip[];
}

/**
 * Which of the candidates (profiles sharing a merge id with `base`) an automatic merge may join:
 * only through ids both still hold for a current, identifying value (`mrg-` ids of merge-profiles
 * nodes count as held); not through ids held by more than `maxProfiles` profiles; and never a profile
 * whose `data.identifier.id` differs from the group's. Matches through an id in
 * `base.metadata.system.aux.force_merge` skip the last two rails. Candidates are taken earliest
 * inserted first, so the earliest identified profile sets the group's identifier.
 */
export function planMerge(base: Profile, candidates: Profile[], rails: MergeRails, now: Date): MergePlan {
  const held = (p: Profile) => {
    const current = currentMergeIds(p, rails.salt, rails.ignored);
    return new Set(p.ids.filter((id) => id.startsWith("mrg-") || current.has(id)));
  };
  const mine = held(base);
  const forced = new Set((base.metadata.system.aux.force_merge ?? []).filter((id) => mine.has(id)));
  const others = candidates
    .filter((c) => c.id !== base.id)
    .sort((a, b) => a.metadata.time.insert.localeCompare(b.metadata.time.insert) || a.id.localeCompare(b.id))
    .map((profile) => ({ profile, shared: [...held(profile)].filter((id) => mine.has(id)) }))
    .filter((c) => c.shared.length > 0);

  const holders = new Map<string, number>();
  for (const { shared } of others) for (const id of shared) holders.set(id, (holders.get(id) ?? 1) + 1);
  const common = new Set(
    [...holders]
      .filter(([id, n]) => rails.maxProfiles > 0 && n > rails.maxProfiles && !forced.has(id))
      .map(([id]) => id),
  );

  const merge: Profile[] = [];
  const conflicts: Profile[] = [];
  const conflictIds = new Set<string>();
  let identifier = identifyingValue(base, STRONG_IDENTIFIER, rails.ignored);
  for (const { profile, shared } of others) {
    const usable = shared.filter((id) => !common.has(id));
    if (usable.length === 0) continue;
    const theirs = identifyingValue(profile, STRONG_IDENTIFIER, rails.ignored);
    if (usable.some((id) => forced.has(id))) {
      merge.push(profile);
      identifier ??= theirs;
    } else if (theirs !== null && identifier !== null && theirs !== identifier) {
      conflicts.push(profile);
      for (const id of usable) conflictIds.add(id);
    } else {
      merge.push(profile);
      identifier ??= theirs;
    }
  }

  const at = now.toISOString();
  const skipped: MergeSkip[] = [];
  if (conflicts.length > 0)
    skipped.push({
      reason: "identifier_conflict",
      merge_ids: [...conflictIds],
      profiles: conflicts.map((p) => p.id),
      at,
    });
  if (common.size > 0)
    skipped.push({ reason: "shared_by_too_many", merge_ids: [...common], profiles: [], at });
  return { merge, skipped };
}

/** Records skips on the profile, keeping the newest 10. */
export function recordSkips(profile: Profile, skipped: MergeSkip[]): void {
  if (skipped.length === 0) return;
  const aux = profile.metadata.system.aux;
  aux.merge_skipped = [...(aux.merge_skipped ?? []), ...skipped].slice(-10);
}
