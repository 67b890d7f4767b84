import type { Profile } from "../../domain/types.js";

export function newProfile(id: string, now: Date): Profile {
  const iso = now.toISOString();
  return {
    id,
    primary_id: null,
    ids: [id],
    metadata: {
      time: {
        insert: iso,
        create: iso,
        update: iso,
        visit: { last: null, current: null, count: 0, tz: null },
      },
      fields: {},
      system: { aux: { auto_merge: [] } },
    },
    stats: { visits: 0, views: 0, counters: {} },
    traits: {},
    segments: [],
    interests: {},
    consents: {},
    active: true,
    aux: {},
    data: {},
  };
}

/**
 * A new session (tracardi.md §4 step 11): the current visit becomes the last one and
 * `metadata.time.visit.count` grows by one; `stats.visits` is left to the increase-visits node
 * (`update_profile_visits` in tracardi/service/tracking/profile_data_computation.py).
 */
export function countVisit(profile: Profile, now: Date, timeZone: string | null): void {
  const visit = profile.metadata.time.visit;
  visit.last = visit.current;
  visit.current = now.toISOString();
  visit.count += 1;
  if (timeZone !== null) visit.tz = timeZone;
}
