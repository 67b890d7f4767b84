import type { MergeSkip, Profile } from "./types";

const MERGE_KEY = /^(emm|phm|ipk|mrg)-/;

export interface MergeHistory {
  /** Ids of profiles merged into this one (they resolve to it). */
  mergedIds: string[];
  /** Hashed merge keys (`emm-…` e-mail, `phm-…` phone, `ipk-…` identifier, `mrg-…` merge node). */
  mergeKeys: string[];
  /** Merge keys waiting for the next merge pass. */
  pending: string[];
  skipped: MergeSkip[];
}

/** A profile's merge history from its `ids` and `metadata.system.aux`. */
export function mergeHistory(profile: Profile): MergeHistory {
  const others = profile.ids.filter((id) => id !== profile.id);
  return {
    mergedIds: others.filter((id) => !MERGE_KEY.test(id)),
    mergeKeys: others.filter((id) => MERGE_KEY.test(id)),
    pending: profile.metadata.system?.aux?.auto_merge ?? [],
    skipped: profile.metadata.system?.aux?.merge_skipped ?? [],
  };
}
